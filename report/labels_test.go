package report

import (
	"strings"
	"testing"
)

func checkBoth(t *testing.T, what string, get func(lang string) string) {
	t.Helper()
	en, es := get("en"), get("es")
	if strings.TrimSpace(en) == "" || strings.TrimSpace(es) == "" {
		t.Errorf("%s: en %q, es %q", what, en, es)
	}
}

func TestEveryLabelInEveryLanguage(t *testing.T) {
	if len(Languages) != 2 || Languages[0] != "en" || Languages[1] != "es" {
		t.Fatalf("Languages = %v", Languages)
	}
	for _, k := range Kinds {
		checkBoth(t, "kind "+string(k), func(l string) string { return kindLabels[k].in(l) })
		for _, f := range Schema(k) {
			checkBoth(t, "field "+f.Name, func(l string) string { return fieldLabels[f.Name].in(l) })
			for _, o := range f.Options {
				checkBoth(t, f.Name+"."+o, func(l string) string { return optionLabels[f.Name][o].in(l) })
				if OptionLabel("en", f.Name, o) == o && o != "other" {
					t.Errorf("%s.%s has no label", f.Name, o)
				}
			}
		}
	}
	for _, s := range Severities {
		checkBoth(t, "severity "+string(s), func(l string) string { return severityLabels[s].in(l) })
	}
	for _, s := range []Status{StatusPending, StatusApproved, StatusRejected, StatusMerged} {
		checkBoth(t, "status "+string(s), func(l string) string { return statusLabels[s].in(l) })
	}
	for _, s := range []AlertStatus{AlertPublished, AlertRetracted} {
		checkBoth(t, "alert status "+string(s), func(l string) string { return alertStatusLabels[s].in(l) })
	}
	for _, b := range TimeBands() {
		checkBoth(t, "time band "+b, func(l string) string { return optionLabels["time_band"][b].in(l) })
	}
	for name, t2 := range fieldLabels {
		checkBoth(t, "label "+name, t2.in)
	}
	for name, t2 := range fieldHints {
		checkBoth(t, "hint "+name, t2.in)
		if _, ok := fieldLabels[name]; !ok {
			t.Errorf("hint for %s, which has no label", name)
		}
	}
	for field, opts := range optionLabels {
		for code, t2 := range opts {
			checkBoth(t, field+"."+code, t2.in)
		}
	}
	for key, t2 := range messages {
		checkBoth(t, "message "+key, t2.in)
		if strings.Count(t2.en, "%") != strings.Count(t2.es, "%") {
			t.Errorf("message %s: placeholders differ between languages", key)
		}
		if t2.en == t2.es {
			t.Errorf("message %s is not translated", key)
		}
	}
}

// TestEveryProblemHasAMessage: a person must never see a bare code.
func TestEveryProblemHasAMessage(t *testing.T) {
	for _, code := range []string{
		ProblemRequired, ProblemTooLong, ProblemUnknownOption, ProblemBadDate, ProblemFutureDate,
		ProblemTooOld, ProblemBadType, ProblemControlChars, ProblemInvalidUTF8, ProblemUnknownField,
		ProblemBadKey, ProblemTooMany, ProblemDuplicate, ProblemDuplicateKey, ProblemBadPhone,
		ProblemBadPlate, ProblemBadHandle, ProblemNotObject, ProblemTooDeep, ProblemTrailingData, ProblemSyntax,
	} {
		if _, ok := messages[code]; !ok {
			t.Errorf("no message for %s", code)
		}
		for _, lang := range Languages {
			m := problemMessage(lang, "whatever", Problem{Code: code, Max: 7})
			if m == code || strings.Contains(m, "%") || strings.Contains(m, "!(") {
				t.Errorf("%s/%s: %q", code, lang, m)
			}
		}
	}
}

func TestLabelsReadNaturally(t *testing.T) {
	tests := []struct{ got, want string }{
		{KindLabel("es", BadDate), "Mal cliente"},
		{KindLabel("es", DrugAlert), "Lote adulterado"},
		{KindLabel("en", DrugAlert), "Bad batch"},
		{KindLabel("fr", BadDate), "Bad date"},
		{SeverityLabel("es", SeverityDanger), "Peligro"},
		{StatusLabel("es", StatusRejected), "No publicado"},
		{StatusLabel("en", StatusPending), "Waiting for review"},
		{AlertStatusLabel("es", AlertRetracted), "Retirada"},
		{OptionLabel("es", "harms", "other"), "Otra cosa"},
		{OptionLabel("es", "contact", "other"), "Otro"},
		{OptionLabel("es", "harms", "refused_to_pay"), "No quiso pagar"},
		{OptionLabel("en", "effects", "multiple_naloxone"), "Needed more than one dose of naloxone (Narcan)"},
		{OptionLabel("es", "nope", "x"), "x"},
		{TimeBandLabel("es", "night"), "Madrugada (de medianoche a 6 a. m.)"},
		{FieldLabel("es", "details"), "Qué pasó"},
		{FieldLabel("es", "unknown_thing"), "unknown_thing"},
		{FieldHint("en", "gender"), ""},
		{FieldHint("es", "harms"), "Elige todas las que correspondan."},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestMatchLanguage(t *testing.T) {
	tests := map[string]string{
		"":                          "en",
		"es":                        "es",
		"ES":                        "es",
		"es-MX":                     "es",
		"es-419,es;q=0.9,en;q=0.8":  "es",
		"en-US,en;q=0.9,es;q=0.8":   "en",
		"fr-FR,es;q=0.5":            "es",
		"pt-BR":                     "en",
		"*":                         "en",
		"garbage;;;q=x":             "en",
		strings.Repeat("es,", 1000): "en",
	}
	for in, want := range tests {
		if got := MatchLanguage(in); got != want {
			t.Errorf("MatchLanguage(%.30q) = %q, want %q", in, got, want)
		}
	}
}
