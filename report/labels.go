package report

import (
	"embed"
	"fmt"
	"strings"

	"github.com/headsup/headsup/i18n"
	"golang.org/x/text/language"
)

// The labels of fields, options, kinds and statuses, and the validation sentences, are a
// catalog of the project's one format (package i18n), embedded here so that the forms, the API
// and the moderation pages say the same thing and report stays free of HTTP. Keys:
// field.<name>, hint.<name>, option.<field>.<code>, kind.*, severity.*, status.*,
// alert_status.*, message.<key> and language.name (a language's name in itself).
//
// The Spanish is Latin American, plain and non-judgemental, as outreach workers speak it: "mal
// cliente", "lote adulterado", never words that blame the person reporting. Spanish adjectives
// of height and build agree with "estatura" and "complexión", so they fit any gender; status
// labels are what a reporter reads on their receipt, so "rejected" is said gently.
//
//go:embed translations/*.json
var translationFS embed.FS

// Labels is the catalog of report's labels and messages.
var Labels = i18n.MustLoad(translationFS, "translations")

// Languages are the languages every label and message exists in, the default first: the
// languages of the catalog, so that adding one is adding a file to each catalog family.
var Languages = Labels.Languages()

// label looks a key up; a missing key comes back as fallback.
func label(lang, key, fallback string) string {
	if s, ok := Labels.Lookup(lang, key); ok {
		return s
	}
	return fallback
}

// message looks up a validation sentence; a missing key is a bug the tests catch, so it shows
// the key rather than nothing.
func message(lang, key string) string { return label(lang, "message."+key, key) }

func problemMessage(lang, field string, p Problem) string {
	keys := []string{p.Code + "." + field}
	if f, ok := anyField(field); ok {
		keys = append(keys, p.Code+"."+string(f.Type))
	}
	keys = append(keys, p.Code)
	for _, k := range keys {
		if s, ok := Labels.Lookup(lang, "message."+k); ok {
			if strings.Contains(s, "%d") {
				s = fmt.Sprintf(s, p.Max)
			}
			return s
		}
	}
	return message(lang, "summary.invalid_field")
}

// anyField finds a field by name in whichever kind has it; names mean the same in every kind.
func anyField(name string) (Field, bool) {
	for _, k := range Kinds {
		if f, ok := lookupField(k, name); ok {
			return f, true
		}
	}
	return Field{}, false
}

// FieldLabel is the short name of a field, as a form shows it above the input. An unknown
// name comes back unchanged, so that an error about a field nobody knows still names it.
func FieldLabel(lang, field string) string { return label(lang, "field."+field, field) }

// FieldHint is the line of help under a field, or "" when the label says enough.
func FieldHint(lang, field string) string { return label(lang, "hint."+field, "") }

// OptionLabel is the label of an option code. It is keyed by field because codes such as
// "other" and "average" read differently in different questions.
func OptionLabel(lang, field, code string) string {
	return label(lang, "option."+field+"."+code, code)
}

// KindLabel names a kind of report or alert.
func KindLabel(lang string, k Kind) string {
	return label(lang, "kind."+string(k), string(k))
}

// SeverityLabel names a severity.
func SeverityLabel(lang string, s Severity) string {
	return label(lang, "severity."+string(s), string(s))
}

// StatusLabel says where a report is, in the words a reporter reads on their receipt.
func StatusLabel(lang string, s Status) string {
	return label(lang, "status."+string(s), string(s))
}

// AlertStatusLabel says whether an alert is up or was withdrawn.
func AlertStatusLabel(lang string, s AlertStatus) string {
	return label(lang, "alert_status."+string(s), string(s))
}

// TimeBandLabel names a time band; the same labels as the form's time_band options.
func TimeBandLabel(lang, code string) string { return OptionLabel(lang, "time_band", code) }

// LanguageName is a language's name in that language, as a language switch must show it.
func LanguageName(lang string) string { return label(lang, "language.name", lang) }

// matcher picks among Languages, in their order, so that an unreadable preference means the
// default.
var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.Make(l)
	}
	return language.NewMatcher(tags)
}()

// maxLanguageInput bounds what is parsed: Accept-Language is client input on every request.
const maxLanguageInput = 512

// MatchLanguage picks one of Languages from an Accept-Language header or a ?lang= value
// ("es", "es-MX", "es-419,en;q=0.5"). Anything unreadable means English, the default.
func MatchLanguage(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxLanguageInput {
		return Languages[0]
	}
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil || len(tags) == 0 {
		return Languages[0]
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No || i < 0 || i >= len(Languages) {
		return Languages[0]
	}
	return Languages[i]
}
