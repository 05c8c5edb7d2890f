package report

import (
	"encoding/json"
	"slices"
	"strings"
)

// DetailLine is one part of an alert's description as a reader sees it: a label and a value,
// both in the reader's language.
type DetailLine struct {
	Field string
	Label string
	Value string
}

// detailTextMax bounds a text part; descriptions are short by design.
const detailTextMax = 200

// DescribeDetails renders an alert's details in lang: option codes through the catalog, texts
// as the moderator kept them (plain text, one line). Parts naming an unknown field, or with
// nothing left to show, are skipped, so a stored alert never renders a raw code.
func DescribeDetails(lang string, kind Kind, details []Detail) []DetailLine {
	var out []DetailLine
	for _, d := range details {
		f, ok := lookupField(kind, d.Field)
		if !ok {
			continue
		}
		var value string
		switch f.Type {
		case TypeEnum, TypeMulti:
			var ls []string
			for _, c := range d.Codes {
				if f.HasOption(c) {
					ls = append(ls, OptionLabel(lang, f.Name, c))
				}
			}
			value = strings.Join(ls, ", ")
		default:
			value = detailText(d.Text)
		}
		if value != "" {
			out = append(out, DetailLine{Field: d.Field, Label: FieldLabel(lang, d.Field), Value: value})
		}
	}
	return out
}

// detailFields are the structured parts an alert may describe, in the order pages show them.
// The long free text (details, location, other test results) is not among them: a moderator
// quotes it deliberately, into the body, if at all. Distinguishing features are, because a
// bad-date sheet exists to describe the aggressor, but only as an opt-in part (optInFields). Phones, handles and the
// plate are identifiers, published through the identifier choices.
var detailFields = map[Kind][]string{
	BadDate: {"harms", "contact", "aggressor_name", "gender", "age_range", "height", "build", "hair", "features",
		"vehicle_make", "vehicle_model", "vehicle_colour"},
	DrugAlert: {"sold_as", "colour", "form", "stamp", "packaging", "routes", "effects", "fentanyl_strip", "xylazine_strip"},
}

// optInFields are parts offered unticked: the reporter's own words about the aggressor, which
// may carry details only the reporter knows, so publishing them is a deliberate act.
var optInFields = []string{"features"}

// OptIn reports whether a detail field is offered unticked on the alert form.
func OptIn(field string) bool { return slices.Contains(optInFields, field) }

// DefaultDetails is what the alert form ticks by default: OfferedDetails without the opt-in
// parts.
func DefaultDetails(r *Report) []Detail {
	var out []Detail
	for _, d := range OfferedDetails(r) {
		if !OptIn(d.Field) {
			out = append(out, d)
		}
	}
	return out
}

// OfferedDetails is every structured part r answered, as an alert's details: what the alert
// form offers. Unknown answers ("don't know", "not tested") are left out; texts keep their
// personal-details hints removed (RedactHints).
func OfferedDetails(r *Report) []Detail {
	values := FieldValues(r)
	var out []Detail
	for _, name := range detailFields[r.Kind] {
		f, _ := lookupField(r.Kind, name)
		v := values[name]
		switch f.Type {
		case TypeEnum, TypeMulti:
			var codes []string
			for _, c := range v {
				if c != "" && c != "unknown" && c != "not_tested" {
					codes = append(codes, c)
				}
			}
			if len(codes) > 0 {
				out = append(out, Detail{Field: name, Codes: codes})
			}
		default:
			if len(v) == 0 {
				continue
			}
			if t := detailText(RedactHints(v[0])); t != "" {
				out = append(out, Detail{Field: name, Text: t})
			}
		}
	}
	return out
}

// FieldValues lists the answers of r's kind fields by schema name, a list field's items in
// order and a single value as a list of one; unanswered fields are absent. It reads r through
// its JSON form, whose names are the schema's, so a field added to the schema is listed here
// without a second list to keep in step.
func FieldValues(r *Report) map[string][]string {
	var kindFields any
	switch {
	case r.BadDate != nil:
		kindFields = r.BadDate
	case r.DrugAlert != nil:
		kindFields = r.DrugAlert
	default:
		return nil
	}
	data, err := json.Marshal(kindFields)
	if err != nil {
		return nil
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(data, &raw) != nil {
		return nil
	}
	m := map[string][]string{}
	for _, f := range Schema(r.Kind) {
		var one string
		var list []string
		switch {
		case json.Unmarshal(raw[f.Name], &one) == nil && one != "":
			m[f.Name] = []string{one}
		case json.Unmarshal(raw[f.Name], &list) == nil && len(list) > 0:
			m[f.Name] = list
		}
	}
	return m
}

// detailText is a text part as an alert shows it: plain, one line, at most detailTextMax runes.
func detailText(s string) string {
	t := strings.Join(strings.Fields(PlainText(s)), " ")
	if r := []rune(t); len(r) > detailTextMax {
		t = string(r[:detailTextMax-1]) + "…"
	}
	return t
}
