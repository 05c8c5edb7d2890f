package webapp

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// alertsPerPage keeps a page of alerts well under the 30 KB budget on a slow connection.
const alertsPerPage = 20

type option struct {
	Code     string
	Label    string
	Selected bool
}

type alertsData struct {
	Alerts   []report.Alert
	Kinds    []option
	Areas    []option
	Kind     string
	Area     string
	NextURL  string
	FirstURL string
	Updated  time.Time
}

func (s *Site) listAlerts(c *gin.Context) {
	p := s.newPage(c, "alerts.title")
	f := store.AlertFilter{Limit: alertsPerPage + 1}
	d := alertsData{Updated: p.Now}
	// A filter value that is not a known code is ignored rather than refused: this is a form a
	// person uses, and showing every alert is a better answer than an error page.
	if k := report.Kind(c.Query("kind")); k.Valid() {
		f.Kind, d.Kind = k, string(k)
	}
	if a := c.Query("area"); knownArea(s.deps.Areas, a) {
		f.Area, d.Area = a, a
	}
	if t, id, ok := decodeCursor(c.Query("cursor")); ok {
		f.AfterPublished, f.AfterID = t, id
		d.FirstURL = p.URL(alertsQuery("/alerts", d.Kind, d.Area, ""))
	}
	alerts, err := s.deps.Store.PublishedAlerts(c.Request.Context(), f)
	if err != nil {
		s.fail(c, p, err)
		return
	}
	if len(alerts) > alertsPerPage {
		last := alerts[alertsPerPage-1]
		alerts = alerts[:alertsPerPage]
		d.NextURL = p.URL(alertsQuery("/alerts", d.Kind, d.Area, encodeCursor(last.Published, last.ID)))
	}
	d.Alerts = alerts
	for _, k := range report.Kinds {
		d.Kinds = append(d.Kinds, option{string(k), p.Kind(k), d.Kind == string(k)})
	}
	for _, a := range s.deps.Areas {
		d.Areas = append(d.Areas, option{a.Code, p.Area(a.Code), d.Area == a.Code})
	}
	p.Data = d
	s.render(c, http.StatusOK, "alerts", p)
}

func alertsQuery(path, kind, area, cursor string) string {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	if area != "" {
		q.Set("area", area)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func knownArea(areas []report.Area, code string) bool {
	for _, a := range areas {
		if a.Code == code {
			return true
		}
	}
	return false
}

// Cursors are the publish time and id of the last alert shown, opaque to the visitor.
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMilli(), 10) + "." + id))
}

func decodeCursor(s string) (time.Time, string, bool) {
	if s == "" || len(s) > 100 {
		return time.Time{}, "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	ms, id, ok := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || !report.ValidID(id) {
		return time.Time{}, "", false
	}
	return time.UnixMilli(n).UTC(), id, true
}

type alertData struct {
	Alert report.Alert
	Gone  bool // retracted by the moderators
}

func (s *Site) showAlert(c *gin.Context) {
	p := s.newPage(c, "alert.title")
	id := c.Param("id")
	if !report.ValidID(id) {
		s.NotFound(c)
		return
	}
	a, err := s.deps.Store.Alert(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.NotFound(c)
		return
	}
	if err != nil {
		s.fail(c, p, err)
		return
	}
	if a.Status != report.AlertPublished {
		// Say it was withdrawn rather than "not found": someone holding an old push or a
		// printed sheet should learn that the warning no longer stands.
		p.Title = p.T("alert.retracted.title")
		p.Data = alertData{Gone: true}
		s.render(c, http.StatusGone, "alert", p)
		return
	}
	p.Title = a.Title
	p.Data = alertData{Alert: *a}
	s.render(c, http.StatusOK, "alert", p)
}

// homeData is the front page: the latest alerts under the two report buttons.
type homeData struct {
	Alerts []report.Alert
}

// homeAlerts is how many alerts the front page lists before "all alerts".
const homeAlerts = 5

func (s *Site) showHome(c *gin.Context) {
	p := s.newPage(c, "")
	p.Title = p.SiteName()
	alerts, err := s.deps.Store.PublishedAlerts(c.Request.Context(), store.AlertFilter{Limit: homeAlerts})
	if err != nil {
		s.fail(c, p, err)
		return
	}
	p.Data = homeData{Alerts: alerts}
	s.render(c, http.StatusOK, "home", p)
}

func (s *Site) showAbout(c *gin.Context) {
	p := s.newPage(c, "about.title")
	s.render(c, http.StatusOK, "about", p)
}
