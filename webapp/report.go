package webapp

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/web"
)

// formField is one input of a report form, ready for the template: the schema's rules, the
// labels in the page's language, what the person typed, and what is wrong with it.
type formField struct {
	Name      string
	ID        string
	Control   string // text, textarea, date, select, checkboxes, lines
	Label     string
	Hint      string
	Error     string
	Value     string
	Required  bool
	MaxLength int
	Options   []formOption
	Min, Max  string // date bounds
	// Half lets two short questions share a line on a phone; Tight sets a long list of
	// checkboxes closer together. Both keep the essentials within two phone screens.
	Half, Tight bool
}

type formOption struct {
	Code     string
	Label    string
	ID       string
	Selected bool
}

// formSection is a group of questions. The essentials are always shown; every other section
// is an optional <details> (open without JavaScript when clicked), opened by the server when
// it holds an answer or an error, so nothing typed or wrong is ever hidden.
type formSection struct {
	Legend   string
	Optional bool
	Open     bool
	Fields   []formField
}

// fieldError is one line of the error summary, which links to the field.
type fieldError struct {
	ID      string
	Label   string
	Message string
}

type reportForm struct {
	Kind   report.Kind
	Action string
	// Token is this view's form token (intake.Service.NewFormToken): sending the same form
	// twice shows the first receipt again instead of storing a second report.
	Token    string
	Sections []formSection
	Errors   []fieldError
	Summary  string // the sentence above the list of errors
	TopError string // a problem with the whole form (spam check), not one field
}

// sectionOf groups fields. "what" and "when" are the essentials — what happened, when and
// where — which fit on two phone screens above Send; the rest are optional sections. A field
// the schema gains later and this table does not know still appears, in an optional "other
// details" section, so the form always has every field.
var sectionOf = map[string]string{
	"details": "what", "harms": "what", "sold_as": "what",
	"date": "when", "time_band": "when", "area": "when", "location": "where",
	"contact": "person", "aggressor_name": "person", "phones": "person", "handles": "person", "gender": "person",
	"age_range": "person", "height": "person", "build": "person", "hair": "person", "features": "person",
	"vehicle_make": "vehicle", "vehicle_model": "vehicle", "vehicle_colour": "vehicle", "plate": "vehicle",
	"colour": "drug", "form": "drug", "stamp": "drug", "packaging": "drug",
	"routes": "effects", "effects": "effects",
	"fentanyl_strip": "tests", "xylazine_strip": "tests", "other_test": "tests",
}

// sectionOrder is the order of the sections on the page, essentials first.
var sectionOrder = []string{"what", "when", "where", "person", "vehicle", "drug", "effects", "tests", "other"}

// shortHint are essential questions shown without the schema's hint, which only repeats
// what the label and the control already say ("Optional", "Where it happened").
var shortHint = map[string]bool{"date": true, "time_band": true, "area": true, "harms": true}

// essentialSections are always shown; the others are optional <details>.
var essentialSections = map[string]bool{"what": true, "when": true}

// reportPath and reportTitle name each kind's form page.
var (
	reportPath  = map[report.Kind]string{report.BadDate: "/report/bad-date", report.DrugAlert: "/report/bad-batch"}
	reportTitle = map[report.Kind]string{report.BadDate: "report.bad_date.title", report.DrugAlert: "report.drug_alert.title"}
)

func (s *Site) showReportForm(kind report.Kind) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := s.newPage(c, reportTitle[kind])
		s.renderReportForm(c, http.StatusOK, p, kind, nil, nil, "")
	}
}

// renderReportForm shows the form with what was typed and, after a refused post, every error
// next to its field and in a summary at the top.
func (s *Site) renderReportForm(c *gin.Context, status int, p *page, kind report.Kind, values url.Values, problems map[string]string, topError string) {
	// A fresh token on every view, errors included: a token may be spent by a refused send.
	// No copy may be kept: a page kept by a cache and shown to a second person would send
	// their report under the first person's token.
	c.Header("Cache-Control", "no-store")
	f := reportForm{Kind: kind, Action: p.URL(reportPath[kind]), TopError: topError, Token: s.deps.Intake.NewFormToken()}
	bySection := map[string]*formSection{}
	today := report.Day(p.Now)
	for _, sf := range report.Schema(kind) {
		ff := formField{
			Name: sf.Name, ID: "f-" + sf.Name, Label: report.FieldLabel(p.Lang, sf.Name),
			Hint: report.FieldHint(p.Lang, sf.Name), Required: sf.Required, MaxLength: sf.MaxLength,
			Error: problems[sf.Name], Value: values.Get(sf.Name),
			Half: sf.Name == "date" || sf.Name == "time_band",
		}
		if shortHint[sf.Name] { // the label and the control say it; the space goes to questions
			ff.Hint = ""
		}
		switch sf.Type {
		case report.TypeTextarea:
			ff.Control = "textarea"
		case report.TypeDate:
			ff.Control = "date"
			// A day either side of the UTC day, as the server allows: see report.checkDate.
			ff.Min = today.AddDate(-1, 0, -1).Format(report.DateLayout)
			ff.Max = today.AddDate(0, 0, 1).Format(report.DateLayout)
			ff.MaxLength = 0
		case report.TypeEnum:
			ff.Control = "select"
			for _, o := range sf.Options {
				ff.Options = append(ff.Options, formOption{Code: o, Label: report.OptionLabel(p.Lang, sf.Name, o), Selected: ff.Value == o})
			}
		case report.TypeArea:
			ff.Control = "select"
			for _, a := range s.deps.Areas {
				ff.Options = append(ff.Options, formOption{Code: a.Code, Label: p.Area(a.Code), Selected: ff.Value == a.Code})
			}
			ff.MaxLength = 0
		case report.TypeMulti:
			ff.Control = "checkboxes"
			ff.Tight = len(sf.Options) > 5
			chosen := values[sf.Name]
			for _, o := range sf.Options {
				ff.Options = append(ff.Options, formOption{
					Code: o, Label: report.OptionLabel(p.Lang, sf.Name, o), ID: ff.ID + "-" + o, Selected: slices.Contains(chosen, o),
				})
			}
		case report.TypeList:
			// One entry per line: works without JavaScript and without a row of empty inputs.
			ff.Control = "lines"
			ff.Hint = strings.TrimSpace(ff.Hint + " " + p.T("form.one_per_line"))
			ff.MaxLength = 0
		default:
			ff.Control = "text"
		}
		sec := sectionOf[sf.Name]
		if sec == "" {
			sec = "other"
		}
		fs := bySection[sec]
		if fs == nil {
			fs = &formSection{Legend: p.T("report.section." + sec), Optional: !essentialSections[sec]}
			bySection[sec] = fs
		}
		fs.Fields = append(fs.Fields, ff)
		if ff.Error != "" || len(values[sf.Name]) > 0 && strings.Join(values[sf.Name], "") != "" {
			fs.Open = true
		}
	}
	for _, sec := range sectionOrder {
		if fs := bySection[sec]; fs != nil {
			f.Sections = append(f.Sections, *fs)
		}
	}
	// The summary lists errors in form order, each a link to its field.
	for _, sec := range f.Sections {
		for _, ff := range sec.Fields {
			if ff.Error != "" {
				id := ff.ID
				if ff.Control == "checkboxes" && len(ff.Options) > 0 {
					id = ff.Options[0].ID
				}
				f.Errors = append(f.Errors, fieldError{ID: id, Label: ff.Label, Message: ff.Error})
			}
		}
	}
	for name, msg := range problems {
		if !inSchema(kind, name) {
			// A problem with something that is not a field of this form (a tampered post).
			f.Errors = append(f.Errors, fieldError{Label: report.FieldLabel(p.Lang, name), Message: msg})
		}
	}
	if len(f.Errors) > 0 || f.TopError != "" {
		p.Title = p.T("form.error_title_prefix") + " " + p.Title
	}
	if len(f.Errors) > 0 { // "fix the answers below" only when an answer needs fixing
		f.Summary = p.T("form.error_summary")
	}
	p.Scripts = []string{"report.js"}
	p.Data = f
	s.render(c, status, "report", p)
}

func inSchema(kind report.Kind, name string) bool {
	for _, f := range report.Schema(kind) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// submitReport takes the plain HTML post, turns it into the same fields object the JSON API
// takes, and hands it to the intake use case, so the rules are the API's. It answers with the receipt
// page itself: a redirect would have to put the receipt code in a URL.
func (s *Site) submitReport(kind report.Kind) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := s.newPage(c, reportTitle[kind])
		if err := c.Request.ParseForm(); err != nil {
			s.badForm(c, p, err)
			return
		}
		form := c.Request.PostForm
		if form.Get("website") != "" { // the honeypot: people never see it, some bots fill it
			s.renderReportForm(c, http.StatusBadRequest, p, kind, form, nil, p.T("report.error.honeypot"))
			return
		}
		fields, err := report.FormFieldsJSON(kind, form)
		if err != nil {
			s.fail(c, p, err)
			return
		}
		rec, err := s.deps.Intake.Submit(c.Request.Context(), web.ClientKey(c), intake.Submission{
			Kind: string(kind), Fields: fields, Proof: form.Get("altcha"), FormToken: form.Get("form_token"),
		})
		var (
			ve *report.ValidationError
			le *intake.RateLimitedError
		)
		switch {
		case err == nil:
		case errors.As(err, &le):
			s.renderLimitedForm(c, p, kind, form, le)
			return
		case errors.As(err, &ve):
			s.renderReportForm(c, http.StatusBadRequest, p, kind, form, ve.Messages(p.Lang), "")
			return
		// A refused form token: nothing was stored. Say why, keep everything typed, and offer
		// a fresh form (every rendering carries a new token).
		case errors.Is(err, intake.ErrBadFormToken):
			s.renderReportForm(c, http.StatusBadRequest, p, kind, form, nil, p.T("report.error.form_token"))
			return
		case errors.Is(err, intake.ErrFormExpired):
			s.renderReportForm(c, http.StatusBadRequest, p, kind, form, nil, p.T("report.error.form_expired"))
			return
		case errors.Is(err, intake.ErrFormUsed):
			s.renderReportForm(c, http.StatusConflict, p, kind, form, nil, p.T("report.error.form_used"))
			return
		case errors.Is(err, intake.ErrBadProof) || errors.Is(err, intake.ErrReplayedProof):
			// The proof of work was wrong, expired or reused: keep everything typed, and the
			// script solves a new one before the next try.
			s.renderReportForm(c, http.StatusBadRequest, p, kind, form, nil, p.T("report.error.proof"))
			return
		default:
			s.fail(c, p, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		p.Title = p.T("receipt.new.title")
		p.Scripts = []string{}
		d := receiptData{New: true, Again: rec.Again, Code: rec.Code, Kind: kind, Status: rec.Status, Submitted: report.Day(p.Now)}
		if rec.Again {
			d.Submitted = rec.Submitted
		}
		p.Data = d
		s.render(c, http.StatusOK, "receipt", p)
	}
}

// badForm answers a post whose body could not be read: too large, or not a form at all.
func (s *Site) badForm(c *gin.Context, p *page, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.showError(c, p, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	s.showError(c, p, http.StatusBadRequest, "error.bad_form")
}

// receiptData is the reporter's view of their report.
type receiptData struct {
	New bool // just submitted: show the code large, with advice
	// Again: the same form was sent again (a reload): this is the first receipt, nothing new
	// was stored. Code is empty when the form is too old for the code to be shown again.
	Again     bool
	Code      string
	Kind      report.Kind
	Status    report.Status
	Submitted time.Time
	Note      string
	AlertURL  string
	CanAdd    bool
	// Asked: the moderators wait for the reporter's answer (Note says what they ask);
	// Answered: the reporter answered and the report is back with the moderators.
	Asked     bool
	Answered  bool
	Followups int
	Flash     string // what just happened (information added)
	Text      string // the information being added, kept after an error
	TextError string
}

// DescribedBy lists the ids of the hint and error of a field, for aria-describedby.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}
