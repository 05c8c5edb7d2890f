package moderation_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/headsup/headsup/report"
)

var editFormRe = regexp.MustCompile(`(?s)<form method="post" action="/moderation/alerts/[^"]+/edit">(.*?)</form>`)

// TestEditAlertPartsAndTexts: the edit form starts from what the alert says (each part
// ticked, each language's title and text) and saves what the moderator changed: a part left
// out, a Spanish text written, the English body still empty.
func TestEditAlertPartsAndTexts(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	r := badDateWithMarkers(t, h)
	h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie)
	al := approveWith(t, h, a.cookie, r, formDefaults(t, h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String()))

	page := h.do("GET", "/moderation/alerts/"+al.ID, nil, a.cookie).Body.String()
	m := editFormRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no edit form on the alert page")
	}
	form := formDefaults(t, `<form method="post" action="/moderation/reports/x/approve">`+m[1]+`</form>`) // the same reader
	form.Set("version", "1")
	if got := form["detail"]; len(got) != len(al.Details) {
		t.Fatalf("edit form ticks %v, want every part of %+v", got, al.Details)
	}
	form["detail"] = slices.DeleteFunc(form["detail"], func(f string) bool { return f == "build" })
	form.Set("body.es", "Un hombre en un Honda Civic verde azulado.")
	if w := h.do("POST", "/moderation/alerts/"+al.ID+"/edit", form, a.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", w.Code, w.Body)
	}
	got, err := h.store.Alert(context.Background(), al.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Details) != len(al.Details)-1 || slices.ContainsFunc(got.Details, func(d report.Detail) bool { return d.Field == "build" }) {
		t.Errorf("details after the edit: %+v", got.Details)
	}
	if title, body, lang := got.TextIn("es"); !strings.HasPrefix(title, "Mal cliente") || body != "Un hombre en un Honda Civic verde azulado." || lang != "es" {
		t.Errorf("Spanish text after the edit: %q %q %q", title, body, lang)
	}
	if title, body, _ := got.TextIn("en"); title != al.Title || body != "" || got.Title != al.Title {
		t.Errorf("English text after the edit: %q %q", title, body)
	}
}

// TestFeaturesAreOfferedUnticked: the aggressor's distinguishing features are the reporter's
// own words, so the form offers them unticked; a moderator who ticks them (and trims what
// only the reporter would know) publishes them as a description part.
func TestFeaturesAreOfferedUnticked(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	r := badDateWithMarkers(t, h)
	h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie)
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String()
	form := formDefaults(t, page)
	if slices.Contains(form["detail"], "features") {
		t.Fatalf("features ticked by default: %v", form["detail"])
	}
	if !strings.Contains(page, `name="detail_text.features"`) {
		t.Fatal("the form does not offer the distinguishing features at all")
	}
	form["detail"] = append(form["detail"], "features")
	form.Set("detail_text.features", "tattoo of a snake")
	al := approveWith(t, h, a.cookie, r, form)
	if !slices.ContainsFunc(al.Details, func(d report.Detail) bool { return d.Field == "features" && d.Text == "tattoo of a snake" }) {
		t.Errorf("ticked features not published: %+v", al.Details)
	}
}
