package report

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Error codes of a ValidationError. They are stable: clients switch on them.
const (
	CodeInvalidField = "invalid_field"
	CodeInvalidJSON  = "invalid_json"
	CodeUnknownKind  = "unknown_kind"
)

// Problem codes, one per field.
const (
	ProblemRequired      = "required"
	ProblemTooLong       = "too_long"
	ProblemUnknownOption = "unknown_option"
	ProblemBadDate       = "bad_date"
	ProblemFutureDate    = "future_date"
	ProblemTooOld        = "too_old"
	ProblemBadType       = "bad_type"
	ProblemControlChars  = "control_chars"
	ProblemInvalidUTF8   = "invalid_utf8"
	ProblemUnknownField  = "unknown_field"
	ProblemBadKey        = "bad_key"
	ProblemTooMany       = "too_many"
	ProblemDuplicate     = "duplicate" // the same option or entry twice in a multi or list
	ProblemDuplicateKey  = "duplicate_key"
	ProblemBadPhone      = "bad_phone"  // NormalizeIdentifier
	ProblemBadPlate      = "bad_plate"  // NormalizeIdentifier
	ProblemBadHandle     = "bad_handle" // NormalizeIdentifier
	ProblemNotObject     = "not_object" // the fields value is not a JSON object
	ProblemTooDeep       = "too_deep"   // nesting beyond maxDepth
	ProblemTrailingData  = "trailing_data"
	ProblemSyntax        = "syntax"
)

// Problem is what is wrong with one field. Max carries the limit for too_long and too_many so
// that the message can name it.
type Problem struct {
	Code string `json:"code"`
	Max  int    `json:"max,omitempty"`
}

// ValidationError is every reason an input was refused, per field, so that a form can show all
// of them at once instead of one per round trip on a slow connection.
type ValidationError struct {
	Code   string
	Fields map[string]Problem
}

// maxProblems bounds the error a hostile body can make us build and send back.
const maxProblems = 40

func (e *ValidationError) add(field string, p Problem) {
	if e.Fields == nil {
		e.Fields = map[string]Problem{}
	}
	if _, ok := e.Fields[field]; ok || len(e.Fields) >= maxProblems {
		return // the first problem of a field is the one worth fixing first
	}
	e.Fields[field] = p
}

func (e *ValidationError) orNil() *ValidationError {
	if e == nil || (len(e.Fields) == 0 && e.Code == CodeInvalidField) {
		return nil
	}
	return e
}

// Error lists the problems in a stable order with the English sentence, for logs and for the
// operator; people filling in a form see Messages in their language.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("report: ")
	b.WriteString(e.Code)
	for i, name := range e.sortedFields() {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s (%s)", name, e.Fields[name].Code, problemMessage("en", name, e.Fields[name]))
	}
	return b.String()
}

func (e *ValidationError) sortedFields() []string {
	names := make([]string, 0, len(e.Fields))
	for n := range e.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Messages returns, per field, a sentence that tells a person what to fix, in lang.
func (e *ValidationError) Messages(lang string) map[string]string {
	out := make(map[string]string, len(e.Fields))
	for name, p := range e.Fields {
		out[name] = problemMessage(lang, name, p)
	}
	return out
}

// Summary is one sentence for the top of a form or the "message" of an API error.
func (e *ValidationError) Summary(lang string) string {
	switch e.Code {
	case CodeUnknownKind:
		return message(lang, "summary.unknown_kind")
	case CodeInvalidJSON:
		return message(lang, "summary.invalid_json")
	}
	if len(e.Fields) == 0 {
		return message(lang, "summary.invalid_field")
	}
	names := e.sortedFields()
	// Form order reads better than alphabetical order when the fields are known.
	sort.SliceStable(names, func(i, j int) bool { return fieldOrder(names[i]) < fieldOrder(names[j]) })
	labels := make([]string, len(names))
	for i, n := range names {
		labels[i] = FieldLabel(lang, n)
	}
	return fmt.Sprintf(message(lang, "summary.check_fields"), strings.Join(labels, ", "))
}

func fieldOrder(name string) int {
	for _, k := range Kinds {
		for i, f := range schemas[k] {
			if f.Name == name {
				return i
			}
		}
	}
	return 1 << 20
}

// cleanText applies the rules every stored text follows: valid UTF-8, NFC so that lengths and
// matching do not depend on how a keyboard composed an accent, surrounding space trimmed, and
// no control characters. multiline allows \n and \t (text areas); \r\n from form posts becomes
// \n. It returns the problem code, or "" when the text is acceptable.
func cleanText(s string, multiline bool, maxRunes int) (string, Problem) {
	if !utf8.ValidString(s) {
		return "", Problem{Code: ProblemInvalidUTF8}
	}
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	if strings.ContainsRune(s, utf8.RuneError) {
		// U+FFFD is what encoding/json makes of an escaped lone surrogate ("\ud800"): the
		// sender's text was broken, and a person never means to type it.
		return "", Problem{Code: ProblemInvalidUTF8}
	}
	for _, r := range s {
		if forbiddenRune(r, multiline) {
			return "", Problem{Code: ProblemControlChars}
		}
	}
	if maxRunes > 0 && utf8.RuneCountInString(s) > maxRunes {
		return "", Problem{Code: ProblemTooLong, Max: maxRunes}
	}
	return s, Problem{}
}

// forbiddenRune refuses, besides C0/C1 controls, U+2028 and U+2029 (invisible line breaks that
// end JavaScript string literals in older engines and split lines where a moderator sees none)
// and the bidirectional overrides and isolates, which can make text read differently from what
// it says (the "Trojan Source" trick) on the moderation pages. Zero-width joiners stay: emoji
// and several scripts need them.
func forbiddenRune(r rune, multiline bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !multiline
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// ValidateFollowup checks what a reporter adds through the receipt with the same rules as a
// report's text area. It returns *ValidationError, not error: assign it to an error variable
// only when it is non-nil.
func ValidateFollowup(text string) (string, *ValidationError) {
	clean, p := cleanText(text, true, MaxFollowup)
	if p.Code == "" && clean == "" {
		p.Code = ProblemRequired
	}
	if p.Code != "" {
		return "", &ValidationError{Code: CodeInvalidField, Fields: map[string]Problem{"text": p}}
	}
	return clean, nil
}
