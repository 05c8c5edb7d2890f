package webapp

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
)

// renderLimitedForm answers a report the per-address limit refused (only reports sent without
// the anti-spam check, e.g. JavaScript off, have one): 429 with Retry-After, and the form again
// with everything the person typed, when to send it, and whom to contact if it cannot wait.
// An error page would lose the report of someone who may not be able to come back.
func (s *Site) renderLimitedForm(c *gin.Context, p *page, kind report.Kind, form url.Values, le *intake.RateLimitedError) {
	c.Header("Retry-After", itoa(le.Seconds()))
	msg := p.T("report.error.limited", waitWords(p, le.Retry)) + " " + s.limitedContact(p)
	s.renderReportForm(c, http.StatusTooManyRequests, p, kind, form, nil, msg)
}

// waitWords says a wait the way a person would: "in about 10 minutes", never to the second.
func waitWords(p *page, d time.Duration) string {
	mins := int((d + time.Minute - 1) / time.Minute)
	switch {
	case mins <= 1:
		return p.T("wait.minute")
	case mins < 10:
		return p.T("wait.minutes", mins)
	case mins < 55:
		return p.T("wait.minutes", (mins+4)/5*5) // to the next five minutes
	case mins < 90:
		return p.T("wait.hour")
	}
	return p.T("wait.hours", (mins+30)/60)
}

// limitedContact is whom to reach if the report cannot wait: the organisation of the resources
// file with a way to reach it, or else a sentence that names no one the service cannot vouch for.
func (s *Site) limitedContact(p *page) string {
	if rs := s.deps.Resources; rs != nil {
		if o := rs.In(p.Lang).Organisation; o != nil {
			name := o.Name
			if name == "" {
				name = p.SiteName()
			}
			for _, way := range []string{o.Phone, o.Text, o.Email, o.URL} {
				if way != "" {
					return p.T("report.error.limited_contact", name, way)
				}
			}
		}
	}
	return p.T("report.error.limited_neutral", p.SiteName())
}
