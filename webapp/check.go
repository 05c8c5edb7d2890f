package webapp

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

type checkData struct {
	Types    []option
	Value    string
	Error    string
	Searched bool
	Alerts   []report.Alert
}

var identifierTypes = []string{report.IdentifierPhone, report.IdentifierPlate, report.IdentifierEmail}

func (s *Site) checkForm(p *page, typ, value string) checkData {
	if typ == "" {
		typ = report.IdentifierPhone
	}
	d := checkData{Value: value}
	for _, t := range identifierTypes {
		d.Types = append(d.Types, option{t, p.IdentifierType(t), t == typ})
	}
	return d
}

func (s *Site) showCheck(c *gin.Context) {
	p := s.newPage(c, "check.title")
	p.Data = s.checkForm(p, "", "")
	s.render(c, http.StatusOK, "check", p)
}

// checkIdentifier answers the check form. It is a POST so that the number looked up is in no
// URL, history entry or log; like the API, nothing about the query is stored.
func (s *Site) checkIdentifier(c *gin.Context) {
	p := s.newPage(c, "check.title")
	if err := c.Request.ParseForm(); err != nil {
		s.badForm(c, p, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	typ, value := c.Request.PostForm.Get("type"), c.Request.PostForm.Get("value")
	d := s.checkForm(p, typ, value)
	alerts, err := s.deps.Intake.Check(c.Request.Context(), typ, value)
	var ve *report.ValidationError
	switch {
	case errors.As(err, &ve):
		msgs := ve.Messages(p.Lang)
		d.Error = msgs["value"]
		if d.Error == "" {
			d.Error = msgs["type"]
		}
		p.Title = p.T("form.error_title_prefix") + " " + p.Title
		p.Data = d
		s.render(c, http.StatusBadRequest, "check", p)
		return
	case err != nil:
		s.fail(c, p, err)
		return
	}
	d.Searched, d.Alerts = true, alerts
	p.Data = d
	s.render(c, http.StatusOK, "check", p)
}
