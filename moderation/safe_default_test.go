package moderation_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/headsup/headsup/report"
)

var (
	approveFormRe = regexp.MustCompile(`(?s)<form method="post" action="/moderation/reports/[^"]+/approve">(.*?)</form>`)
	inputRe       = regexp.MustCompile(`<input\b[^>]*>`)
	textareaRe    = regexp.MustCompile(`(?s)<textarea\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>`)
	attrRe        = regexp.MustCompile(`\b([a-z-]+)(?:="([^"]*)")?`)
)

// formDefaults reads what a browser would send for the approve form untouched: every named
// input's value (checkboxes and radios only when checked, disabled ones never) and every
// textarea's text.
func formDefaults(t *testing.T, page string) url.Values {
	t.Helper()
	m := approveFormRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no approve form on the page:\n%s", page)
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

// TestApproveDefaultsPublishNoReporterWords approves a report by posting the form exactly as
// the page pre-fills it: the alert must carry none of the reporter's own words (which is what
// the withdraw page promises: the alert "does not include your words"), and must describe the
// aggressor from the structured answers.
func TestApproveDefaultsPublishNoReporterWords(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	ctx := context.Background()
	markers := []string{"Zanzibarquux", "Plumtreewick", "Oxbowflint", "Marrowgale"}
	r := &report.Report{
		ID: report.NewID(), ReceiptHash: report.NewID(), Kind: report.BadDate, Status: report.StatusPending,
		SubmittedDay: report.Day(h.clock.Now()), Verified: true,
		BadDate: &report.BadDateFields{
			Common: report.Common{
				Date: "2026-03-08", TimeBand: "night", Area: "ward-6",
				Location: "corner of " + markers[0] + " and K, apt 4",
				Details:  "My Instagram is @jas_dc_22, I work the corner most nights. " + markers[1] + " said he would come back.",
			},
			Harms: []string{"physical_violence", "robbery_theft"}, Contact: "street",
			Gender: "man", AgeRange: "35_44", Build: "heavy", Hair: "short grey",
			Features:    "tattoo of a snake; he knows I live near " + markers[3],
			VehicleMake: "Honda", VehicleModel: "Civic", VehicleColour: "teal",
			Phones: []string{"(202) 555-0147"}, Plate: "ABC 1234",
		},
		Followups: []report.Followup{{Day: report.Day(h.clock.Now()), Text: "Also: " + markers[2] + " was his friend's name, call me at 202-555-0111"}},
	}
	if err := h.store.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if w := h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("claim: %d", w.Code)
	}
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String()
	// The reporter's words are on the page for the moderator to read, beside the form.
	for _, m := range markers {
		if !strings.Contains(page, m) {
			t.Errorf("report page does not show the reporter's text containing %q", m)
		}
	}
	form := formDefaults(t, page)
	for _, want := range []string{"title", "body", "severity", "areas", "expires"} {
		if form.Get(want) == "" {
			t.Fatalf("form has no default %s: %v", want, form)
		}
	}
	w := h.do("POST", "/moderation/reports/"+r.ID+"/approve", form, a.cookie)
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/moderation/alerts/") {
		t.Fatalf("approve with the defaults: %d %s\n%s", w.Code, loc, w.Body)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, "/moderation/alerts/"), "?")
	al, err := h.store.Alert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	// The API, the pages and pushes serve the stored title and body (moderation may not import
	// the API to check it here: front ends do not import each other).
	public := map[string]string{"title": al.Title, "body": al.Body}
	for where, text := range public {
		for _, m := range append(markers, "jas_dc_22", "apt 4", "most nights", "555-0111", "snake") {
			if strings.Contains(strings.ToLower(text), strings.ToLower(m)) {
				t.Errorf("the reporter's words %q reached the alert's %s:\n%s", m, where, text)
			}
		}
	}
	for _, want := range []string{"teal", "35 to 44", "Honda", "Civic", "Heavy", "short grey", "On the street", "Physical violence"} {
		if !strings.Contains(al.Body, want) {
			t.Errorf("alert body lacks %q:\n%s", want, al.Body)
		}
	}
	if al.Title != "Bad date: physical violence, robbery or theft (Ward 6)" {
		t.Errorf("title = %q", al.Title)
	}
}

// TestApproveDefaultsInSpanish: the generated text follows the page's language.
func TestApproveDefaultsInSpanish(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	r := &report.Report{
		ID: report.NewID(), ReceiptHash: report.NewID(), Kind: report.DrugAlert, Status: report.StatusPending,
		SubmittedDay: report.Day(h.clock.Now()),
		DrugAlert: &report.DrugAlertFields{
			Common: report.Common{Date: "2026-03-09", Area: "ward-1", Details: "Quillbrook told me"},
			SoldAs: "pressed_oxy", Colour: "blue", Form: "pill", Stamp: "M 30", Effects: []string{"overdose"},
			FentanylStrip: "positive", XylazineStrip: "not_tested", OtherTest: "Quillbrook lab",
		},
	}
	if err := h.store.CreateReport(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie, "Accept-Language", "es").Body.String()
	form := formDefaults(t, page)
	body := form.Get("body")
	for _, want := range []string{report.FieldLabel("es", "sold_as") + ": " + report.OptionLabel("es", "sold_as", "pressed_oxy"),
		"blue", "M 30", report.OptionLabel("es", "effects", "overdose"), report.FieldLabel("es", "fentanyl_strip")} {
		if !strings.Contains(body, want) {
			t.Errorf("Spanish default body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Quillbrook") || strings.Contains(form.Get("title"), "Quillbrook") || strings.Contains(body, report.FieldLabel("es", "xylazine_strip")) {
		t.Errorf("default text carries free text or an untested strip:\n%s", body)
	}
	if !strings.HasPrefix(form.Get("title"), report.KindLabel("es", report.DrugAlert)) {
		t.Errorf("title not in Spanish: %q", form.Get("title"))
	}
}
