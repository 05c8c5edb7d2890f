package webapp

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// TestDescriptionAndLanguages: an alert composed from a report's structure shows its
// description block in the page's language on the alert page, the list and the feed, with
// the moderator's text in that language when there is one, and a note when there is not.
func TestDescriptionAndLanguages(t *testing.T) {
	ts := newTestSite(t)
	a := publish(t, ts.store, report.Alert{
		Kind: report.BadDate, Title: "Robbery in a grey Toyota", Body: "He took the money back at knifepoint.",
		Areas: []string{"ward-6"},
		Texts: []report.Translation{{Lang: "en", Title: "Robbery in a grey Toyota", Body: "He took the money back at knifepoint."},
			{Lang: "es", Title: "Robo en un Toyota gris"}},
		Details: []report.Detail{{Field: "harms", Codes: []string{"robbery_theft", "weapon_threats"}},
			{Field: "age_range", Codes: []string{"35_44"}}, {Field: "vehicle_make", Text: "Toyota"}},
		Identifiers: []report.Identifier{{Type: report.IdentifierPlate, Value: "ABC1234", Public: true}},
	})
	for _, tc := range []struct {
		lang string
		want []string
		not  []string
	}{
		{"en", []string{"<h1>Robbery in a grey Toyota</h1>", `<p class="body">He took`, "<dt>Vehicle make</dt><dd>Toyota</dd>", "Robbery or theft, Weapon or threats", "ABC1234"},
			[]string{"Written in", "lang-note"}},
		{"es", []string{"<h1>Robo en un Toyota gris</h1>", `<p class="lang-note">Escrito en inglés</p>`, `<p class="body" lang="en">He took`, "<dt>Edad aproximada</dt>", "Robo, Arma o amenazas"},
			[]string{"Robbery or theft"}},
	} {
		r := request(t, ts.h, "GET", "/alerts/"+a.ID+"?lang="+tc.lang, nil)
		for _, w := range tc.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("alert page in %s lacks %q", tc.lang, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(r.body, w) {
				t.Errorf("alert page in %s shows %q", tc.lang, w)
			}
		}
		if !strings.Contains(r.body, "<title>"+tc.want[0][4:len(tc.want[0])-5]) {
			t.Errorf("the %s page title is not the alert's title in that language", tc.lang)
		}
	}
	r := request(t, ts.h, "GET", "/alerts?lang=es", nil)
	for _, w := range []string{">Robo en un Toyota gris</a>", "Escrito en inglés", `<dl class="details">`, "<dt>Marca del vehículo</dt>"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("list in Spanish lacks %q", w)
		}
	}

	r = request(t, ts.h, "GET", "/alerts.atom?lang=es", nil)
	var feed atomFeed
	if err := xml.Unmarshal([]byte(r.body), &feed); err != nil || len(feed.Entries) != 1 {
		t.Fatalf("feed: %v", err)
	}
	e := feed.Entries[0]
	if e.Title != "Robo en un Toyota gris" {
		t.Errorf("feed title %q", e.Title)
	}
	for _, w := range []string{"Escrito en inglés:\n\nHe took", "Qué hizo: Robo, Arma o amenazas\n", "Marca del vehículo: Toyota", "Placa: ABC1234"} {
		if !strings.Contains(e.Summary.Text, w) {
			t.Errorf("feed summary lacks %q:\n%s", w, e.Summary.Text)
		}
	}
}

// TestOldAlertsRenderAsBefore: an alert made before descriptions and translations (no Details,
// no Texts) shows exactly its title and body, with no description block and no language note.
func TestOldAlertsRenderAsBefore(t *testing.T) {
	ts := newTestSite(t)
	a := publish(t, ts.store, report.Alert{Kind: report.BadDate, Title: "Old alert", Body: "Old body.", Areas: []string{"ward-2"}})
	r := request(t, ts.h, "GET", "/alerts/"+a.ID+"?lang=es", nil)
	if !strings.Contains(r.body, "<h1>Old alert</h1>\n"+`<p class="meta">`) || !strings.Contains(r.body, "</p>\n<p class=\"body\">Old body.</p>\n\n") ||
		strings.Contains(r.body, "lang-note") || strings.Contains(r.body, `class="details"`) {
		t.Errorf("old alert page changed:\n%s", r.body)
	}
	r = request(t, ts.h, "GET", "/alerts.atom", nil)
	var feed atomFeed
	if err := xml.Unmarshal([]byte(r.body), &feed); err != nil || len(feed.Entries) != 1 {
		t.Fatalf("feed: %v", err)
	}
	if s := feed.Entries[0].Summary.Text; !strings.HasSuffix(s, "\n\nOld body.") || feed.Entries[0].Title != "Old alert" {
		t.Errorf("old alert in the feed: %q", s)
	}
}

// TestRenderCacheSeesDetailEdits: a kept alert page is not served after an edit that changes
// only the description or the Spanish text, the parts this change added to what a page shows.
func TestRenderCacheSeesDetailEdits(t *testing.T) {
	ts := newTestSite(t)
	a := publish(t, ts.store, report.Alert{Kind: report.BadDate, Title: "Grey sedan", Body: "Robbery.", Areas: []string{"ward-3"},
		Texts: []report.Translation{{Lang: "en", Title: "Grey sedan", Body: "Robbery."}}, Details: []report.Detail{{Field: "vehicle_make", Text: "Toyota"}}})
	path := "/alerts/" + a.ID + "?lang=es"
	if r := request(t, ts.h, "GET", path, nil); !strings.Contains(r.body, "Toyota") || !strings.Contains(r.body, "Escrito en inglés") {
		t.Fatalf("first rendering lacks the details or the note")
	}
	request(t, ts.h, "GET", path, nil) // now kept
	if _, err := ts.store.UpdateAlert(t.Context(), a.ID, a.Version, store.AlertChange{
		Title: a.Title, Body: a.Body, Severity: a.Severity, Areas: a.Areas, Expires: a.Expires,
		Details: []report.Detail{{Field: "vehicle_make", Text: "Honda"}},
		Texts:   []report.Translation{{Lang: "en", Title: "Grey sedan", Body: "Robbery."}, {Lang: "es", Title: "Sedán gris", Body: "Robo."}},
	}); err != nil {
		t.Fatal(err)
	}
	r := request(t, ts.h, "GET", path, nil)
	if strings.Contains(r.body, "Toyota") || !strings.Contains(r.body, "Honda") || !strings.Contains(r.body, "<h1>Sedán gris</h1>") || strings.Contains(r.body, "Escrito en inglés") {
		t.Errorf("the kept page was served after the edit")
	}
}
