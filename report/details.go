package report

import (
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
			value = strings.Join(strings.Fields(PlainText(d.Text)), " ")
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

// DetailFields lists the fields an alert of kind k may carry as details, in display order.
func DetailFields(k Kind) []string { return append([]string(nil), detailFields[k]...) }

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
	values := fieldValues(r)
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
			t := strings.Join(strings.Fields(PlainText(RedactHints(v[0]))), " ")
			if r := []rune(t); len(r) > detailTextMax {
				t = string(r[:detailTextMax-1]) + "…"
			}
			if t != "" {
				out = append(out, Detail{Field: name, Text: t})
			}
		}
	}
	return out
}

// fieldValues lists the answers of r's structured fields by field name.
func fieldValues(r *Report) map[string][]string {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	m := map[string][]string{}
	switch {
	case r.BadDate != nil:
		b := r.BadDate
		m["harms"] = b.Harms
		m["contact"] = one(b.Contact)
		m["aggressor_name"] = one(b.AggressorName)
		m["gender"] = one(b.Gender)
		m["age_range"] = one(b.AgeRange)
		m["height"] = one(b.Height)
		m["build"] = one(b.Build)
		m["hair"] = one(b.Hair)
		m["features"] = one(b.Features)
		m["vehicle_make"] = one(b.VehicleMake)
		m["vehicle_model"] = one(b.VehicleModel)
		m["vehicle_colour"] = one(b.VehicleColour)
	case r.DrugAlert != nil:
		d := r.DrugAlert
		m["sold_as"] = one(d.SoldAs)
		m["colour"] = one(d.Colour)
		m["form"] = one(d.Form)
		m["stamp"] = one(d.Stamp)
		m["packaging"] = one(d.Packaging)
		m["routes"] = d.Routes
		m["effects"] = d.Effects
		m["fentanyl_strip"] = one(d.FentanylStrip)
		m["xylazine_strip"] = one(d.XylazineStrip)
	}
	return m
}
