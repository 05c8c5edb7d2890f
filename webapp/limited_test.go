package webapp

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/resources"
)

// solvedProof is what the page's script puts in the hidden altcha field.
func solvedProof(t *testing.T, ts *testSite) string {
	t.Helper()
	ch, err := ts.intake.Proofs.New()
	if err != nil {
		t.Fatal(err)
	}
	n, ok := altcha.Solve(ch)
	if !ok {
		t.Fatal("unsolvable challenge")
	}
	return altcha.Payload(ch, n)
}

// Five people at a drop-in centre share its wifi: each report with a solved proof goes through.
// A sixth sent with JavaScript off meets the address's limit, and gets the form back with what
// they wrote, when to send it, and whom to contact, in their language.
func TestLimitKeepsTheReportAndSaysWhen(t *testing.T) {
	ts := newTestSite(t, siteOptions{unverifiedBurst: 1})
	for i := range 5 {
		f := badDateForm()
		f.Set("altcha", solvedProof(t, ts))
		if r := request(t, ts.h, "POST", "/report/bad-date", f); r.Code != http.StatusOK || !strings.Contains(r.body, "Your report was sent") {
			t.Fatalf("report %d with a proof from the shared address: %d", i+1, r.Code)
		}
	}
	if r := request(t, ts.h, "POST", "/report/bad-date", badDateForm()); r.Code != http.StatusOK {
		t.Fatalf("first report without a proof: %d", r.Code)
	}

	f := badDateForm()
	f.Set("details", "Grey van, said his name was Rick, took my bag.")
	r := request(t, ts.h, "POST", "/report/bad-date", f)
	secs, err := strconv.Atoi(r.Header().Get("Retry-After"))
	if r.Code != http.StatusTooManyRequests || err != nil || secs < 50*60 || secs > 3600 {
		t.Fatalf("limited report: %d, Retry-After %q", r.Code, r.Header().Get("Retry-After"))
	}
	if strings.Contains(r.body, "Please fix the answers below") {
		t.Error("the limited form asks to fix answers that are fine")
	}
	for _, want := range []string{
		">Grey van, said his name was Rick, took my bag.</textarea>", `value="ABC 123"`, // what they wrote
		"Everything you wrote is still here", "please send it again in about an hour", // when
		"tell the people who run " + testSiteName + " another way", // no organisation configured
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("limited form lacks %q", want)
		}
	}

	// In Spanish, and with the organisation's contact from the resources file.
	rs, err := resources.Parse([]byte(`{"organisation": {"name": {"en": "Night Outreach", "es": "Alcance Nocturno"}, "phone": "+1 202 555 0123"}}`))
	if err != nil {
		t.Fatal(err)
	}
	ts.site.deps.Resources = rs
	r = request(t, ts.h, "POST", "/report/bad-date?lang=es", f, "Accept-Language", "es")
	for _, want := range []string{"Todo lo que escribiste sigue aquí", "en más o menos una hora", "comunícate con Alcance Nocturno: &#43;1 202 555 0123", ">Grey van, said his name was Rick, took my bag.</textarea>"} {
		if r.Code != http.StatusTooManyRequests || !strings.Contains(r.body, want) {
			t.Errorf("Spanish limited form (%d) lacks %q", r.Code, want)
		}
	}
	n, err := ts.store.PendingReports(context.Background(), 0, 100)
	if err != nil || len(n) != 6 {
		t.Errorf("stored %d reports (%v), want the 5 with proofs and 1 without", len(n), err)
	}
}

func TestWaitWords(t *testing.T) {
	p := &page{Lang: "en", site: newTestSite(t).site}
	for d, want := range map[time.Duration]string{
		20 * time.Second: "in about a minute", 3*time.Minute + time.Second: "in about 4 minutes",
		9 * time.Minute: "in about 9 minutes", 11 * time.Minute: "in about 15 minutes",
		59 * time.Minute: "in about an hour", 150 * time.Minute: "in about 3 hours",
	} {
		if got := waitWords(p, d); got != want {
			t.Errorf("waitWords(%v) = %q, want %q", d, got, want)
		}
	}
}
