package testkit

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	inputRe    = regexp.MustCompile(`<input\b[^>]*>`)
	textareaRe = regexp.MustCompile(`(?s)<textarea\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>`)
	attrRe     = regexp.MustCompile(`\b([a-z-]+)(?:="([^"]*)")?`)
)

// FormDefaults reads what a browser would send for a form left untouched: form must match the
// page's form and capture its inner HTML as group 1. Every named input's value counts
// (checkboxes and radios only when checked, disabled ones never), and every textarea's text.
// Tests of "accepting every default" post exactly this.
func FormDefaults(t testing.TB, page string, form *regexp.Regexp) url.Values {
	t.Helper()
	m := form.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form matching %s on the page:\n%s", form, page)
	}
	v := url.Values{}
	for _, tag := range inputRe.FindAllString(m[1], -1) {
		attrs := map[string]string{}
		for _, a := range attrRe.FindAllStringSubmatch(strings.TrimPrefix(tag, "<input"), -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		_, checked := attrs["checked"]
		_, disabled := attrs["disabled"]
		name := attrs["name"]
		if name == "" || disabled {
			continue
		}
		if (attrs["type"] == "checkbox" || attrs["type"] == "radio") && !checked {
			continue
		}
		v.Add(name, attrs["value"])
	}
	for _, ta := range textareaRe.FindAllStringSubmatch(m[1], -1) {
		// A browser drops one newline right after <textarea>.
		v.Add(ta[1], strings.TrimPrefix(html.UnescapeString(ta[2]), "\n"))
	}
	return v
}
