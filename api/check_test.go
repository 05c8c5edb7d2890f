package api

import (
	"context"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
)

// TestCheckInTheAskersLanguage: a match found by POST /check has its description labelled in
// the language asked for (?lang= first, then Accept-Language, then English), like GET /alerts.
func TestCheckInTheAskersLanguage(t *testing.T) {
	ts := newTestServer(t)
	plate, err := report.NormalizeIdentifier(report.IdentifierPlate, "ABC 1234")
	if err != nil {
		t.Fatal(err)
	}
	a := report.Alert{ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger, Areas: []string{"ward-1"},
		IncidentDay: report.Day(testNow.AddDate(0, 0, -1)), Published: testNow, Updated: testNow,
		Expires: testNow.Add(30 * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 1,
		Title: "Grey Toyota", Body: "Robbery.",
		Details:     []report.Detail{{Field: "harms", Codes: []string{"robbery_theft"}}, {Field: "vehicle_colour", Text: "grey"}},
		Identifiers: []report.Identifier{{Type: report.IdentifierPlate, HMAC: report.IdentifierHMAC(ts.intake.IdentifierKey, report.IdentifierPlate, plate)}},
	}
	if err := ts.store.CreateAlert(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		headers    []string
		label      string
		value      string
	}{
		{"no language asked", "/api/v1/check", nil, "What they did", "Robbery or theft"},
		{"Accept-Language", "/api/v1/check", []string{"Accept-Language", "es-MX,es;q=0.9"}, "Qué hizo", "Robo"},
		{"?lang= over Accept-Language", "/api/v1/check?lang=es", []string{"Accept-Language", "en"}, "Qué hizo", "Robo"},
		{"?lang=en", "/api/v1/check?lang=en", []string{"Accept-Language", "es"}, "What they did", "Robbery or theft"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ts.request(t, "POST", tc.path, checkRequest{Type: "plate", Value: "abc-1234"}, tc.headers...)
			got := decodeJSON[checkResponse](t, w)
			if len(got.Matches) != 1 || got.Matches[0].ID != a.ID {
				t.Fatalf("matches: %+v", got.Matches)
			}
			d := got.Matches[0].Details
			if len(d) != 2 || d[0].Label != tc.label || d[0].Value != tc.value || len(d[0].Codes) != 1 || d[0].Codes[0] != "robbery_theft" {
				t.Errorf("details: %+v, want %q: %q", d, tc.label, tc.value)
			}
			if v := w.Header().Get("Vary"); v != "Accept-Language" {
				t.Errorf("Vary %q", v)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
}
