package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
)

// TestAlertDetailsAndTexts: the API gives an alert's description as field, codes, and a
// label and value in the language asked for, and its texts in every language; an alert made
// before descriptions has neither key at all.
func TestAlertDetailsAndTexts(t *testing.T) {
	ts := newTestServer(t)
	base := report.Alert{Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger, Areas: []string{"ward-1"},
		IncidentDay: report.Day(testNow.AddDate(0, 0, -1)), Published: testNow, Updated: testNow,
		Expires: testNow.Add(30 * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 1}
	described, old := base, base
	described.ID, described.Title, described.Body = report.NewID(), "Grey Toyota", "Robbery."
	described.Texts = []report.Translation{{Lang: "en", Title: "Grey Toyota", Body: "Robbery."}, {Lang: "es", Title: "Toyota gris"}}
	described.Details = []report.Detail{{Field: "harms", Codes: []string{"robbery_theft"}}, {Field: "vehicle_make", Text: "Toyota"}, {Field: "no_such_field", Text: "x"}}
	old.ID, old.Title, old.Body = report.NewID(), "Old", "Old body."
	for _, a := range []report.Alert{described, old} {
		if err := ts.store.CreateAlert(context.Background(), &a); err != nil {
			t.Fatal(err)
		}
	}
	w := ts.request(t, "GET", "/api/v1/alerts/"+described.ID+"?lang=es", nil)
	got := decodeJSON[AlertView](t, w)
	if len(got.Details) != 2 || got.Details[0].Field != "harms" || strings.Join(got.Details[0].Codes, ",") != "robbery_theft" ||
		got.Details[0].Label != "Qué hizo" || got.Details[0].Value != "Robo" || got.Details[1].Value != "Toyota" || got.Details[1].Codes != nil {
		t.Errorf("details in Spanish: %+v", got.Details)
	}
	if len(got.Texts) != 2 || got.Texts[1].Title != "Toyota gris" || w.Header().Get("Vary") != "Accept-Language" {
		t.Errorf("texts: %+v, Vary %q", got.Texts, w.Header().Get("Vary"))
	}
	w = ts.request(t, "GET", "/api/v1/alerts/"+old.ID, nil)
	if body := w.Body.String(); strings.Contains(body, `"details"`) || strings.Contains(body, `"texts"`) {
		t.Errorf("an old alert grew keys: %s", body)
	}
	list := decodeJSON[alertList](t, ts.request(t, "GET", "/api/v1/alerts", nil, "Accept-Language", "en"))
	for _, a := range list.Alerts {
		if a.ID == described.ID && (len(a.Details) != 2 || a.Details[0].Value != "Robbery or theft") {
			t.Errorf("details in the English list: %+v", a.Details)
		}
	}
}
