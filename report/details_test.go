package report

import (
	"strings"
	"testing"
)

func TestDefaultDetailsDescribeTheAggressorWithoutTheReportersWords(t *testing.T) {
	r := &Report{Kind: BadDate, BadDate: &BadDateFields{
		Common: Common{Date: "2026-11-01", Area: "downtown", Details: "my Instagram @jas_dc_22, apt 4"},
		Harms:  []string{"robbery_theft"}, AgeRange: "35_44", Build: "unknown",
		VehicleMake: "Honda", VehicleColour: "silver", Features: "scar on left hand",
	}}
	lines := DescribeDetails("es", r.Kind, DefaultDetails(r))
	got := map[string]string{}
	for _, l := range lines {
		got[l.Field] = l.Value
	}
	if got["vehicle_make"] != "Honda" || got["vehicle_colour"] != "silver" || got["age_range"] == "" {
		t.Errorf("description lacks the aggressor: %+v", lines)
	}
	if _, ok := got["build"]; ok {
		t.Errorf("an unknown answer is described: %+v", lines)
	}
	if got["harms"] != OptionLabel("es", "harms", "robbery_theft") {
		t.Errorf("harms = %q, want the Spanish label", got["harms"])
	}
	for _, l := range lines {
		if strings.Contains(l.Value, "jas_dc_22") || strings.Contains(l.Value, "scar") || strings.Contains(l.Value, "_") {
			t.Errorf("line %+v carries free text or a raw code", l)
		}
	}
}

func TestDescribeDetailsSkipsUnknownFieldsAndCodes(t *testing.T) {
	lines := DescribeDetails("en", DrugAlert, []Detail{{Field: "nope", Text: "x"}, {Field: "effects", Codes: []string{"bogus"}}, {Field: "stamp", Text: " blue\n dolphin "}})
	if len(lines) != 1 || lines[0].Value != "blue dolphin" {
		t.Errorf("lines = %+v, want only the stamp on one line", lines)
	}
}

func TestTextInPrefersTheReadersLanguageAndSaysWhichBodyItShows(t *testing.T) {
	a := &Alert{Title: "Bad date", Body: "Silver Honda.", Texts: []Translation{{Lang: "en", Title: "Bad date", Body: "Silver Honda."}, {Lang: "es", Title: "Mal cliente"}}}
	title, body, bodyLang := a.TextIn("es")
	if title != "Mal cliente" || body != "Silver Honda." || bodyLang != "en" {
		t.Errorf("TextIn(es) = %q %q %q", title, body, bodyLang)
	}
}

func TestIdentifierDisplayGroupsPhoneNumbers(t *testing.T) {
	for _, c := range []struct {
		id   Identifier
		want string
	}{
		{Identifier{Type: IdentifierPhone, Value: "+12025550147"}, "+1 202-555-0147"},
		{Identifier{Type: IdentifierPhone, Value: "+525512345678"}, "+52 55 1234 5678"},
		{Identifier{Type: IdentifierPhone, Value: "2025550147"}, "2025550147"}, // stored before E.164
		{Identifier{Type: IdentifierPlate, Value: "ABC1234"}, "ABC1234"},
	} {
		if got := c.id.Display(); got != c.want {
			t.Errorf("Display(%+v) = %q, want %q", c.id, got, c.want)
		}
	}
}
