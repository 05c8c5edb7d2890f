package moderation_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/report"
)

var approveFormRe = regexp.MustCompile(`(?s)<form method="post" action="/moderation/reports/[^"]+/approve">(.*?)</form>`)

// formDefaults reads what a browser would send for the approve form untouched.
func formDefaults(t *testing.T, page string) url.Values {
	t.Helper()
	return testkit.FormDefaults(t, page, approveFormRe)
}

// markers are words only the reporter's own account holds: none may reach a default alert.
var markers = []string{"Zanzibarquux", "Plumtreewick", "Oxbowflint", "Marrowgale", "jas_dc_22", "apt 4", "most nights", "555-0111", "5550111", "snake"}

// publishedText is everything of an alert the public reads, as one string: title, body, the
// text in each language and the details.
func publishedText(t *testing.T, al *report.Alert) string {
	t.Helper()
	texts, err := json.Marshal(al.Texts)
	if err != nil {
		t.Fatal(err)
	}
	details, err := json.Marshal(al.Details)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := json.Marshal(al.PublicIdentifiers())
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join([]string{al.Title, al.Body, string(texts), string(details), string(pub)}, "\n")
}

// badDateWithMarkers stores a pending bad-date report whose free text, location, features and
// follow-up hold the marker words, and whose structured answers describe the aggressor.
func badDateWithMarkers(t *testing.T, h *harness) *report.Report {
	t.Helper()
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
	if err := h.store.CreateReport(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// approveWith posts form as the approval of r and returns the alert it published.
func approveWith(t *testing.T, h *harness, cookie string, r *report.Report, form url.Values) *report.Alert {
	t.Helper()
	w := h.do("POST", "/moderation/reports/"+r.ID+"/approve", form, cookie)
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/moderation/alerts/") {
		t.Fatalf("approve: %d %s\n%s", w.Code, loc, w.Body)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, "/moderation/alerts/"), "?")
	al, err := h.store.Alert(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return al
}

// TestApproveDefaultsPublishNoReporterWords approves a report by posting the form exactly as
// the page pre-fills it: the alert must carry none of the reporter's own words (which is what
// the withdraw page promises: the alert "does not include your words"), and must describe the
// aggressor from the structured answers, with a title in every language.
func TestApproveDefaultsPublishNoReporterWords(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	r := badDateWithMarkers(t, h)
	if w := h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("claim: %d", w.Code)
	}
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String()
	// The reporter's words are on the page for the moderator to read, beside the form, with
	// the handle, the flat and the workplace marked.
	for _, m := range markers[:4] {
		if !strings.Contains(page, m) {
			t.Errorf("report page does not show the reporter's text containing %q", m)
		}
	}
	for _, hint := range []string{"@jas_dc_22", "apt 4", "I work the corner most nights"} {
		if !strings.Contains(page, `<mark class="hint">`+hint) {
			t.Errorf("%q is not marked as a possible personal detail", hint)
		}
	}
	form := formDefaults(t, page)
	for _, want := range []string{"title.en", "title.es", "severity", "areas", "expires", "detail"} {
		if form.Get(want) == "" {
			t.Fatalf("form has no default %s: %v", want, form)
		}
	}
	if form.Get("body.en") != "" || form.Get("body.es") != "" {
		t.Errorf("the text starts filled in: %q %q", form.Get("body.en"), form.Get("body.es"))
	}
	// Labels, never raw codes: the parts read as a reader will see them.
	for _, want := range []string{"35 to 44", "Heavy", "On the street"} {
		if !strings.Contains(approveFormRe.FindString(page), want) {
			t.Errorf("the form does not offer %q", want)
		}
	}

	al := approveWith(t, h, a.cookie, r, form)
	text := publishedText(t, al)
	for _, m := range markers {
		if strings.Contains(strings.ToLower(text), strings.ToLower(m)) {
			t.Errorf("the reporter's words %q reached the alert:\n%s", m, text)
		}
	}
	var described []string
	for _, l := range report.DescribeDetails("en", al.Kind, al.Details) {
		described = append(described, l.Label+": "+l.Value)
	}
	got := strings.Join(described, "\n")
	for _, want := range []string{"teal", "35 to 44", "Honda", "Civic", "Heavy", "short grey", "On the street", "Physical violence"} {
		if !strings.Contains(got, want) {
			t.Errorf("the alert's description lacks %q:\n%s", want, got)
		}
	}
	if al.Title != "Bad date: physical violence, robbery or theft (Ward 6)" || al.Body != "" {
		t.Errorf("title, body = %q, %q", al.Title, al.Body)
	}
	if title, _, _ := al.TextIn("es"); !strings.HasPrefix(title, report.KindLabel("es", report.BadDate)+":") {
		t.Errorf("Spanish title = %q", title)
	}
	// The phone from the form is checkable by default and kept keyed: no value, a masked hint.
	// The number found in the follow-up is offered but not ticked.
	if len(al.Identifiers) != 2 {
		t.Fatalf("identifiers %+v: want the form's phone and plate", al.Identifiers)
	}
	for _, id := range al.Identifiers {
		if id.Value != "" || id.Public || id.HMAC == "" || !strings.HasPrefix(id.Hint, "•••") {
			t.Errorf("a checkable-only identifier is stored as %+v", id)
		}
	}
}

// TestApproveFollowupNumberCheckable: a number written only in a follow-up is offered on the
// form; ticked, /check finds the alert by it however it is typed.
func TestApproveFollowupNumberCheckable(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	r := badDateWithMarkers(t, h)
	h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie)
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String()
	m := regexp.MustCompile(`202-555-0111 <span class="muted">\(&#43;12025550111\)</span>.*?name="check" value="(\d+)"`).FindStringSubmatch(strings.ReplaceAll(page, "\n", " "))
	if m == nil {
		t.Fatalf("the follow-up's number is not offered:\n%s", approveFormRe.FindString(page))
	}
	form := formDefaults(t, page)
	if slices.Contains(form["check"], m[1]) {
		t.Error("a number found in the reporter's words is checkable by default")
	}
	form.Add("check", m[1])
	al := approveWith(t, h, a.cookie, r, form)

	in := &intake.Service{Store: h.store, IdentifierKey: h.key}
	for _, typed := range []string{"202 555 0111", "202.555.0111", "+1 202-555-0111", "(202) 555-0111"} {
		found, err := in.Check(context.Background(), report.IdentifierPhone, typed)
		if err != nil || len(found) != 1 || found[0].ID != al.ID {
			t.Errorf("check %q: %d alerts, %v", typed, len(found), err)
		}
	}
}

// TestApproveRefusesForgedDetails: the details come from the report, never from the form: a
// field that is not a description part, or an edited text that is too long, is refused.
func TestApproveRefusesForgedDetails(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	r := badDateWithMarkers(t, h)
	h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie)
	form := formDefaults(t, h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String())
	form.Add("detail", "details") // the free text is not a part the form offers
	form.Set("detail_text.hair", "<b>grey</b> "+strings.Repeat("x", 300))
	form.Set("title.es", "")
	form.Set("body.es", "Texto sin título")
	w := h.do("POST", "/moderation/reports/"+r.ID+"/approve", form, a.cookie)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("forged form: %d", w.Code)
	}
	for _, want := range []string{"at most 200 characters", "Write a title for this language"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the refusal does not say %q", want)
		}
	}
	form = formDefaults(t, h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String())
	form.Add("detail", "details")
	form.Set("detail_text.hair", "<i>grey</i>, short")
	form.Set("title.es", "")
	al := approveWith(t, h, a.cookie, r, form)
	if strings.Contains(publishedText(t, al), markers[1]) || len(al.Texts) != 1 || al.Texts[0].Lang != "en" {
		t.Errorf("alert texts %+v", al.Texts)
	}
	for _, d := range al.Details {
		if d.Field == "hair" && d.Text != "grey, short" {
			t.Errorf("edited hair stored as %q", d.Text)
		}
	}
}

// TestApproveDefaultsInSpanish: the parts are labelled in the page's language, and each
// language's title is generated in that language.
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
	approve := approveFormRe.FindString(page)
	for _, want := range []string{report.FieldLabel("es", "sold_as") + ": " + report.OptionLabel("es", "sold_as", "pressed_oxy"),
		report.OptionLabel("es", "effects", "overdose"), report.FieldLabel("es", "fentanyl_strip")} {
		if !strings.Contains(approve, html.EscapeString(want)) {
			t.Errorf("Spanish form lacks %q", want)
		}
	}
	form := formDefaults(t, page)
	if strings.Contains(approve, "Quillbrook") || strings.Contains(approve, report.FieldLabel("es", "xylazine_strip")) {
		t.Error("the form offers free text or an untested strip")
	}
	if !strings.HasPrefix(form.Get("title.es"), report.KindLabel("es", report.DrugAlert)) || !strings.HasPrefix(form.Get("title.en"), "Bad batch") {
		t.Errorf("titles not in their languages: %q %q", form.Get("title.es"), form.Get("title.en"))
	}
}
