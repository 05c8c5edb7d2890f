package report

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// GeneratedTitle is the title an alert made from r starts with in lang, from the catalog only:
// the kind, what happened (harms, or what the batch was sold as) and the area. It holds nothing
// the reporter wrote, so a moderator may publish it unchanged.
func GeneratedTitle(lang string, r *Report, areas []Area) string {
	var what []string
	switch {
	case r.BadDate != nil:
		for _, h := range r.BadDate.Harms {
			what = append(what, strings.ToLower(OptionLabel(lang, "harms", h)))
		}
	case r.DrugAlert != nil && r.DrugAlert.SoldAs != "":
		what = append(what, strings.ToLower(FieldLabel(lang, "sold_as")+" "+OptionLabel(lang, "sold_as", r.DrugAlert.SoldAs)))
	}
	title := KindLabel(lang, r.Kind)
	if len(what) > 0 {
		title += ": " + strings.Join(what, ", ")
	}
	if area := AreaName(areas, lang, r.Common().Area); area != "" {
		title += " (" + area + ")"
	}
	if utf8.RuneCountInString(title) > MaxAlertTitle {
		title = string([]rune(title)[:MaxAlertTitle-1]) + "…"
	}
	return PlainText(title)
}

// DefaultSeverity is the severity an alert made from r starts with: danger when someone was
// hurt, threatened or held, or a batch caused overdoses or seizures; else warning.
func DefaultSeverity(r *Report) Severity {
	switch {
	case r.BadDate != nil:
		for _, h := range r.BadDate.Harms {
			if slices.Contains([]string{"physical_violence", "sexual_assault", "weapon_threats", "drugged", "held_against_will"}, h) {
				return SeverityDanger
			}
		}
	case r.DrugAlert != nil:
		for _, e := range r.DrugAlert.Effects {
			if slices.Contains([]string{"overdose", "multiple_naloxone", "seizures"}, e) {
				return SeverityDanger
			}
		}
	}
	return SeverityWarning
}

// CleanDetails checks details a form sent for an alert of kind k and returns them cleaned, in
// display order: a field outside detailFields[k] or a code that is not one of the field's
// options is refused (ok false: the form was not one this server rendered); texts are made
// plain, one line and at most detailTextMax runes. Parts left empty are dropped, and a field
// sent twice is kept once.
func CleanDetails(k Kind, details []Detail) (out []Detail, ok bool) {
	byField := map[string]Detail{}
	for _, d := range details {
		f, known := lookupField(k, d.Field)
		if !known || !slices.Contains(detailFields[k], d.Field) {
			return nil, false
		}
		if _, dup := byField[d.Field]; dup {
			continue
		}
		switch f.Type {
		case TypeEnum, TypeMulti:
			var codes []string
			for _, c := range d.Codes {
				if !f.HasOption(c) {
					return nil, false
				}
				if !slices.Contains(codes, c) {
					codes = append(codes, c)
				}
			}
			if f.Type == TypeEnum && len(codes) > 1 {
				return nil, false
			}
			if len(codes) > 0 {
				byField[d.Field] = Detail{Field: d.Field, Codes: codes}
			}
		default:
			if t := detailText(d.Text); t != "" {
				byField[d.Field] = Detail{Field: d.Field, Text: t}
			}
		}
	}
	for _, name := range detailFields[k] {
		if d, found := byField[name]; found {
			out = append(out, d)
		}
	}
	return out, true
}

// MaskIdentifier is the hint a moderator sees of a checkable identifier whose value is not
// kept: enough to tell two apart, too little to dial or search. normalized comes from
// NormalizeIdentifierIn.
func MaskIdentifier(typ, normalized string) string {
	r := []rune(normalized)
	switch {
	case len(r) == 0:
		return ""
	case typ == IdentifierPhone && len(r) > 4:
		return "•••" + string(r[len(r)-4:])
	case typ == IdentifierPlate && len(r) > 2:
		return "•••" + string(r[len(r)-2:])
	case typ == IdentifierEmail && len(r) > 1:
		return string(r[0]) + "•••"
	}
	return "•••"
}

// FoundIdentifier is an identifier written somewhere in a report: Raw as written, Value in
// normal form.
type FoundIdentifier struct {
	Type  string
	Raw   string
	Value string
}

// FindIdentifiers finds the phone numbers, emails and handles written in free text, normalised
// for region. Plates are not looked for: a word of letters and digits in a sentence is a plate
// too rarely to offer every one.
func FindIdentifiers(region, text string) []FoundIdentifier {
	var out []FoundIdentifier
	seen := map[string]bool{}
	for _, h := range Hints(text) {
		typ := ""
		switch h.Kind {
		case HintPhone:
			typ = IdentifierPhone
		case HintEmail, HintHandle:
			typ = IdentifierEmail
		default:
			continue
		}
		v, err := NormalizeIdentifierIn(region, typ, h.Text)
		if err != nil || seen[typ+":"+v] {
			continue
		}
		seen[typ+":"+v] = true
		out = append(out, FoundIdentifier{Type: typ, Raw: h.Text, Value: v})
	}
	return out
}

// ReportIdentifiers lists every identifier of r once by normal form: the phone, handle and
// plate fields first (FromField), then those found in the free text and the follow-ups.
// Values that cannot be normalised are listed with an empty Value, so a moderator sees them.
func ReportIdentifiers(region string, r *Report) (fields, found []FoundIdentifier) {
	seen := map[string]bool{}
	add := func(list *[]FoundIdentifier, f FoundIdentifier) {
		if f.Value != "" {
			if seen[f.Type+":"+f.Value] {
				return
			}
			seen[f.Type+":"+f.Value] = true
		}
		*list = append(*list, f)
	}
	field := func(typ, raw string) {
		v, _ := NormalizeIdentifierIn(region, typ, raw)
		add(&fields, FoundIdentifier{Type: typ, Raw: raw, Value: v})
	}
	if b := r.BadDate; b != nil {
		for _, p := range b.Phones {
			field(IdentifierPhone, p)
		}
		for _, h := range b.Handles {
			field(IdentifierEmail, h)
		}
		if b.Plate != "" {
			field(IdentifierPlate, b.Plate)
		}
	}
	for _, t := range freeTexts(r) {
		for _, f := range FindIdentifiers(region, t) {
			add(&found, f)
		}
	}
	return fields, found
}

// IdentifierHMACs are the keyed hashes of every identifier ReportIdentifiers finds in r, for
// Report.IdentifierHMACs.
func IdentifierHMACs(key []byte, region string, r *Report) []string {
	fields, found := ReportIdentifiers(region, r)
	var out []string
	for _, f := range append(fields, found...) {
		if f.Value != "" {
			out = append(out, IdentifierHMAC(key, f.Type, f.Value))
		}
	}
	return out
}

// TextHMACs are the keyed hashes of the identifiers FindIdentifiers finds in text (a follow-up).
func TextHMACs(key []byte, region, text string) []string {
	var out []string
	for _, f := range FindIdentifiers(region, text) {
		out = append(out, IdentifierHMAC(key, f.Type, f.Value))
	}
	return out
}

// freeTexts is everything r's reporter wrote in their own words.
func freeTexts(r *Report) []string {
	c := r.Common()
	out := []string{c.Location, c.Details}
	switch {
	case r.BadDate != nil:
		out = append(out, r.BadDate.AggressorName, r.BadDate.Features)
	case r.DrugAlert != nil:
		out = append(out, r.DrugAlert.OtherTest)
	}
	for _, f := range r.Followups {
		out = append(out, f.Text)
	}
	return out
}
