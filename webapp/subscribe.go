package webapp

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

type subscribeData struct {
	VAPIDKey   string
	Kinds      []option
	Areas      []option
	Severities []option
	Languages  []option
}

// showSubscribe is the push subscription page. Subscribing needs the Push API, so the form is
// driven by subscribe.js; without JavaScript the page explains that and what push reveals.
func (s *Site) showSubscribe(c *gin.Context) {
	p := s.newPage(c, "subscribe.title")
	d := subscribeData{VAPIDKey: s.deps.VAPIDPublicKey}
	for _, k := range report.Kinds {
		d.Kinds = append(d.Kinds, option{string(k), p.Kind(k), true})
	}
	for _, a := range s.deps.Areas {
		d.Areas = append(d.Areas, option{a.Code, p.Area(a.Code), false})
	}
	for _, sv := range report.Severities {
		d.Severities = append(d.Severities, option{string(sv), p.Severity(sv), sv == report.SeverityWarning})
	}
	for _, l := range report.Languages {
		d.Languages = append(d.Languages, option{l, p.LangName(l), l == p.Lang})
	}
	p.Scripts = []string{"subscribe.js"}
	p.Data = d
	s.render(c, http.StatusOK, "subscribe", p)
}
