package webapp

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/resources"
)

// testResources is the documented example file: an organisation and three resources.
func testResources(t *testing.T) *resources.Set {
	t.Helper()
	data, err := os.ReadFile("../resources/testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	set, err := resources.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestSheet: each alert once with all its areas, the kind and area filters, and the parts an
// outreach worker needs on paper: the organisation, help nearby, how to report, a QR code.
func TestSheet(t *testing.T) {
	ts := newTestSite(t)
	ts.site.deps.Resources = testResources(t)
	two := publish(t, ts.store, report.Alert{Kind: report.BadDate, Title: "Grey sedan, knife", Body: "Robbed two workers.",
		Areas: []string{"ward-6", "ward-7"}, Details: []report.Detail{{Field: "vehicle_make", Text: "Toyota"}, {Field: "age_range", Codes: []string{"35_44"}}}})
	batch := publish(t, ts.store, report.Alert{Kind: report.DrugAlert, Severity: report.SeverityWarning, Title: "Xylazine in dope",
		Body: "Wounds reported.", Areas: []string{"ward-1"}, Published: time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)})

	r := request(t, ts.h, "GET", "/sheet", nil)
	if n := strings.Count(r.body, "<h2>"+two.Title+"</h2>"); n != 1 {
		t.Errorf("the alert about two areas is printed %d times", n)
	}
	for _, want := range []string{
		"Ward 6, Ward 7", "<dt>Vehicle make</dt><dd>Toyota</dd>", batch.Title,
		"Safe Streets Collective", `href="tel:&#43;12025550100"`, "Drop-in Mon–Fri 10am–4pm", // the organisation
		"Help nearby", "988 Suicide &amp; Crisis Lifeline", `href="tel:988"`, "Night clinic", // help nearby
		"read every alert at <strong>" + testBaseURL + "</strong>", // how to report
		`<svg class="qr" viewBox=`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("sheet lacks %q", want)
		}
	}
	if r.Code != 200 || len(r.body) > 30_000 {
		t.Errorf("sheet: %d, %d bytes", r.Code, len(r.body))
	}

	for _, tc := range []struct{ query, in, out string }{
		{"kind=drug_alert", batch.Title, two.Title},
		{"kind=bad_date", two.Title, batch.Title},
		{"area=ward-7", two.Title, batch.Title},
		{"area=ward-1&kind=bad_date", "", two.Title},
	} {
		r := request(t, ts.h, "GET", "/sheet?"+tc.query, nil)
		if (tc.in != "" && !strings.Contains(r.body, "<h2>"+tc.in+"</h2>")) || strings.Contains(r.body, "<h2>"+tc.out+"</h2>") {
			t.Errorf("%s: want %q and not %q", tc.query, tc.in, tc.out)
		}
	}

	// Both languages: each alert once, in English and Spanish side by side, help in both.
	r = request(t, ts.h, "GET", "/sheet?lang=both", nil)
	for _, want := range []string{`<div class="sheet-lang" lang="en">`, `<div class="sheet-lang" lang="es">`,
		"Distrito 6, Distrito 7", "Ward 6, Ward 7", "Help nearby", "Ayuda cerca", "Clínica nocturna", "Night clinic", `<option value="both" selected>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("sheet in both languages lacks %q", want)
		}
	}
	if n := strings.Count(r.body, `<article class="sheet-alert`); n != 2 {
		t.Errorf("sheet in both languages has %d alerts, want 2", n)
	}
}

// TestQRCodeReadsBack checks the drawing: a square of modules with the quiet zone, one run per
// dark stretch, and the same code for the same address.
func TestQRCodeReadsBack(t *testing.T) {
	svg, err := qrSVG("https://alerts.example")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(string(svg))
	if m == nil || m[1] != m[2] || m[1] != "33" { // version 2 (25 modules) plus 8
		t.Fatalf("QR code size: %v in %.120s", m, svg)
	}
	if runs := strings.Count(string(svg), "v1h-"); runs < 100 {
		t.Errorf("only %d dark runs", runs)
	}
	again, _ := qrSVG("https://alerts.example")
	if again != svg || strings.Contains(string(svg), "alerts.example") {
		t.Errorf("QR code not stable, or the address leaked into the markup")
	}
}

// TestHelpNearby: the help block on the receipt, alert and about pages in the page's
// language; without a file, the neutral default names no number.
func TestHelpNearby(t *testing.T) {
	ts := newTestSite(t)
	a := publish(t, ts.store, report.Alert{Kind: report.BadDate, Title: "T", Body: "B", Areas: []string{"ward-1"}})
	r := request(t, ts.h, "GET", "/about", nil)
	if !strings.Contains(r.body, "Ask the organisation that gave you this address") || strings.Contains(r.body, "tel:") {
		t.Errorf("default help on the about page")
	}
	ts.site.deps.Resources = testResources(t)
	for _, path := range []string{"/about", "/alerts/" + a.ID} {
		for lang, want := range map[string][]string{
			"en": {"Help nearby", "Night clinic", "Safe Streets Collective", "Call <a href=\"tel:988\">988</a>"},
			"es": {"Ayuda cerca", "Clínica nocturna", "Colectivo Calles Seguras", "Llama al <a href=\"tel:988\">988</a>", "línea de crisis"},
		} {
			r := request(t, ts.h, "GET", path+"?lang="+lang, nil)
			for _, w := range want {
				if !strings.Contains(r.body, w) {
					t.Errorf("%s in %s lacks %q", path, lang, w)
				}
			}
		}
	}
	r = request(t, ts.h, "POST", "/report/bad-date?lang=es", badDateForm())
	if !strings.Contains(r.body, "Ayuda cerca") || !strings.Contains(r.body, "Colectivo Calles Seguras") {
		t.Errorf("the receipt lacks help nearby in Spanish: %d", r.Code)
	}
}
