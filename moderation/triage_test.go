package moderation_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestQueueRowsCanBeTriaged: a row says what happened in labels, where, a masked start of the
// account, and the flags a moderator sorts by; the ordering words are honest.
func TestQueueRowsCanBeTriaged(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	r := h.addReport("He grabbed my phone, call me at 202-555-0199 if you see him again near the corner store on the avenue, he drives a grey car")
	staff := h.addReport("short")
	ctx := context.Background()
	// The reporter answered a question; staff typed the other one in.
	staff.StaffEntered, staff.Verified = true, true
	if err := h.store.Load(ctx, "reports", []any{staff}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.DecideReport(ctx, r.ID, "", decision(report.StatusNeedsInfo, "[note:question.when]")); err != nil {
		t.Fatal(err)
	}
	if err := h.store.AddFollowup(ctx, r.ReceiptHash, report.Followup{Day: report.Day(h.clock.Now()), Text: "Tuesday night"}, nil); err != nil {
		t.Fatal(err)
	}

	body := h.do("GET", "/moderation/queue", nil, ana.cookie).Body.String()
	for _, want := range []string{
		"Physical violence, Robbery or theft", "Ward 6", "happened 2026-03-08",
		"“He grabbed my phone, call me at [phone removed] if you see him again near the…”",
		"reporter answered your question", "entered by staff",
		"sent without the anti-spam check (e.g. JavaScript off)",
		"Oldest day first. Within a day the order is random on purpose",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	for _, never := range []string{"555-0199", "robbery_theft", "ward-6", "Oldest first."} {
		if strings.Contains(body, never) {
			t.Errorf("queue shows %q", never)
		}
	}
	if n := strings.Count(body, "entered by staff"); n != 1 {
		t.Errorf("staff-entered flag on %d rows, want 1", n)
	}
	es := h.do("GET", "/moderation/queue", nil, ana.cookie, "Accept-Language", "es").Body.String()
	if !strings.Contains(es, "Violencia física") || !strings.Contains(es, "la persona respondió tu pregunta") {
		t.Error("the Spanish queue is not in Spanish")
	}
	// The raw report beside the forms: labels in the page's language, never codes.
	for lang, want := range map[string]string{"en": "<dd>Physical violence<br>Robbery or theft</dd>", "es": "<dd>Violencia física<br>Robo</dd>"} {
		page := h.do("GET", "/moderation/reports/"+staff.ID, nil, ana.cookie, "Accept-Language", lang).Body.String()
		if !strings.Contains(page, want) || strings.Contains(page, "(robbery_theft)") {
			t.Errorf("the %s report page does not list the harms as labels (%s)", lang, want)
		}
	}
}

// TestAskTheReporter: a question takes the report out of the queue until the reporter answers
// through the receipt; the answer brings it back marked answered. The stored note is the
// question's code, so the reporter reads it in their own language.
func TestAskTheReporter(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	ctx := context.Background()
	r := h.addReport("it was bad")
	_ = h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, ana.cookie)

	for name, form := range map[string]url.Values{
		"no question":          {},
		"unknown question":     {"question": {"batch"}}, // a bad-batch question on a bad date
		"other without words":  {"question": {"other"}},
		"words over the limit": {"question": {"when"}, "note": {strings.Repeat("a", 1001)}},
	} {
		w := h.do("POST", "/moderation/reports/"+r.ID+"/ask", form, ana.cookie)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Some fields need fixing") {
			t.Errorf("%s: %d", name, w.Code)
		}
	}
	w := h.do("POST", "/moderation/reports/"+r.ID+"/ask", url.Values{"question": {"where"}, "note": {"Which <b>block</b>?"}}, ana.cookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/queue?done=asked" {
		t.Fatalf("ask: %d %s", w.Code, w.Header().Get("Location"))
	}
	got, err := h.store.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != report.StatusNeedsInfo {
		t.Fatalf("status after asking = %s", got.Status)
	}
	if es := report.NoteText("es", got.Note); !strings.HasPrefix(es, "¿Nos puedes contar un poco más sobre dónde pasó?") || !strings.HasSuffix(es, "Which block?") {
		t.Errorf("the reporter reading Spanish gets %q", es)
	}
	if body := h.do("GET", "/moderation/queue", nil, ana.cookie).Body.String(); strings.Contains(body, r.ID) {
		t.Error("a report waiting for its reporter is still in the queue")
	}
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, ana.cookie).Body.String()
	if !strings.Contains(page, "Waiting for the reporter: you asked") || !strings.Contains(page, "Which block?") {
		t.Error("the report page does not say what was asked")
	}
	audit := h.do("GET", "/moderation/queue?done=asked", nil, ana.cookie).Body.String()
	if !strings.Contains(audit, "The question was sent") {
		t.Error("no confirmation after asking")
	}

	if err := h.store.AddFollowup(ctx, r.ReceiptHash, report.Followup{Day: report.Day(h.clock.Now()), Text: "14th and U"}, nil); err != nil {
		t.Fatal(err)
	}
	body := h.do("GET", "/moderation/queue", nil, ana.cookie).Body.String()
	if !strings.Contains(body, r.ID) || !strings.Contains(body, "reporter answered your question") {
		t.Error("the answered report is not back in the queue, marked")
	}
	if page := h.do("GET", "/moderation/reports/"+r.ID, nil, ana.cookie).Body.String(); !strings.Contains(page, "The reporter answered your question") {
		t.Error("the report page does not say it was answered")
	}
}

// TestRejectionNotes: a stock reason is stored as its code (read in the reporter's language),
// and the one that invites more information keeps the report open for an answer.
func TestRejectionNotes(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	ctx := context.Background()
	for _, tc := range []struct {
		reason string
		status report.Status
		es     string
	}{
		{"insufficient", report.StatusNeedsInfo, "No había suficiente información"},
		{"risk", report.StatusRejected, "podría ponerte en riesgo"},
	} {
		r := h.addReport("x")
		_ = h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, ana.cookie)
		if w := h.do("POST", "/moderation/reports/"+r.ID+"/reject", url.Values{"reason": {tc.reason}}, ana.cookie); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d", tc.reason, w.Code)
		}
		got, err := h.store.Report(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tc.status || !strings.Contains(report.NoteText("es", got.Note), tc.es) ||
			!strings.HasPrefix(report.NoteText("en", got.Note), "Thank you for reporting.") {
			t.Errorf("%s: status %s, note %q", tc.reason, got.Status, got.Note)
		}
	}
}

// TestLinkedReportsAndMerge: a report whose plate is on a published alert is flagged in the
// queue, its page names the alert and the shared identifier, the picker lists that alert first
// with its masked hint, and a merge needs the confirmation.
func TestLinkedReportsAndMerge(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	ctx := context.Background()
	plate := report.IdentifierHMAC(h.key, report.IdentifierPlate, "ABC1234")
	alert := &report.Alert{
		ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger, Title: "Grey sedan driver robs workers",
		Areas: []string{"ward-7"}, IncidentDay: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Published: h.clock.Now().Add(-24 * time.Hour),
		Updated: h.clock.Now(), Expires: h.clock.Now().Add(30 * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 3,
		Identifiers: []report.Identifier{{Type: report.IdentifierPlate, HMAC: plate, Hint: "•••34"}},
	}
	if err := h.store.CreateAlert(ctx, alert); err != nil {
		t.Fatal(err)
	}
	other := h.store.CreateAlert(ctx, &report.Alert{ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityInfo,
		Title: "Unrelated alert", Areas: []string{"ward-1"}, Published: h.clock.Now(), Updated: h.clock.Now(),
		Expires: h.clock.Now().Add(24 * time.Hour), Status: report.AlertPublished, ReportCount: 1})
	if other != nil {
		t.Fatal(other)
	}
	r, twin := h.addReport("again"), h.addReport("and again")
	r.IdentifierHMACs, twin.IdentifierHMACs = []string{plate}, []string{"other", plate}
	if err := h.store.Load(ctx, "reports", []any{r, twin}); err != nil {
		t.Fatal(err)
	}
	plain := h.addReport("not linked")

	body := h.do("GET", "/moderation/queue", nil, ana.cookie).Body.String()
	if n := strings.Count(body, "linked: same identifier"); n != 2 {
		t.Errorf("%d linked flags, want 2 (for %s and %s, not %s)", n, r.ID, twin.ID, plain.ID)
	}
	_ = h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, ana.cookie)
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, ana.cookie).Body.String()
	if !strings.Contains(page, "Same license plate as the alert “Grey sedan driver robs workers”") {
		t.Error("the report page does not name the linked alert and what is shared")
	}
	if !strings.Contains(page, "Same license plate as another report (Bad date, sent 2026-03-10") || !strings.Contains(page, `href="/moderation/reports/`+twin.ID) {
		t.Error("the report page does not link the other pending report")
	}
	linked, unrelated := strings.Index(page, `name="alert" value="`+alert.ID), strings.Index(page, "Unrelated alert")
	if linked < 0 || unrelated < 0 || linked > unrelated {
		t.Error("the picker does not list the linked alert first")
	}
	for _, want := range []string{"same license plate as this report", "Ward 7", "happened 2026-03-01", "published 2026-03-09", "3 reports", "•••34"} {
		if !strings.Contains(page, want) {
			t.Errorf("merge picker lacks %q", want)
		}
	}

	// The offer beside the linked alert goes to the confirmation page; leaving the box
	// unticked there merges nothing.
	w := h.do("POST", "/moderation/reports/"+r.ID+"/merge", url.Values{"alert": {alert.ID}}, ana.cookie)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Merge this report into an alert?") || !strings.Contains(w.Body.String(), "•••34") {
		t.Fatalf("merge offer: %d", w.Code)
	}
	w = h.do("POST", "/moderation/reports/"+r.ID+"/merge", url.Values{"alert": {alert.ID}, "picked": {"1"}}, ana.cookie)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Tick the box") {
		t.Fatalf("unticked merge: %d", w.Code)
	}
	if got, _ := h.store.Report(ctx, r.ID); got.Status != report.StatusPending {
		t.Fatalf("an unconfirmed merge changed the report: %s", got.Status)
	}
	w = h.do("POST", "/moderation/reports/"+r.ID+"/merge", url.Values{"alert": {alert.ID}, "picked": {"1"}, "confirm": {"yes"}}, ana.cookie)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("confirmed merge: %d", w.Code)
	}
	if a, err := h.store.Alert(ctx, alert.ID); err != nil || a.ReportCount != 4 {
		t.Fatalf("alert after the merge: %+v %v", a, err)
	}
}

// TestQueueFlagsEachKindOfLink: the queue's flag comes from an alert alone, and from another
// report alone; a report whose hash is on nothing else is not flagged.
func TestQueueFlagsEachKindOfLink(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	ctx := context.Background()
	onAlert := report.IdentifierHMAC(h.key, report.IdentifierPlate, "ALR1234")
	shared := report.IdentifierHMAC(h.key, report.IdentifierPlate, "TWN5678")
	if err := h.store.CreateAlert(ctx, &report.Alert{
		ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger, Title: "Plate on an alert",
		Areas: []string{"ward-7"}, Published: h.clock.Now(), Updated: h.clock.Now(), Expires: h.clock.Now().Add(24 * time.Hour),
		Status: report.AlertPublished, ReportCount: 1, Identifiers: []report.Identifier{{Type: report.IdentifierPlate, HMAC: onAlert}},
	}); err != nil {
		t.Fatal(err)
	}
	byAlert, a, b, alone := h.addReport("one"), h.addReport("two"), h.addReport("three"), h.addReport("four")
	byAlert.IdentifierHMACs, a.IdentifierHMACs, b.IdentifierHMACs = []string{onAlert}, []string{shared}, []string{shared}
	alone.IdentifierHMACs = []string{report.IdentifierHMAC(h.key, report.IdentifierPlate, "ONE0000")}
	if err := h.store.Load(ctx, "reports", []any{byAlert, a, b, alone}); err != nil {
		t.Fatal(err)
	}
	body := h.do("GET", "/moderation/queue", nil, ana.cookie).Body.String()
	if n := strings.Count(body, "linked: same identifier"); n != 3 {
		t.Errorf("%d linked flags, want 3 (one through the alert, two through each other, none for the fourth)", n)
	}
}

// TestTimesInTheOrganisationsZone: times show in the configured zone with its abbreviation,
// and an expiry picked as a day ends at midnight there and reads as that day.
func TestTimesInTheOrganisationsZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, storetest.New(t), func(d *moderation.Deps) { d.Location = ny })
	ana := h.signUp("ana", "moderator")
	ctx := context.Background()
	a := &report.Alert{
		ID: report.NewID(), Version: 1, Kind: report.DrugAlert, Severity: report.SeverityWarning, Title: "Blue pills",
		Areas: []string{"ward-1"}, Published: h.clock.Now(), Updated: h.clock.Now(), Expires: h.clock.Now().Add(48 * time.Hour),
		Status: report.AlertPublished, ReportCount: 1,
	}
	if err := h.store.CreateAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	// 12:00 UTC on 10 March 2026 is 08:00 in New York (daylight saving time from 8 March).
	page := h.do("GET", "/moderation/alerts/"+a.ID, nil, ana.cookie).Body.String()
	if !strings.Contains(page, "2026-03-10 08:0") || !strings.Contains(page, "EDT") || strings.Contains(page, " UTC") {
		t.Errorf("alert page times are not in New York time:\n%s", page)
	}
	w := h.do("POST", "/moderation/alerts/"+a.ID+"/extend", url.Values{"expires": {"2026-04-02"}}, ana.cookie)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("extend: %d %s", w.Code, w.Body)
	}
	got, err := h.store.Alert(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 4, 3, 0, 0, 0, 0, ny); !got.Expires.Equal(want) {
		t.Errorf("expiry picked as 2026-04-02 = %s, want %s", got.Expires.UTC(), want.UTC())
	}
	page = h.do("GET", "/moderation/alerts/"+a.ID, nil, ana.cookie).Body.String()
	if !strings.Contains(page, "2026-04-02 23:59 EDT") || !strings.Contains(page, `value="2026-04-02"`) {
		t.Error("the expiry does not read as the day that was picked")
	}
}

func decision(status report.Status, note string) store.Decision {
	return store.Decision{Status: status, Note: note}
}

// TestIdentifiersReadInTheOrganisationsRegion: a local number is offered in the form intake
// hashed it under, with the organisation's country code, so that ticking it links it.
func TestIdentifiersReadInTheOrganisationsRegion(t *testing.T) {
	h := newHarnessWith(t, storetest.New(t), func(d *moderation.Deps) { d.Intake.PhoneRegion = "MX" })
	ana := h.signUp("ana", "moderator")
	r := h.addReport("He wrote from 55-1234-9876 again.")
	page := h.do("GET", "/moderation/reports/"+r.ID, nil, ana.cookie).Body.String()
	if !strings.Contains(page, `Phone number: 55-1234-9876 <span class="muted">(&#43;525512349876)</span>`) {
		t.Error("the number in the text is not offered with Mexico's country code")
	}
}
