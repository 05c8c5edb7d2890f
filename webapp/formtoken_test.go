package webapp

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
)

var formToken = regexp.MustCompile(`<input type="hidden" name="form_token" value="([A-Za-z0-9_-]+)">`)

// openForm loads a report form as a browser does and returns its form token.
func openForm(t *testing.T, ts *testSite, path string) string {
	t.Helper()
	r := request(t, ts.h, "GET", path, nil)
	m := formToken.FindStringSubmatch(r.body)
	if r.Code != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d, form token %v", path, r.Code, m)
	}
	if cc := r.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET %s: Cache-Control %q: a kept copy would hand one token to two people", path, cc)
	}
	return m[1]
}

func pending(t *testing.T, ts *testSite) int64 {
	t.Helper()
	n, err := ts.store.CountReports(context.Background(), report.StatusPending)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReloadingTheReceiptShowsItAgain posts the same form twice, as a reload of the receipt
// page or a restored tab does, with JavaScript on (a spent proof) and off: the second answer
// is the same receipt, it never asks to send again, and one report is stored per form.
func TestReloadingTheReceiptShowsItAgain(t *testing.T) {
	ts := newTestSite(t)
	tok := openForm(t, ts, "/report/bad-date")
	if other := openForm(t, ts, "/report/bad-date"); other == tok {
		t.Fatal("two views of the form got the same token")
	}
	withJS := badDateForm()
	withJS.Set("form_token", tok)
	ch, err := ts.intake.Proofs.New()
	if err != nil {
		t.Fatal(err)
	}
	withJS.Set("altcha", solve(t, ch))
	noJS := badDateForm()
	noJS.Set("form_token", openForm(t, ts, "/report/bad-date"))

	for name, form := range map[string]url.Values{"with JavaScript": withJS, "without JavaScript": noJS} {
		first := request(t, ts.h, "POST", "/report/bad-date", form)
		m := receiptCode.FindStringSubmatch(first.body)
		if first.Code != http.StatusOK || m == nil {
			t.Fatalf("%s: first post %d", name, first.Code)
		}
		if len(strings.ReplaceAll(m[1], "-", "")) != 16 {
			t.Errorf("%s: code %s is not 16 characters", name, m[1])
		}
		again := request(t, ts.h, "POST", "/report/bad-date", form)
		m2 := receiptCode.FindStringSubmatch(again.body)
		if again.Code != http.StatusOK || m2 == nil || m2[1] != m[1] {
			t.Fatalf("%s: resent: %d, code %v, want %s again", name, again.Code, m2, m[1])
		}
		if !strings.Contains(again.body, "You already sent this report. Nothing was sent twice") {
			t.Errorf("%s: the second answer does not say the report was already sent", name)
		}
		if strings.Contains(again.body, "send again") || strings.Contains(again.body, "anti-spam") {
			t.Errorf("%s: the second answer asks to send again", name)
		}
		if cc := again.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: receipt Cache-Control %q", name, cc)
		}
	}
	if n := pending(t, ts); n != 2 {
		t.Errorf("%d reports stored, want 2 (one per form)", n)
	}
	// In Spanish too.
	es := badDateForm()
	es.Set("form_token", openForm(t, ts, "/report/bad-date?lang=es"))
	request(t, ts.h, "POST", "/report/bad-date?lang=es", es)
	if r := request(t, ts.h, "POST", "/report/bad-date?lang=es", es); !strings.Contains(r.body, "Ya enviaste este reporte") {
		t.Errorf("Spanish resend: %d", r.Code)
	}
}

// TestAForgedFormTokenIsRefused: a token the site did not issue stores nothing and gets a
// clear 400 with the form, everything typed, and a fresh token.
func TestAForgedFormTokenIsRefused(t *testing.T) {
	ts := newTestSite(t)
	tok := []byte(openForm(t, ts, "/report/bad-date"))
	tok[5] ^= 1
	form := badDateForm()
	form.Set("form_token", string(tok))
	r := request(t, ts.h, "POST", "/report/bad-date", form)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.body, "This form could not be checked") {
		t.Fatalf("forged token: %d", r.Code)
	}
	if !strings.Contains(r.body, ">He refused to pay and took my phone.</textarea>") {
		t.Error("what was typed is gone")
	}
	m := formToken.FindStringSubmatch(r.body)
	if m == nil || m[1] == string(tok) {
		t.Errorf("the form came back without a fresh token: %v", m)
	}
	if n := pending(t, ts); n != 0 {
		t.Errorf("%d reports stored from a forged token", n)
	}
	// Every rendering of the form carries a token, so none may be kept: not the refusal, and
	// not a form sent back with answers to fix.
	if cc := r.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("refused form: Cache-Control %q", cc)
	}
	if r := request(t, ts.h, "POST", "/report/bad-date", url.Values{"form_token": {m[1]}}); r.Code != http.StatusBadRequest || r.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("form with answers to fix: %d, Cache-Control %q", r.Code, r.Header().Get("Cache-Control"))
	}
	// With the fresh token it goes through.
	form.Set("form_token", m[1])
	if r := request(t, ts.h, "POST", "/report/bad-date", form); r.Code != http.StatusOK || receiptCode.FindString(r.body) == "" {
		t.Errorf("with the fresh token: %d", r.Code)
	}
}

// TestAUsedFormShowsNoOtherReceipt: on a shared tablet the next person writes a different
// report into a form already sent; they are told, keep their text, and see no one's code.
func TestAUsedFormShowsNoOtherReceipt(t *testing.T) {
	ts := newTestSite(t)
	tok := openForm(t, ts, "/report/bad-date")
	form := badDateForm()
	form.Set("form_token", tok)
	first := receiptCode.FindStringSubmatch(request(t, ts.h, "POST", "/report/bad-date", form).body)
	if first == nil {
		t.Fatal("no receipt")
	}
	form.Set("details", "Someone else's report.")
	r := request(t, ts.h, "POST", "/report/bad-date", form)
	if r.Code != http.StatusConflict || strings.Contains(r.body, first[1]) || !strings.Contains(r.body, "already used to send a report") ||
		!strings.Contains(r.body, ">Someone else&#39;s report.</textarea>") {
		t.Fatalf("a second report on a used form: %d", r.Code)
	}
}

// TestOptionalSectionsOpenWhenTheyMatter: the essentials are always shown, the rest are
// <details>, and the server opens a section that holds an answer or an error.
func TestOptionalSectionsOpenWhenTheyMatter(t *testing.T) {
	ts := newTestSite(t)
	r := request(t, ts.h, "GET", "/report/bad-date", nil)
	details := regexp.MustCompile(`(?s)<details class="more"( open)?>.*?</details>`)
	closed := details.FindAllStringSubmatch(r.body, -1)
	if len(closed) < 2 {
		t.Fatalf("%d optional sections, want the person and the vehicle at least", len(closed))
	}
	for _, d := range closed {
		if d[1] != "" {
			t.Errorf("an optional section is open on a fresh form: %.80s", d[0])
		}
		if strings.Contains(d[0], `id="f-details"`) || strings.Contains(d[0], `id="f-date"`) || strings.Contains(d[0], `id="f-area"`) ||
			strings.Contains(d[0], `id="f-harms-`) {
			t.Errorf("an essential question is in an optional section: %.80s", d[0])
		}
	}
	send := strings.Index(r.body, `<button type="submit" class="button big">`)
	for _, id := range []string{`id="f-details"`, `id="f-harms-physical_violence"`, `id="f-date"`, `id="f-area"`, `id="f-phones"`, `id="f-plate"`} {
		if i := strings.Index(r.body, id); i < 0 || i > send {
			t.Errorf("%s is not in the form above Send", id)
		}
	}

	// An error in the aggressor's name (too long) and a plate typed: both sections open.
	form := badDateForm()
	form.Set("aggressor_name", strings.Repeat("x", 150))
	form.Set("form_token", openForm(t, ts, "/report/bad-date"))
	r = request(t, ts.h, "POST", "/report/bad-date", form)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("too long a name: %d", r.Code)
	}
	for _, d := range details.FindAllStringSubmatch(r.body, -1) {
		holds := strings.Contains(d[0], `id="f-aggressor_name"`) || strings.Contains(d[0], `id="f-plate"`)
		if holds != (d[1] != "") {
			t.Errorf("section open=%v, holds the error or an answer=%v: %.80s", d[1] != "", holds, d[0])
		}
	}
}

// TestReceiptLookups covers old 24-character codes, which still work, and the per-client
// limit on lookups that keeps anyone from trying codes one after another.
func TestReceiptLookups(t *testing.T) {
	ts := newTestSite(t)
	r, err := report.Decode("bad_date", []byte(`{"date":"`+time.Now().UTC().Format(report.DateLayout)+`","area":"ward-1","details":"Old report.","harms":["other"]}`), report.DefaultAreas(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const old = "K7QM-3X9P-A2B4-C6D8-E0F1-G3H5"
	r.ID = report.NewID()
	r.ReceiptHash, _ = ts.intake.Receipts.Hash(old)
	r.Status = report.StatusPending
	r.SubmittedDay = report.Day(time.Now())
	if err := ts.store.CreateReport(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if res := request(t, ts.h, "POST", "/receipt", url.Values{"code": {"k7qm 3x9p a2b4 c6d8 eofi g3h5"}}); res.Code != http.StatusOK || !strings.Contains(res.body, "Waiting for review") {
		t.Fatalf("an old code: %d", res.Code)
	}

	ts.site.deps.Posts = ratelimit.New(ratelimit.Options{Rate: 1, Period: time.Hour, Burst: 3})
	for i := range 3 {
		if res := request(t, ts.h, "POST", "/receipt", url.Values{"code": {"AAAA-AAAA-AAAA-AAAA"}}); res.Code != http.StatusNotFound {
			t.Fatalf("lookup %d: %d, want 404", i+1, res.Code)
		}
	}
	res := request(t, ts.h, "POST", "/receipt", url.Values{"code": {old}})
	if res.Code != http.StatusTooManyRequests || res.Header().Get("Retry-After") == "" || strings.Contains(res.body, "Waiting for review") {
		t.Fatalf("a fourth lookup within the hour: %d, Retry-After %q", res.Code, res.Header().Get("Retry-After"))
	}
	// The wait in words, as the report form says it: never "1 minutes".
	if !strings.Contains(res.body, "Please try again in about an hour.") {
		t.Errorf("the limit page does not say when to try again: %s", res.body)
	}
}

// TestAnOldFormSaysTheReportWasReceived: a tab restored days later re-posts a form that was
// sent; the page says the report was received and when, and shows no code.
func TestAnOldFormSaysTheReportWasReceived(t *testing.T) {
	ts := newTestSite(t)
	ts.intake.Now = func() time.Time { return time.Now().Add(-intake.FormTokenTTL + time.Minute) }
	form := badDateForm()
	form.Set("form_token", openForm(t, ts, "/report/bad-date"))
	first := receiptCode.FindStringSubmatch(request(t, ts.h, "POST", "/report/bad-date", form).body)
	if first == nil {
		t.Fatal("no receipt")
	}
	ts.intake.Now = func() time.Time { return time.Now().Add(time.Hour) }
	r := request(t, ts.h, "POST", "/report/bad-date", form)
	if r.Code != http.StatusOK || strings.Contains(r.body, first[1]) || receiptCode.MatchString(r.body) || !strings.Contains(r.body, "We received this report on") {
		t.Fatalf("an old form sent again: %d, code shown %v", r.Code, receiptCode.FindString(r.body))
	}
	if n := pending(t, ts); n != 1 {
		t.Errorf("%d reports stored, want 1", n)
	}
}
