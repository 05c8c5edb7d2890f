package push

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/headsup/headsup/report"
)

// describedAlert is an alert composed from a report's structure, with an English text only.
func describedAlert(body string) *report.Alert {
	return &report.Alert{ID: report.NewID(), Kind: report.BadDate, Severity: report.SeverityDanger,
		Title: "Robbery, ward 6", Body: body,
		Texts: []report.Translation{{Lang: "en", Title: "Robbery, ward 6", Body: body}},
		Details: []report.Detail{
			{Field: "harms", Codes: []string{"robbery_theft", "weapon_threats"}},
			{Field: "age_range", Codes: []string{"35_44"}},
			{Field: "vehicle_make", Text: "Toyota"},
			{Field: "vehicle_colour", Text: "grey"},
		},
		Identifiers: []report.Identifier{{Type: "plate", Value: "ABC1234", Public: true}, {Type: "phone", Hint: "•••0177"}},
	}
}

func decodePayload(t *testing.T, data []byte) Payload {
	t.Helper()
	var p Payload
	if len(data) > MaxPayload {
		t.Fatalf("%d bytes, over %d", len(data), MaxPayload)
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("payload %q: %v", data, err)
	}
	return p
}

// TestPayloadCarriesDetails: a detailed push shows the description block in the subscriber's
// language, says which language the text is in, and a discreet push shows none of it.
func TestPayloadCarriesDetails(t *testing.T) {
	t.Parallel()
	a := describedAlert("Took the money at knifepoint.")
	es := decodePayload(t, buildPayload(a, false, false, "es", testBaseURL))
	for _, want := range []string{"Escrito en inglés:\nTook the money at knifepoint.", "Robo, Arma o amenazas", "Edad aproximada: De 35 a 44", "Toyota", "ABC1234"} {
		if !strings.Contains(es.Body, want) {
			t.Errorf("Spanish push body lacks %q:\n%s", want, es.Body)
		}
	}
	if es.Title != "Robbery, ward 6" || strings.Contains(es.Body, "0177") {
		t.Errorf("Spanish push: %+v", es)
	}
	en := decodePayload(t, buildPayload(a, false, false, "en", testBaseURL))
	if strings.Contains(en.Body, "Written in") || !strings.Contains(en.Body, "Robbery or theft") {
		t.Errorf("English push body:\n%s", en.Body)
	}
	discreet := decodePayload(t, buildPayload(a, false, true, "en", testBaseURL))
	if strings.Contains(string(discreet.Body+discreet.Title), "Toyota") || strings.Contains(discreet.Body, "ABC") {
		t.Errorf("discreet push shows the description: %+v", discreet)
	}
}

// TestLargestDescribedPayload: with a body near the limit the detail lines are dropped from the
// end until the push fits, the title stays whole, and the push is never over the limit.
func TestLargestDescribedPayload(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2500, 2700, 2950, 4000} {
		a := describedAlert(strings.Repeat("a", n))
		p := decodePayload(t, buildPayload(a, false, false, "es", testBaseURL))
		if p.Title != "Robbery, ward 6" || !strings.HasPrefix(p.Body, "Escrito en inglés:") {
			t.Errorf("body %d: title %q, body starts %.30q", n, p.Title, p.Body)
		}
		// The note ends with a line break, and a blank line parts the text from k detail lines.
		lines := max(strings.Count(p.Body, "\n")-2, 0)
		switch {
		case n == 2500 && (lines != 5 || !strings.HasSuffix(p.Body, "ABC1234")):
			t.Errorf("body %d: %d detail lines although all fit:\n%s", n, lines, p.Body[n:])
		case n == 2700 && (lines < 1 || lines > 4 || !strings.Contains(p.Body, "Robo")):
			t.Errorf("body %d: %d detail lines, want the first ones only", n, lines)
		case n == 4000 && (lines > 0 || !strings.HasSuffix(p.Body, "…")):
			t.Errorf("body %d: %d detail lines, body ends %q", n, lines, p.Body[len(p.Body)-10:])
		}
	}
}

// TestPushTextsFromCatalog: the fixed texts of a push come from push's catalog, in the
// subscriber's language: a Spanish subscriber's discreet push, retraction and note on an
// English-only text read Spanish, and every language a body can be in has its note.
func TestPushTextsFromCatalog(t *testing.T) {
	t.Parallel()
	for _, err := range catalog.Check() {
		t.Error(err)
	}
	if got, want := strings.Join(catalog.Languages(), " "), strings.Join(report.Languages, " "); got != want {
		t.Errorf("push texts are in %s, alerts in %s", got, want)
	}
	for _, l := range report.Languages {
		if !catalog.Has("push.written_in." + l) {
			t.Errorf("no push.written_in.%s: a body in that language would be announced by its key", l)
		}
	}

	a := describedAlert("Took the money at knifepoint.")
	spanish := func(key string, args ...any) string {
		es, en := catalog.Text("es", key, args...), catalog.Text("en", key, args...)
		if es == en {
			t.Errorf("%s reads the same in Spanish and English: %q", key, es)
		}
		return es
	}
	for _, tc := range []struct {
		name                 string
		retraction, discreet bool
		title, body          string
		literal              string
	}{
		{"discreet", false, true, spanish("push.neutral.title"), spanish("push.neutral.body"), "Nueva alerta de seguridad"},
		{"discreet retraction", true, true, spanish("push.neutral.title"), spanish("push.neutral.body"), "Ábrela para leerla."},
		{"retraction", true, false, spanish("push.withdrawn.title"), spanish("push.withdrawn.body", "Robbery, ward 6"), "Esta alerta fue retirada: Robbery, ward 6"},
		{"written in English", false, false, "Robbery, ward 6", spanish("push.written_in.en") + ":\nTook the money at knifepoint.", "Escrito en inglés:\n"},
	} {
		p := decodePayload(t, buildPayload(a, tc.retraction, tc.discreet, "es", testBaseURL))
		if p.Title != tc.title || !strings.HasPrefix(p.Body, tc.body) || !strings.Contains(p.Title+"\n"+p.Body, tc.literal) {
			t.Errorf("%s push in Spanish: %q / %q, want %q / %q…", tc.name, p.Title, p.Body, tc.title, tc.body)
		}
		if p.Retracted != tc.retraction {
			t.Errorf("%s push: retracted %v", tc.name, p.Retracted)
		}
	}
}
