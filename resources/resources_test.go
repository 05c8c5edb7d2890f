package resources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseExample(t *testing.T) {
	data, err := os.ReadFile("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(data)
	if err != nil {
		t.Fatalf("the documented example is refused: %v", err)
	}
	if s.Default || s.Organisation == nil || len(s.Resources) != 3 {
		t.Fatalf("loaded %+v", s)
	}
	es := s.In("es")
	if es.Organisation.Name != "Colectivo Calles Seguras" || es.Organisation.PhoneURI != "tel:+12025550100" || es.Organisation.TextURI != "sms:2025550101" {
		t.Errorf("organisation in Spanish: %+v", es.Organisation)
	}
	// The crisis line comes before the clinic although the file lists it second.
	if got := es.Resources[0]; got.Category != "crisis_line" || got.PhoneURI != "tel:988" || !strings.HasPrefix(got.Name, "Línea 988") {
		t.Errorf("first resource in Spanish: %+v", got)
	}
	if en := s.In("en"); en.Resources[2].Name != "Night clinic" || en.Resources[2].Hours != "Tue and Thu 6–10pm" {
		t.Errorf("clinic in English: %+v", en.Resources[2])
	}
}

func TestParseRefusesWithAReason(t *testing.T) {
	org := `"organisation":{"name":{"en":"Org","es":"Org"}}`
	res := func(r string) string { return `{` + org + `,"resources":[` + r + `]}` }
	name := `"name":{"en":"Clinic","es":"Clínica"}`
	for _, tc := range []struct {
		name, file string
		want       []string // every part must be in the message
	}{
		{"not json", `{"organisation":`, []string{"resources file", "JSON object"}},
		{"unknown top key", `{"orgs":{}}`, []string{`unknown field "orgs"`}},
		{"unknown resource key", res(`{"category":"clinic",` + name + `,"phone":"988","fax":"1"}`), []string{"resource 1", `unknown field "fax"`}},
		{"unknown organisation key", `{"organisation":{"name":{"en":"O","es":"O"},"hours_":{}}}`, []string{"organisation", `unknown field "hours_"`}},
		{"bad category", res(`{"category":"spa",` + name + `,"phone":"988"}`), []string{"resource 1", `"Clinic"`, `"category" "spa"`, "crisis_line"}},
		{"missing spanish", res(`{"category":"clinic","name":{"en":"Clinic"},"phone":"988"}`), []string{"resource 1", `"name" has no "es" text`}},
		{"unknown language", res(`{"category":"clinic","name":{"en":"C","es":"C","fr":"C"},"phone":"988"}`), []string{`language "fr"`}},
		{"letters in phone", res(`{"category":"clinic",` + name + `,"phone":"call 555"}`), []string{"resource 1", `"phone" "call 555"`, "+1 202-555-0100"}},
		{"too few digits", res(`{"category":"clinic",` + name + `,"phone":"12"}`), []string{`"phone" "12"`}},
		{"javascript url", res(`{"category":"clinic",` + name + `,"url":"javascript:alert(1)"}`), []string{`"url"`, "https://"}},
		{"no way to reach", res(`{"category":"clinic",` + name + `}`), []string{"resource 1", "no way to reach"}},
		{"markup", res(`{"category":"clinic","name":{"en":"<b>C</b>","es":"C"},"phone":"988"}`), []string{"markup"}},
		{"too long", res(`{"category":"clinic","name":{"en":"` + strings.Repeat("a", 101) + `","es":"C"},"phone":"988"}`), []string{"longer than 100"}},
		{"bad email", `{"organisation":{"name":{"en":"O","es":"O"},"email":"Org <a@b.org>"}}`, []string{"organisation", `"email"`}},
		{"empty", `{}`, []string{"neither an organisation nor any resources"}},
		{"trailing", `{"organisation":{"name":{"en":"O","es":"O"}}} {}`, []string{"after the end"}},
		{"too many", `{"resources":[` + strings.TrimSuffix(strings.Repeat(`{"category":"clinic",`+name+`,"phone":"988"},`, 41), ",") + `]}`, []string{"41 resources", "at most 40"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.file))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestDefault(t *testing.T) {
	us := Default("US")
	if !us.Default || len(us.Resources) != 1 || us.Resources[0].Phone != "911" || us.Organisation != nil {
		t.Fatalf("US default: %+v", us)
	}
	if v := us.In("es"); !strings.Contains(v.Resources[0].Note, "policía") {
		t.Errorf("the Spanish default does not say the police may come: %+v", v.Resources[0])
	}
	// Outside the 911 countries the default names no number at all rather than a wrong one.
	if de := Default("DE"); !de.Default || len(de.Resources) != 0 {
		t.Errorf("DE default: %+v", de)
	}
}

func TestLoad(t *testing.T) {
	s, err := Load("", "US")
	if err != nil || !s.Default {
		t.Fatalf("Load without a file: %+v, %v", s, err)
	}
	bad := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(bad, []byte(`{"resources":[{"category":"clinic"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad, "US"); err == nil || !strings.Contains(err.Error(), "HEADSUP_RESOURCES_FILE "+bad) || !strings.Contains(err.Error(), `"name" is missing`) {
		t.Errorf("Load of a bad file: %v", err)
	}
	if _, err := Load(bad+".missing", "US"); err == nil || !strings.Contains(err.Error(), "HEADSUP_RESOURCES_FILE") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestValidPhoneAndDial(t *testing.T) {
	for s, want := range map[string]bool{"988": true, "+1 (202) 555-0100": true, "202.555.0100": true,
		"1+2": false, "55": false, "+1234567890123456": false, "tel:988": false, "911\u200b": false} {
		if ValidPhone(s) != want {
			t.Errorf("ValidPhone(%q) = %v", s, !want)
		}
	}
	if got := Dial("tel", "+1 (202) 555-0100"); got != "tel:+12025550100" {
		t.Errorf("Dial = %q", got)
	}
}
