package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// alertsAPI serves published alerts.
type alertsAPI struct {
	store   store.Alerts
	areas   []report.Area
	baseURL string
}

// AlertView is an alert as the public sees it: identifiers only where a moderator chose to
// show them.
type AlertView struct {
	ID          string              `json:"id"`
	Version     int                 `json:"version"`
	Kind        report.Kind         `json:"kind"`
	Severity    report.Severity     `json:"severity"`
	Title       string              `json:"title"`
	Body        string              `json:"body"`
	Areas       []string            `json:"areas"`
	IncidentDay string              `json:"incident_day"`
	TimeBand    string              `json:"time_band,omitempty"`
	Published   time.Time           `json:"published"`
	Updated     time.Time           `json:"updated"`
	Expires     time.Time           `json:"expires"`
	ReportCount int                 `json:"report_count"`
	Identifiers []report.Identifier `json:"identifiers,omitempty"`
	URL         string              `json:"url"`
	// Details is the alert's description (what happened, the aggressor, the batch): each
	// part's field and option codes for programs, and its label and value in the language
	// asked for (?lang= or Accept-Language) for people.
	Details []DetailView `json:"details,omitempty"`
	// Texts are the title and body in each language a moderator wrote; Title and Body above
	// are the primary one.
	Texts []report.Translation `json:"texts,omitempty"`
}

// DetailView is one part of an alert's description.
type DetailView struct {
	Field string   `json:"field"`
	Codes []string `json:"codes,omitempty"`
	Label string   `json:"label"`
	Value string   `json:"value"`
}

// NewAlertView converts an alert for public output, with its description labelled in lang.
func NewAlertView(a *report.Alert, baseURL, lang string) AlertView {
	v := AlertView{
		ID: a.ID, Version: a.Version, Kind: a.Kind, Severity: a.Severity, Title: a.Title, Body: a.Body,
		Areas: a.Areas, IncidentDay: a.IncidentDay.Format(time.DateOnly), TimeBand: a.TimeBand,
		Published: a.Published, Updated: a.Updated, Expires: a.Expires, ReportCount: a.ReportCount,
		Identifiers: a.PublicIdentifiers(), URL: baseURL + "/alerts/" + a.ID, Texts: a.Texts,
	}
	for _, d := range a.Details {
		// One part at a time, so that each line keeps its codes; parts DescribeDetails skips
		// (an unknown field, nothing left to show) are skipped here too.
		for _, line := range report.DescribeDetails(lang, a.Kind, []report.Detail{d}) {
			var codes []string
			if len(d.Codes) > 0 {
				codes = d.Codes
			}
			v.Details = append(v.Details, DetailView{Field: line.Field, Codes: codes, Label: line.Label, Value: line.Value})
		}
	}
	return v
}

type alertList struct {
	Alerts []AlertView `json:"alerts"`
	Next   string      `json:"next,omitempty"`
}

func (h *alertsAPI) listAlerts(c *gin.Context) {
	f, err := parseAlertFilter(c, h.areas)
	if err != nil {
		writeError(c, err)
		return
	}
	limit := f.Limit
	f.Limit++ // one more than asked tells whether there is a next page
	alerts, err := h.store.PublishedAlerts(c.Request.Context(), f)
	if err != nil {
		writeError(c, err)
		return
	}
	out := alertList{Alerts: []AlertView{}}
	if len(alerts) > limit {
		alerts = alerts[:limit]
		last := alerts[limit-1]
		out.Next = intake.EncodeCursor(last.Published, last.ID)
	}
	lang := language(c)
	for i := range alerts {
		out.Alerts = append(out.Alerts, NewAlertView(&alerts[i], h.baseURL, lang))
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, out)
}

func parseAlertFilter(c *gin.Context, areas []report.Area) (store.AlertFilter, error) {
	f := store.AlertFilter{Limit: 20}
	bad := func(field, msg string) error {
		return &Error{errBadQuery.Status, errBadQuery.Code, "The " + field + " parameter " + msg}
	}
	if k := c.Query("kind"); k != "" {
		if !report.Kind(k).Valid() {
			return f, bad("kind", "must be bad_date or drug_alert.")
		}
		f.Kind = report.Kind(k)
	}
	if a := c.Query("area"); a != "" {
		if !report.KnownArea(areas, a) {
			return f, bad("area", "is not one of the areas listed in /api/v1/meta.")
		}
		f.Area = a
	}
	if s := c.Query("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, s); err != nil {
				return f, bad("since", "must be a date like 2026-11-20 or a time like 2026-11-20T18:00:00Z.")
			}
		}
		f.Since = t
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return f, bad("limit", "must be a number from 1 to 100.")
		}
		f.Limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		t, id, ok := intake.DecodeCursor(cur)
		if !ok {
			return f, bad("cursor", "is not one this API gave out.")
		}
		f.AfterPublished, f.AfterID = t, id
	}
	return f, nil
}

func (h *alertsAPI) showAlert(c *gin.Context) {
	id := c.Param("id")
	if !report.ValidID(id) {
		writeError(c, errNotFound)
		return
	}
	a, err := h.store.Alert(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	if a.Status != report.AlertPublished {
		writeError(c, &Error{http.StatusGone, "retracted", "This alert was withdrawn by the moderators."})
		return
	}
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, NewAlertView(a, h.baseURL, language(c)))
}
