package report

import (
	"strings"
	"testing"
)

// TestCatalog: every language file has exactly the keys of en.json, none empty, with the same
// placeholders.
func TestCatalog(t *testing.T) {
	if len(Languages) != 2 || Languages[0] != "en" || Languages[1] != "es" {
		t.Fatalf("Languages = %v", Languages)
	}
	for _, err := range Labels.Check() {
		t.Error(err)
	}
}

// TestEveryLabelInEveryLanguage: every code the schema, the alerts and the receipts use has a
// label, and no key in the catalog is left over from a code that is gone.
func TestEveryLabelInEveryLanguage(t *testing.T) {
	want := map[string]bool{"language.name": true}
	need := func(key string) {
		t.Helper()
		want[key] = true
		if !Labels.Has(key) {
			t.Errorf("no %s", key)
		}
	}
	for _, k := range Kinds {
		need("kind." + string(k))
		for _, f := range Schema(k) {
			need("field." + f.Name)
			for _, o := range f.Options {
				need("option." + f.Name + "." + o)
			}
		}
	}
	for _, s := range Severities {
		need("severity." + string(s))
	}
	for _, s := range []Status{StatusPending, StatusApproved, StatusRejected, StatusMerged, StatusNeedsInfo} {
		need("status." + string(s))
	}
	for _, code := range StockNotes {
		need("note." + code)
	}
	for _, s := range []AlertStatus{AlertPublished, AlertRetracted} {
		need("alert_status." + string(s))
	}
	// Inputs outside the report forms that share the same labels and error messages.
	for _, f := range []string{"kind", "fields", "text", "title", "body", "type", "value"} {
		need("field." + f)
	}
	for _, o := range []string{"phone", "plate", "email"} {
		need("option.type." + o)
	}
	for _, key := range Labels.Keys() {
		switch {
		case strings.HasPrefix(key, "message."):
			if Labels.Text("en", key) == Labels.Text("es", key) {
				t.Errorf("%s is not translated", key)
			}
		case strings.HasPrefix(key, "hint."):
			if !Labels.Has("field." + strings.TrimPrefix(key, "hint.")) {
				t.Errorf("%s is a hint for a field with no label", key)
			}
		case !want[key]:
			t.Errorf("%s labels nothing", key)
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
		if !Labels.Has("message." + code) {
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

// TestNotesTravelAsCodes: a stock note reads in the reporter's language whatever language the
// moderator worked in, the moderator's own words stay as written, and text that merely looks
// like a code stays text.
func TestNotesTravelAsCodes(t *testing.T) {
	n := EncodeNote(NoteRejectInsufficient, "  Which street?  ")
	if code, free := SplitNote(n); code != NoteRejectInsufficient || free != "Which street?" {
		t.Fatalf("SplitNote(%q) = %q, %q", n, code, free)
	}
	en, es := NoteText("en", n), NoteText("es", n)
	if !strings.HasPrefix(en, "Thank you for reporting") || !strings.HasSuffix(en, "\n\nWhich street?") {
		t.Errorf("English note %q", en)
	}
	if !strings.HasPrefix(es, "Gracias por avisar") || !strings.HasSuffix(es, "Which street?") {
		t.Errorf("Spanish note %q", es)
	}
	if !NoteInvitesMore(n) || NoteInvitesMore(EncodeNote(NoteRejectRisk, "")) {
		t.Error("only the insufficient-information rejection invites more")
	}
	for _, plain := range []string{"[note:unknown] hi", "[note:reject.risk no bracket", "Plain note"} {
		if code, free := SplitNote(plain); code != "" || free != plain || NoteText("es", plain) != plain {
			t.Errorf("%q read as code %q, text %q", plain, code, free)
		}
	}
	if got := EncodeNote("no.such", "words"); got != "words" {
		t.Errorf("an unknown code is stored as %q", got)
	}
}
