package moderation

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/store"
)

const auditPageSize = 100

type auditData struct {
	Entries []store.AuditEntry
	Actions []string
	Actor   string
	Action  string
	From    string
	To      string
	Error   string
	Page    int
	PrevURL string
	NextURL string
}

// showAuditLog lists audit entries, newest first, filtered by actor, action and dates.
func (s *server) showAuditLog(c *gin.Context) {
	d := auditData{Actions: AuditActions, Actor: strings.TrimSpace(c.Query("actor")), Action: c.Query("action"),
		From: c.Query("from"), To: c.Query("to"), Page: pageNumber(c)}
	f := store.AuditFilter{Actor: d.Actor, Skip: (d.Page - 1) * auditPageSize, Limit: auditPageSize + 1}
	for _, a := range AuditActions {
		if a == d.Action {
			f.Action = a
		}
	}
	if d.From != "" {
		t, err := time.Parse(time.DateOnly, d.From)
		if err != nil {
			d.Error = catalog.Text(pageLanguage(c), "error.audit_dates")
		}
		f.From = t
	}
	if d.To != "" {
		t, err := time.Parse(time.DateOnly, d.To)
		if err != nil {
			d.Error = catalog.Text(pageLanguage(c), "error.audit_dates")
		}
		f.To = t.Add(24 * time.Hour) // the whole of the last day
	}
	status := http.StatusOK
	if d.Error != "" {
		status = http.StatusBadRequest
		f.From, f.To = time.Time{}, time.Time{}
	}
	entries, err := s.store.AuditLog(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	link := func(page int) string {
		q := url.Values{}
		for k, v := range map[string]string{"actor": d.Actor, "action": f.Action, "from": d.From, "to": d.To} {
			if v != "" {
				q.Set(k, v)
			}
		}
		q.Set("page", strconv.Itoa(page))
		return "/moderation/admin/audit?" + q.Encode()
	}
	if len(entries) > auditPageSize {
		entries, d.NextURL = entries[:auditPageSize], link(d.Page+1)
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	d.Entries = entries
	s.render(c, status, "audit", "audit.title", d)
}
