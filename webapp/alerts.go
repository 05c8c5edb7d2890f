package webapp

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
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
	kind, area := s.filterQuery(c)
	f := store.AlertFilter{Kind: kind, Area: area, Limit: alertsPerPage + 1}
	d := alertsData{Updated: p.Now, Kind: string(kind), Area: area}
	if t, id, ok := intake.DecodeCursor(c.Query("cursor")); ok {
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
		d.NextURL = p.URL(alertsQuery("/alerts", d.Kind, d.Area, intake.EncodeCursor(last.Published, last.ID)))
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

// filterQuery reads the kind and area filters of the alert pages. A value that is not a known
// code is ignored rather than refused (the JSON API refuses it): these are forms a person uses,
// and showing every alert is a better answer than an error page.
func (s *Site) filterQuery(c *gin.Context) (report.Kind, string) {
	kind := report.Kind(c.Query("kind"))
	if !kind.Valid() {
		kind = ""
	}
	area := c.Query("area")
	if !report.KnownArea(s.deps.Areas, area) {
		area = ""
	}
	return kind, area
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
	p.Title = p.Text(*a).Title
	p.Data = alertData{Alert: *a}
	if !a.Expires.After(p.Now) {
		// Past its expiry but not yet swept: shown, but never from or into the cache.
		s.render(c, http.StatusOK, "alert", p)
		return
	}
	s.renderCached(c, http.StatusOK, "alert", p, *a)
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
	s.renderCached(c, http.StatusOK, "home", p, alerts)
}

func (s *Site) showAbout(c *gin.Context) {
	p := s.newPage(c, "about.title")
	s.render(c, http.StatusOK, "about", p)
}
