package moderation

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
)

// The outreach page: staff with a shared tablet or laptop type in a report for someone who
// cannot or would rather not use the public form, and hand over the receipt code. The fields
// are the public form's, generated from report.Schema with report's labels; the report goes
// through intake like any other, with no proof of work and no per-address limit (the account
// answers for it), and is marked as entered by staff.

// outreachField is one input of the outreach form.
type outreachField struct {
	Name, ID, Control string // Control: text, textarea, date, select, checkboxes, lines
	Label, Hint       string
	Error             string
	Value             string
	Required          bool
	MaxLength         int
	Options           []outreachOption
}

type outreachOption struct {
	Code, Label, ID string
	Selected        bool
}

type outreachData struct {
	Kinds  []report.Kind
	Kind   report.Kind // the form shown, or "" for the choice of kind
	Fields []outreachField
	Errors []outreachField // the fields with an error, for the summary
	// Receipt is the code of the report just filed, shown on this response only.
	Receipt     string
	ReceiptKind report.Kind
}

// outreachKind reads a kind from a query or a form; "" if there is none or it is unknown.
func outreachKind(code string) report.Kind {
	for _, k := range report.Kinds {
		if string(k) == code {
			return k
		}
	}
	return ""
}

func (s *server) showOutreach(c *gin.Context) {
	s.outreachPage(c, http.StatusOK, outreachKind(c.Query("kind")), nil, nil, outreachData{})
}

// outreachPage renders the choice of kind and, for a kind, its form with values and errors.
func (s *server) outreachPage(c *gin.Context, status int, kind report.Kind, values url.Values, problems map[string]string, d outreachData) {
	lang := report.MatchLanguage(c.GetHeader("Accept-Language"))
	d.Kinds, d.Kind = report.Kinds, kind
	for _, sf := range report.Schema(kind) {
		f := outreachField{
			Name: sf.Name, ID: "f-" + sf.Name, Label: report.FieldLabel(lang, sf.Name), Hint: report.FieldHint(lang, sf.Name),
			Error: problems[sf.Name], Value: values.Get(sf.Name), Required: sf.Required, MaxLength: sf.MaxLength,
		}
		switch sf.Type {
		case report.TypeTextarea:
			f.Control = "textarea"
		case report.TypeDate:
			f.Control, f.MaxLength = "date", 0
		case report.TypeEnum:
			f.Control = "select"
			for _, o := range sf.Options {
				f.Options = append(f.Options, outreachOption{Code: o, Label: report.OptionLabel(lang, sf.Name, o), Selected: f.Value == o})
			}
		case report.TypeArea:
			f.Control, f.MaxLength = "select", 0
			for _, a := range s.areas {
				f.Options = append(f.Options, outreachOption{Code: a.Code, Label: report.AreaName(s.areas, lang, a.Code), Selected: f.Value == a.Code})
			}
		case report.TypeMulti:
			f.Control = "checkboxes"
			for _, o := range sf.Options {
				f.Options = append(f.Options, outreachOption{Code: o, Label: report.OptionLabel(lang, sf.Name, o), ID: f.ID + "-" + o,
					Selected: slices.Contains(values[sf.Name], o)})
			}
		case report.TypeList:
			f.Control, f.MaxLength = "lines", 0
			f.Hint = strings.TrimSpace(f.Hint + " " + catalog.Text(lang, "outreach.one_per_line"))
		default:
			f.Control = "text"
		}
		d.Fields = append(d.Fields, f)
		if f.Error != "" {
			d.Errors = append(d.Errors, f)
		}
	}
	title := "outreach.title"
	if len(d.Errors) > 0 {
		title = "outreach.title_error"
	}
	s.render(c, status, "outreach", title, d)
}

// fileOutreachReport files the report for the person the staff member is with and shows the
// receipt code to hand over, with an empty form of the same kind for the next person.
func (s *server) fileOutreachReport(c *gin.Context) {
	kind := outreachKind(c.PostForm("kind"))
	if kind == "" {
		s.outreachPage(c, http.StatusBadRequest, "", nil, nil, outreachData{})
		return
	}
	form := c.Request.PostForm
	fields, err := report.FormFieldsJSON(kind, form)
	if err == nil {
		var rec intake.Receipt
		rec, err = s.intake.SubmitForStaff(c.Request.Context(), me(c).Name, intake.Submission{Kind: string(kind), Fields: fields})
		if err == nil {
			s.outreachPage(c, http.StatusOK, kind, nil, nil, outreachData{Receipt: rec.Code, ReceiptKind: kind})
			return
		}
	}
	var ve *report.ValidationError
	if errors.As(err, &ve) {
		s.outreachPage(c, http.StatusBadRequest, kind, form, ve.Messages(report.MatchLanguage(c.GetHeader("Accept-Language"))), outreachData{})
		return
	}
	s.fail(c, err)
}
