package moderation

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

const auditPageSize = 100

type auditData struct {
	Entries []auditRow
	Actions []auditChoice
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
	lang := pageLanguage(c)
	d := auditData{Actor: strings.TrimSpace(c.Query("actor")), Action: c.Query("action"),
		From: c.Query("from"), To: c.Query("to"), Page: pageNumber(c)}
	f := store.AuditFilter{Actor: d.Actor, Skip: (d.Page - 1) * auditPageSize, Limit: auditPageSize + 1}
	for _, a := range AuditActions {
		d.Actions = append(d.Actions, auditChoice{Code: a, Label: auditAction(lang, a)})
		if a == d.Action {
			f.Action = a
		}
	}
	// Days in the organisation's zone, the one the page shows each entry's time in.
	if d.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, d.From, s.loc)
		if err != nil {
			d.Error = catalog.Text(lang, "error.audit_dates")
		}
		f.From = t
	}
	if d.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, d.To, s.loc)
		if err != nil {
			d.Error = catalog.Text(lang, "error.audit_dates")
		}
		f.To = t.AddDate(0, 0, 1) // the whole of the last day, whatever its length
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
	for _, e := range entries {
		d.Entries = append(d.Entries, auditRow{AuditEntry: e, ActionLabel: auditAction(lang, e.Action), DetailLabel: auditDetail(lang, e.Action, e.Detail)})
	}
	s.render(c, status, "audit", "audit.title", d)
}

// auditChoice is one action the filter offers.
type auditChoice struct{ Code, Label string }

// auditRow is an entry as the page shows it: the record as stored, its action and detail in
// the page's language.
type auditRow struct {
	store.AuditEntry
	ActionLabel, DetailLabel string
}

// auditAction names an action in lang. An action no catalog entry names (one a later version
// wrote, say) shows as its code, so no entry is hidden.
func auditAction(lang, action string) string {
	if key := "audit.action." + action; catalog.Has(key) {
		return catalog.Text(lang, key)
	}
	return action
}

// auditWords are the details recorded as a plain word or phrase, with the catalog key that
// names each (audit.word.…).
var auditWords = map[string]string{
	"refused": "refused", "unknown account": "unknown_account", "password": "password", "code": "code",
	"edited": "edited", "repushed": "repushed",
}

// auditFields are the details recorded as name=value: each name is labelled (audit.field.…)
// and its value read by the function, which labels codes and leaves free values (an id, a
// date, a count) as recorded.
var auditFields = map[string]func(lang, v string) string{
	"reason": func(lang, v string) string { return labelOr(lang, "audit.reason."+v, v) },
	"question": func(lang, v string) string {
		if v == "" {
			return catalog.Text(lang, "audit.question.own") // the moderator's own words, not kept here
		}
		return labelOr(lang, "choice."+v, v)
	},
	"role":    func(lang, v string) string { return labelOr(lang, "role."+v, v) },
	"alert":   func(_, v string) string { return v },
	"until":   func(_, v string) string { return v },
	"reports": func(_, v string) string { return v },
}

// auditDetail reads an entry's detail in lang. The records keep codes so that old entries
// read in any language; whatever is not a known code shows as recorded.
func auditDetail(lang, action, detail string) string {
	if action == ActionStaffEntered {
		return report.KindLabel(lang, report.Kind(detail))
	}
	if key, ok := auditWords[detail]; ok {
		return catalog.Text(lang, "audit.word."+key)
	}
	name, value, ok := strings.Cut(detail, "=")
	if read := auditFields[name]; ok && read != nil {
		return catalog.Text(lang, "audit.field."+name) + ": " + read(lang, value)
	}
	return detail
}

// labelOr is the catalog's text for key, or fallback when the catalog has no such key.
func labelOr(lang, key, fallback string) string {
	if catalog.Has(key) {
		return catalog.Text(lang, key)
	}
	return fallback
}
