package moderation

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

const alertsPageSize = 25

type alertsData struct {
	List   string
	Lists  []string
	Alerts []report.Alert
	Page   int
	Prev   int
	Next   int
}

// listAlerts shows active, expired or retracted alerts.
func (s *server) listAlerts(c *gin.Context) {
	list := c.DefaultQuery("list", store.AlertsActive)
	if list != store.AlertsActive && list != store.AlertsExpired && list != store.AlertsRetracted {
		list = store.AlertsActive
	}
	d := alertsData{List: list, Lists: []string{store.AlertsActive, store.AlertsExpired, store.AlertsRetracted}, Page: pageNumber(c)}
	alerts, err := s.store.ModerationAlerts(c.Request.Context(), list, "", (d.Page-1)*alertsPageSize, alertsPageSize+1)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(alerts) > alertsPageSize {
		alerts, d.Next = alerts[:alertsPageSize], d.Page+1
	}
	if d.Page > 1 {
		d.Prev = d.Page - 1
	}
	d.Alerts = alerts
	s.render(c, http.StatusOK, "alerts", "alerts.title", d)
}

// Progress is one delivery job as the alert page shows it.
type Progress struct {
	Version    int              `json:"version"`
	Retraction bool             `json:"retraction"`
	State      string           `json:"state"`
	Counters   map[string]int64 `json:"counters"`
}

// counterFields are the per-job counters the push dispatcher keeps; the page shows those the
// Delivery type has. Total is -1 while the dispatcher does not know it yet.
var counterFields = []string{"Total", "Queued", "Sent", "Retrying", "Gone", "Failed"}

// deliveryProgress reads the counters by name, so the page follows the dispatcher's fields
// without this package changing in step with it.
func deliveryProgress(ds []store.Delivery) []Progress {
	out := make([]Progress, 0, len(ds))
	for _, d := range ds {
		p := Progress{Version: d.AlertVersion, Retraction: d.Retraction, State: d.State, Counters: map[string]int64{}}
		v := reflect.ValueOf(d)
		for _, name := range counterFields {
			f := v.FieldByName(name)
			if !f.IsValid() {
				continue
			}
			switch f.Kind() {
			case reflect.Int, reflect.Int32, reflect.Int64:
				p.Counters[lowerFirst(name)] = f.Int()
			case reflect.Uint, reflect.Uint32, reflect.Uint64:
				p.Counters[lowerFirst(name)] = int64(f.Uint())
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out
}

func lowerFirst(s string) string { return string(s[0]+'a'-'A') + s[1:] }

type alertData struct {
	Alert      *report.Alert
	Expired    bool
	Progress   []Progress
	Counters   []string
	Form       approveForm
	Severities []report.Severity
	Errors     map[string]string
	Action     string
	Repush     bool
	MinExpiry  string
	MaxExpiry  string
	PublicURL  string
	// Texts are the alert's stored texts, each with its language's name; Described its
	// details as readers see them in the page's language.
	Texts     []textForm
	Described []report.DetailLine
}

func (s *server) loadAlert(c *gin.Context) (*report.Alert, bool) {
	return loadByID(s, c, s.store.Alert)
}

// loadByID fetches what the URL's :id names with get, or answers 404 (or the error page) and
// returns false.
func loadByID[T any](s *server, c *gin.Context, get func(context.Context, string) (*T, error)) (*T, bool) {
	id := c.Param("id")
	if !report.ValidID(id) {
		s.notFound(c)
		return nil, false
	}
	v, err := get(c.Request.Context(), id)
	if s.failedLookup(c, err) {
		return nil, false
	}
	return v, true
}

func (s *server) alertData(c *gin.Context, a *report.Alert) (*alertData, error) {
	ds, err := s.store.DeliveriesForAlert(c.Request.Context(), a.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &alertData{
		Alert:    a,
		Expired:  a.Status == report.AlertPublished && !a.Expires.After(now),
		Progress: deliveryProgress(ds), Severities: report.Severities, Errors: map[string]string{},
		Form:      s.alertForm(pageLanguage(c), a),
		PublicURL: s.baseURL + "/alerts/" + a.ID,
	}
	d.MinExpiry, d.MaxExpiry = s.expiryBounds(now)
	for _, t := range a.Texts {
		d.Texts = append(d.Texts, textForm{Lang: t.Lang, Name: languageName(t.Lang), Title: t.Title, Body: t.Body})
	}
	d.Described = report.DescribeDetails(pageLanguage(c), a.Kind, a.Details)
	seen := map[string]bool{}
	for _, p := range d.Progress {
		for k := range p.Counters {
			seen[k] = true
		}
	}
	for _, name := range counterFields {
		if seen[lowerFirst(name)] {
			d.Counters = append(d.Counters, lowerFirst(name))
		}
	}
	return d, nil
}

// failedAction answers a publishing error no more specific message covers: the alert is gone
// (not found), or the action failed. It returns false for no error.
func (s *server) failedAction(c *gin.Context, err error) bool {
	if errors.Is(err, publishing.ErrNotFound) {
		s.notFound(c)
		return true
	}
	return s.failedLookup(c, err)
}

// showAlert shows an alert with its delivery progress and the forms to change it.
func (s *server) showAlert(c *gin.Context) {
	a, ok := s.loadAlert(c)
	if !ok {
		return
	}
	s.alertPage(c, http.StatusOK, a, func(*alertData) {})
}

// alertPage renders an alert's page; adjust sets what this response shows differently, such
// as a refused form's values and errors.
func (s *server) alertPage(c *gin.Context, status int, a *report.Alert, adjust func(*alertData)) {
	d, err := s.alertData(c, a)
	if err != nil {
		s.fail(c, err)
		return
	}
	adjust(d)
	s.render(c, status, "alert", a.Title, d)
}

// alertProgress is the JSON the alert page polls for live delivery progress.
func (s *server) alertProgress(c *gin.Context) {
	id := c.Param("id")
	if !report.ValidID(id) {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not_found"})
		return
	}
	ds, err := s.store.DeliveriesForAlert(c.Request.Context(), id)
	if err != nil {
		s.log.Warn("read delivery progress", "err", err)
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, gin.H{"error": "unavailable"})
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"deliveries": deliveryProgress(ds)})
}

// editAlert saves a new version of an alert and, if asked, pushes it again.
func (s *server) editAlert(c *gin.Context) {
	a, ok := s.loadAlert(c)
	if !ok {
		return
	}
	// Details may be kept, edited or left out, not added: the alert does not point back to
	// the reports, so what it may say comes from what it already says.
	form, ch, errs := s.parseAlertForm(c, pageLanguage(c), a.Kind, a.Details)
	repush := c.PostForm("repush") == "1"
	if len(errs) > 0 {
		s.alertPage(c, http.StatusBadRequest, a, func(d *alertData) {
			d.Form, d.Errors, d.Action, d.Repush = form, errs, "edit", repush
		})
		return
	}
	// The version the form was loaded with: an edit of a stale page is refused, not merged.
	version, err := strconv.Atoi(c.PostForm("version"))
	if err != nil {
		version = a.Version
	}
	_, err = s.publishing.Edit(c.Request.Context(), me(c).Name, a.ID, version, ch, repush)
	if errors.Is(err, publishing.ErrConflict) {
		s.showMessage(c, http.StatusConflict, "message.alert_changed.heading", "message.alert_changed.text", "link.alert", "/moderation/alerts/"+a.ID)
		return
	}
	if s.failedAction(c, err) {
		return
	}
	done := "edited"
	if repush {
		done = "repushed"
	}
	c.Redirect(http.StatusSeeOther, "/moderation/alerts/"+a.ID+"?done="+done)
}

// confirmRetract is the confirmation step before a retraction, which cannot be undone.
func (s *server) confirmRetract(c *gin.Context) {
	a, ok := s.loadAlert(c)
	if !ok {
		return
	}
	if a.Status != report.AlertPublished {
		c.Redirect(http.StatusSeeOther, "/moderation/alerts/"+a.ID)
		return
	}
	s.render(c, http.StatusOK, "retract", "retract.title", a)
}

// retractAlert withdraws an alert from the public and pushes the retraction.
func (s *server) retractAlert(c *gin.Context) {
	a, ok := s.loadAlert(c)
	if !ok {
		return
	}
	_, err := s.publishing.Retract(c.Request.Context(), me(c).Name, a.ID)
	if errors.Is(err, publishing.ErrConflict) {
		c.Redirect(http.StatusSeeOther, "/moderation/alerts/"+a.ID) // already retracted: nothing to do
		return
	}
	if s.failedAction(c, err) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/moderation/alerts/"+a.ID+"?done=retracted")
}

// extendAlert changes when an alert expires.
func (s *server) extendAlert(c *gin.Context) {
	a, ok := s.loadAlert(c)
	if !ok {
		return
	}
	expires, msg := s.parseExpiry(c.PostForm("expires"))
	if msg != "" {
		s.alertPage(c, http.StatusBadRequest, a, func(d *alertData) {
			d.Errors["extend"], d.Action = msg.In(pageLanguage(c)), "extend"
		})
		return
	}
	_, err := s.publishing.Extend(c.Request.Context(), me(c).Name, a.ID, expires)
	if errors.Is(err, publishing.ErrConflict) {
		s.showMessage(c, http.StatusConflict, "message.alert_retracted.heading", "message.alert_retracted.text", "link.alert", "/moderation/alerts/"+a.ID)
		return
	}
	if s.failedAction(c, err) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/moderation/alerts/"+a.ID+"?done=extended")
}
