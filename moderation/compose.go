package moderation

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// The approve and edit forms compose an alert from parts: the structured details a moderator
// ticks, a title and an optional body per language, severity, areas and expiry. Nothing the
// reporter wrote in their own words is ever pre-filled; the details carry the description.

// textForm is an alert's title and body in one language as the form shows them.
type textForm struct {
	Lang  string
	Name  string // the language's own name, "Español"
	Title string
	Body  string
}

// detailChoice is one structured part the form offers, labelled in the page's language.
type detailChoice struct {
	Field   string
	Label   string
	Value   string // codes as labels, for enum and multi parts
	Text    string // the editable text of a text part
	IsText  bool
	Checked bool
	detail  report.Detail
}

type approveForm struct {
	Texts    []textForm
	Details  []detailChoice
	Severity report.Severity
	Areas    []string
	Expires  string
}

// identifierChoice is an identifier found in the report, offered for /check and the public.
type identifierChoice struct {
	Index      int
	Type       string
	TypeLabel  string
	Raw        string
	Normalized string
	InText     bool   // found in the free text or a follow-up, not in an identifier field
	Problem    string // why it cannot be checkable
	Check      bool
	Public     bool
}

// identifiers lists every identifier of r once by normal form: the phone, handle and plate
// fields first, then those found in the free text and the follow-ups. Field values are
// checkable by default; one found in the text is offered unticked, since the reporter did not
// hand it over as the aggressor's. Labels and problems are in lang. They are read with the
// region intake hashed them under, so what the moderator ticks matches the report's links.
func (s *server) identifiers(lang string, r *report.Report) []identifierChoice {
	fields, found := report.ReportIdentifiers(s.intake.PhoneRegion, r)
	var out []identifierChoice
	add := func(f report.FoundIdentifier, inText bool) {
		ic := identifierChoice{Index: len(out), Type: f.Type, TypeLabel: report.OptionLabel(lang, "type", f.Type),
			Raw: f.Raw, Normalized: f.Value, InText: inText}
		if f.Value == "" {
			ic.Problem = catalog.Text(lang, "error.unreadable."+f.Type) // one sentence per type: articles agree
		}
		out = append(out, ic)
	}
	for _, f := range fields {
		add(f, false)
	}
	for _, f := range found {
		add(f, true)
	}
	return out
}

// detailChoices offers details in lang, each ticked when checked says so.
func detailChoices(lang string, kind report.Kind, details []report.Detail, checked func(report.Detail) bool) []detailChoice {
	var out []detailChoice
	for _, d := range details {
		lines := report.DescribeDetails(lang, kind, []report.Detail{d})
		if len(lines) == 0 {
			continue
		}
		dc := detailChoice{Field: d.Field, Label: lines[0].Label, Value: lines[0].Value, Checked: checked(d), detail: d}
		if len(d.Codes) == 0 {
			dc.IsText, dc.Text, dc.Value = true, d.Text, ""
		}
		out = append(out, dc)
	}
	return out
}

// defaultForm pre-fills the approval form: every structured part the reporter answered, with
// catalog labels, ticked except the aggressor's distinguishing features (the reporter's own
// words, offered unticked); a generated title in every language and empty bodies; defaults by
// kind. Nothing else the reporter wrote in their own words (details, location, follow-ups) is
// offered: the page shows it beside the form, and quoting it is the moderator's deliberate act,
// so accepting every default never publishes their account.
func (s *server) defaultForm(lang string, r *report.Report) approveForm {
	f := approveForm{Severity: report.DefaultSeverity(r), Expires: localDay(s.now().Add(report.DefaultExpiry(r.Kind)), s.loc)}
	if c := r.Common(); c.Area != "" {
		f.Areas = []string{c.Area}
	}
	for _, l := range report.Languages {
		f.Texts = append(f.Texts, textForm{Lang: l, Name: languageName(l), Title: report.GeneratedTitle(l, r, s.areas)})
	}
	f.Details = detailChoices(lang, r.Kind, report.OfferedDetails(r), func(d report.Detail) bool { return !report.OptIn(d.Field) })
	return f
}

// alertForm pre-fills the edit form from a published alert.
func (s *server) alertForm(lang string, a *report.Alert) approveForm {
	f := approveForm{Severity: a.Severity, Areas: a.Areas, Expires: localDay(a.Expires.Add(-time.Minute), s.loc)}
	for _, l := range report.Languages {
		tf := textForm{Lang: l, Name: languageName(l)}
		for _, t := range a.Texts {
			if t.Lang == l {
				tf.Title, tf.Body = t.Title, t.Body
			}
		}
		if len(a.Texts) == 0 && l == report.Languages[0] { // an alert from before translations
			tf.Title, tf.Body = a.Title, a.Body
		}
		f.Texts = append(f.Texts, tf)
	}
	f.Details = detailChoices(lang, a.Kind, a.Details, func(report.Detail) bool { return true })
	return f
}

func languageName(lang string) string { return report.Labels.Text(lang, "language.name") }

// parseAlertForm validates the shared fields of the approve and edit forms in lang. source is
// what the details may be chosen from (the report's structured answers, or the alert's
// current details): a ticked part takes its codes from source, never from the form, and a text
// part takes the moderator's edited text, cleaned and bounded again.
func (s *server) parseAlertForm(c *gin.Context, lang string, kind report.Kind, source []report.Detail) (approveForm, store.AlertChange, map[string]string) {
	f := approveForm{Severity: report.Severity(c.PostForm("severity")), Areas: c.PostFormArray("areas"), Expires: c.PostForm("expires")}
	errs := map[string]string{}
	ticked := c.PostFormArray("detail")
	var chosen []report.Detail
	f.Details = detailChoices(lang, kind, source, func(d report.Detail) bool { return slices.Contains(ticked, d.Field) })
	for i := range f.Details {
		dc := &f.Details[i]
		if dc.IsText {
			dc.Text = c.PostForm("detail_text." + dc.Field)
			if utf8.RuneCountInString(dc.Text) > maxDetailText {
				errs["details"] = catalog.Text(lang, "error.detail_long", maxDetailText)
			}
		}
		if !dc.Checked {
			continue
		}
		d := dc.detail
		if dc.IsText {
			d.Text = dc.Text
		}
		chosen = append(chosen, d)
	}
	details, ok := report.CleanDetails(kind, chosen)
	if !ok {
		errs["details"] = catalog.Text(lang, "error.details")
	}

	var texts []report.Translation
	for _, l := range report.Languages {
		tf := textForm{Lang: l, Name: languageName(l), Title: c.PostForm("title." + l), Body: c.PostForm("body." + l)}
		f.Texts = append(f.Texts, tf)
		title, body := report.PlainText(tf.Title), report.PlainText(tf.Body)
		switch {
		case title == "" && body == "":
			continue // this language is left out
		case title == "":
			errs["title."+l] = catalog.Text(lang, "error.title_missing")
		case strings.ContainsAny(title, "\n\t"):
			errs["title."+l] = catalog.Text(lang, "error.title_line")
		case utf8.RuneCountInString(title) > report.MaxAlertTitle:
			errs["title."+l] = catalog.Text(lang, "error.title_long", report.MaxAlertTitle)
		}
		if utf8.RuneCountInString(body) > report.MaxAlertBody {
			errs["body."+l] = catalog.Text(lang, "error.body_long", report.MaxAlertBody)
		}
		texts = append(texts, report.Translation{Lang: l, Title: title, Body: body})
	}
	if len(texts) == 0 {
		errs["title."+report.Languages[0]] = catalog.Text(lang, "error.no_text")
	}

	if !f.Severity.Valid() {
		errs["severity"] = catalog.Text(lang, "error.severity")
	}
	var areas []string
	for _, a := range f.Areas {
		if !report.KnownArea(s.areas, a) {
			errs["areas"] = catalog.Text(lang, "error.areas_unknown")
			break
		}
		if !slices.Contains(areas, a) {
			areas = append(areas, a)
		}
	}
	if len(areas) == 0 && errs["areas"] == "" {
		errs["areas"] = catalog.Text(lang, "error.areas_missing")
	}
	expires, msg := s.parseExpiry(f.Expires)
	if msg != "" {
		errs["expires"] = msg.In(lang)
	}
	ch := store.AlertChange{Severity: f.Severity, Areas: areas, Expires: expires, Details: details, Texts: texts}
	if len(texts) > 0 {
		ch.Title, ch.Body = texts[0].Title, texts[0].Body
	}
	return f, ch, errs
}

// maxDetailText bounds an edited description part as typed, before cleaning.
const maxDetailText = 200
