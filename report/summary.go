package report

import (
	"strings"
	"unicode/utf8"
)

// AlertSummary is the default public text of an alert made from r: one line per structured
// field the reporter answered, "label: value", in lang, with the catalog's labels. It is safe by
// default because it holds none of the reporter's own account: the free text (details, location,
// follow-ups) is never part of it, nor the longer free-text fields (distinguishing features,
// other drug-checking results), which a moderator quotes deliberately if at all. The short
// descriptive fields (alias, hair, vehicle, colour, stamp, packaging) are included with the
// personal-details hints removed. Phone numbers, handles and the plate are left to the
// identifier choices. Unknown answers ("don't know") are left out. The result fits
// MaxAlertBody.
func AlertSummary(lang string, r *Report) string {
	var lines []string
	enum := func(field, code string) {
		if code == "" || code == "unknown" || code == "not_tested" {
			return
		}
		lines = append(lines, FieldLabel(lang, field)+": "+OptionLabel(lang, field, code))
	}
	multi := func(field string, codes []string) {
		var ls []string
		for _, c := range codes {
			ls = append(ls, OptionLabel(lang, field, c))
		}
		if len(ls) > 0 {
			lines = append(lines, FieldLabel(lang, field)+": "+strings.Join(ls, ", "))
		}
	}
	text := func(field, value string) {
		v := strings.Join(strings.Fields(PlainText(RedactHints(value))), " ")
		if v != "" {
			lines = append(lines, FieldLabel(lang, field)+": "+v)
		}
	}
	switch {
	case r.BadDate != nil:
		b := r.BadDate
		multi("harms", b.Harms)
		enum("contact", b.Contact)
		text("aggressor_name", b.AggressorName)
		enum("gender", b.Gender)
		enum("age_range", b.AgeRange)
		enum("height", b.Height)
		enum("build", b.Build)
		text("hair", b.Hair)
		text("vehicle_make", b.VehicleMake)
		text("vehicle_model", b.VehicleModel)
		text("vehicle_colour", b.VehicleColour)
	case r.DrugAlert != nil:
		d := r.DrugAlert
		enum("sold_as", d.SoldAs)
		text("colour", d.Colour)
		enum("form", d.Form)
		text("stamp", d.Stamp)
		text("packaging", d.Packaging)
		multi("routes", d.Routes)
		multi("effects", d.Effects)
		enum("fentanyl_strip", d.FentanylStrip)
		enum("xylazine_strip", d.XylazineStrip)
	}
	s := strings.Join(lines, "\n")
	if utf8.RuneCountInString(s) > MaxAlertBody {
		s = string([]rune(s)[:MaxAlertBody-1]) + "…"
	}
	return s
}

// RedactHints replaces each passage Hints marks (a phone, an email, an address, a name after
// "my name is"…) with "[kind removed]". The hints are heuristics: they make a pre-filled text
// safer, not safe, so text a reporter wrote at length is never pre-filled at all.
func RedactHints(text string) string {
	var b strings.Builder
	pos := 0
	for _, h := range Hints(text) {
		b.WriteString(text[pos:h.Start])
		b.WriteString("[" + h.Kind + " removed]")
		pos = h.End
	}
	b.WriteString(text[pos:])
	return b.String()
}
