package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDepth bounds nesting in a submission. No field nests at all, so anything deeper than a list
// inside the object is garbage; the limit keeps the token walk cheap on hostile input.
const maxDepth = 8

// Decode turns the "fields" object of a submission into a report of the given kind, or explains
// in a *ValidationError everything that is wrong with it. The report is pending; the caller
// gives it an id, a receipt and a day. Nothing that fails here may be stored.
func Decode(kind string, raw []byte, areas []Area, now time.Time) (*Report, error) {
	k := Kind(kind)
	if !k.Valid() {
		return nil, &ValidationError{Code: CodeUnknownKind, Fields: map[string]Problem{"kind": {Code: ProblemUnknownOption}}}
	}
	values, verr := splitObject(raw)
	if verr != nil {
		return nil, verr
	}

	verr = &ValidationError{Code: CodeInvalidField}
	clean := make(map[string]any, len(values))
	for _, kv := range values {
		f, ok := lookupField(k, kv.key)
		if !ok {
			verr.add(safeKey(kv.key), Problem{Code: ProblemUnknownField})
			continue
		}
		v, p := decodeValue(f, kv.value, areas, now)
		if p.Code != "" {
			verr.add(f.Name, p)
			continue
		}
		if v != nil {
			clean[f.Name] = v
		}
	}
	for _, f := range schemas[k] {
		if _, ok := clean[f.Name]; f.Required && !ok {
			verr.add(f.Name, Problem{Code: ProblemRequired})
		}
	}
	if verr.orNil() != nil {
		return nil, verr
	}

	// The cleaned values go through encoding/json once more into the typed struct, with unknown
	// fields refused: if the schema and the struct ever disagree, this fails loudly in tests
	// instead of silently dropping what someone reported.
	buf, err := json.Marshal(clean)
	if err != nil {
		return nil, fmt.Errorf("report: encode cleaned fields: %w", err)
	}
	r := &Report{Kind: k, Status: StatusPending}
	var target any
	switch k {
	case BadDate:
		r.BadDate = &BadDateFields{}
		target = r.BadDate
	case DrugAlert:
		r.DrugAlert = &DrugAlertFields{}
		target = r.DrugAlert
	}
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return nil, fmt.Errorf("report: schema and struct disagree for %s: %w", k, err)
	}
	return r, nil
}

type keyValue struct {
	key   string
	value json.RawMessage
}

// splitObject checks the shape of raw before anything is decoded into a type: one JSON object,
// valid UTF-8, no key that starts with "$" or contains "." at any depth (a store that ever
// passed such a document on to MongoDB would turn data into operators), no duplicate keys (two
// decoders could disagree on which one wins), nothing after the object.
func splitObject(raw []byte) ([]keyValue, *ValidationError) {
	bad := func(code string) *ValidationError {
		return &ValidationError{Code: CodeInvalidJSON, Fields: map[string]Problem{"fields": {Code: code}}}
	}
	if !utf8.Valid(raw) {
		// encoding/json would quietly turn the bad bytes into U+FFFD; refuse instead. Name the
		// field when the bytes sit inside a known value, so the person knows where to look.
		return nil, invalidUTF8Error(raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()

	var (
		stack   []frame
		topKey  string
		seen    = map[string]bool{}
		keys    []string
		keyErrs = &ValidationError{Code: CodeInvalidField}
		started bool
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bad(ProblemSyntax)
		}
		if len(stack) == 0 {
			if started {
				return nil, bad(ProblemTrailingData)
			}
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return nil, bad(ProblemNotObject)
			}
			started = true
			stack = append(stack, frame{object: true, wantKey: true})
			continue
		}
		top := &stack[len(stack)-1]
		if top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone(stack)
				continue
			}
			key, _ := tok.(string)
			if len(stack) == 1 {
				topKey = key
				if seen[key] {
					keyErrs.add(safeKey(key), Problem{Code: ProblemDuplicateKey})
				}
				seen[key] = true
				keys = append(keys, key)
			}
			if strings.HasPrefix(key, "$") || strings.Contains(key, ".") {
				name := topKey
				if len(stack) == 1 {
					name = key
				}
				keyErrs.add(safeKey(name), Problem{Code: ProblemBadKey})
			}
			top.wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone(stack)
		default:
			valueDone(stack)
		}
		if len(stack) > maxDepth {
			return nil, bad(ProblemTooDeep)
		}
	}
	if !started || len(stack) != 0 {
		return nil, bad(ProblemSyntax)
	}
	if keyErrs.orNil() != nil {
		return nil, keyErrs
	}

	// The walk proved raw is one well-formed object with unique keys, so this cannot fail in a
	// way the walk did not already report.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, bad(ProblemSyntax)
	}
	out := make([]keyValue, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyValue{key: k, value: m[k]})
	}
	return out, nil
}

// frame is one open object or array during the token walk.
type frame struct {
	object  bool
	wantKey bool
}

// valueDone records that a value just ended: inside an object, a key comes next.
func valueDone(stack []frame) {
	if n := len(stack); n > 0 && stack[n-1].object {
		stack[n-1].wantKey = true
	}
}

// invalidUTF8Error names the top-level field whose value holds invalid UTF-8, when the rest of
// the object can be read well enough to tell.
func invalidUTF8Error(raw []byte) *ValidationError {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		e := &ValidationError{Code: CodeInvalidField}
		for k, v := range m {
			if !utf8.Valid(v) {
				e.add(safeKey(k), Problem{Code: ProblemInvalidUTF8})
			}
		}
		if len(e.Fields) > 0 {
			return e
		}
	}
	return &ValidationError{Code: CodeInvalidJSON, Fields: map[string]Problem{"fields": {Code: ProblemInvalidUTF8}}}
}

// safeKey makes a key a client sent fit to echo back in an error: readable, short, and free of
// anything that could confuse a log line or a page.
func safeKey(k string) string {
	var b strings.Builder
	n := 0
	for _, r := range k {
		if n == 40 {
			b.WriteString("…")
			break
		}
		if forbiddenRune(r, false) || r == utf8.RuneError {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	if b.Len() == 0 {
		return `""`
	}
	return b.String()
}

// decodeValue checks one field's value and returns it cleaned: a string, a []string, or nil
// when the field was left empty.
func decodeValue(f Field, raw json.RawMessage, areas []Area, now time.Time) (any, Problem) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, Problem{} // forms and clients send null for "not filled in"
	}
	switch f.Type {
	case TypeMulti, TypeList:
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, Problem{Code: ProblemBadType}
		}
		return decodeItems(f, items)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, Problem{Code: ProblemBadType}
	}
	max := f.MaxLength
	if f.Type != TypeText && f.Type != TypeTextarea {
		max = 0 // an overlong date or code is simply not a date or an option; say that instead
	}
	if identifierField(f.Name) {
		s = StripInvisible(s)
	}
	s, p := cleanText(s, f.Type == TypeTextarea, max)
	if p.Code != "" {
		return nil, p
	}
	if s == "" {
		return nil, Problem{}
	}
	switch f.Type {
	case TypeEnum:
		if !f.HasOption(s) {
			return nil, Problem{Code: ProblemUnknownOption}
		}
	case TypeArea:
		if !KnownArea(areas, s) {
			return nil, Problem{Code: ProblemUnknownOption}
		}
	case TypeDate:
		if p := checkDate(s, now); p.Code != "" {
			return nil, p
		}
	}
	return s, Problem{}
}

// identifierField reports whether a field holds identifiers (phone numbers, handles, a plate),
// whose invisible characters are removed rather than refused: they come from copying and
// pasting, and would otherwise keep the identifier from matching what /check is given.
func identifierField(name string) bool {
	return name == "phones" || name == "handles" || name == "plate"
}

func decodeItems(f Field, items []string) (any, Problem) {
	out := make([]string, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		if identifierField(f.Name) {
			it = StripInvisible(it)
		}
		s, p := cleanText(it, false, f.MaxLength)
		if p.Code != "" {
			return nil, p
		}
		if s == "" {
			continue // a form with five phone inputs sends the empty ones too
		}
		if f.Type == TypeMulti && !f.HasOption(s) {
			return nil, Problem{Code: ProblemUnknownOption}
		}
		key := s
		if f.Type == TypeList {
			key = strings.ToLower(s)
		}
		if seen[key] {
			return nil, Problem{Code: ProblemDuplicate}
		}
		seen[key] = true
		out = append(out, s)
	}
	if len(out) > f.MaxItems {
		return nil, Problem{Code: ProblemTooMany, Max: f.MaxItems}
	}
	if len(out) == 0 {
		return nil, Problem{}
	}
	return out, Problem{}
}

// checkDate accepts a calendar day up to one year back and not in the future. "Today" depends
// on where the reporter is: at UTC+14 it is already tomorrow in UTC, at UTC-12 still
// yesterday. The server knows no time zone (it must not ask), so it allows one day either side
// of the UTC day rather than refuse a true report of something that happened tonight.
func checkDate(s string, now time.Time) Problem {
	if len(s) != len(DateLayout) {
		return Problem{Code: ProblemBadDate}
	}
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return Problem{Code: ProblemBadDate}
	}
	today := Day(now)
	if d.After(today.AddDate(0, 0, 1)) {
		return Problem{Code: ProblemFutureDate}
	}
	if d.Before(today.AddDate(-1, 0, -1)) {
		return Problem{Code: ProblemTooOld}
	}
	return Problem{}
}
