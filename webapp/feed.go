package webapp

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/store"
)

// feedEntries is how many alerts the feed carries; readers poll, so the newest are enough.
const feedEntries = 50

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
}

// showFeed is the Atom feed of published alerts, filtered like the list (kind, area) and in
// the language asked for. Links are absolute, from HEADSUP_BASE_URL, as feed readers need.
func (s *Site) showFeed(c *gin.Context) {
	p := s.newPage(c, "feed.title")
	kind, area := s.filterQuery(c)
	alerts, err := s.deps.Store.PublishedAlerts(c.Request.Context(), store.AlertFilter{Kind: kind, Area: area, Limit: feedEntries})
	if err != nil {
		s.fail(c, p, err)
		return
	}
	base := s.deps.BaseURL
	feed := atomFeed{
		Lang:    p.Lang,
		ID:      base + "/alerts.atom",
		Title:   p.SiteName() + ": " + p.T("feed.title"),
		Updated: p.Now.UTC().Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + "/alerts.atom"},
			{Rel: "alternate", Type: "text/html", Href: base + p.URL("/alerts")},
		},
		Author: atomAuthor{Name: p.SiteName()},
	}
	var latest time.Time
	for _, a := range alerts {
		updated := a.Updated
		if updated.IsZero() {
			updated = a.Published
		}
		if updated.After(latest) {
			latest = updated
		}
		// Each entry's id stays the same across edits; the version is in updated.
		text := p.Text(a)
		summary := []string{p.Kind(a.Kind) + " · " + p.Severity(a.Severity) + " · " + p.Areas(a.Areas) + " · " + p.Date(a.IncidentDay)}
		if text.Note != "" {
			summary = append(summary, text.Note+":")
		}
		summary = append(summary, text.Body)
		// The description block, one "Label: value" line each, as on the alert page.
		var lines []string
		for _, l := range p.Details(a) {
			lines = append(lines, l.Label+": "+l.Value)
		}
		if len(lines) > 0 {
			summary = append(summary, strings.Join(lines, "\n"))
		}
		for _, id := range a.PublicIdentifiers() {
			summary = append(summary, p.IdentifierType(id.Type)+": "+id.Display())
		}
		feed.Entries = append(feed.Entries, atomEntry{
			ID:        base + "/alerts/" + a.ID,
			Title:     text.Title,
			Published: a.Published.UTC().Format(time.RFC3339),
			Updated:   updated.UTC().Format(time.RFC3339),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: base + p.URL("/alerts/"+a.ID)}},
			Categories: []atomCategory{
				{Term: string(a.Kind), Label: p.Kind(a.Kind)},
				{Term: string(a.Severity), Label: p.Severity(a.Severity)},
			},
			Summary: atomText{Type: "text", Text: strings.Join(summary, "\n\n")},
		})
	}
	if !latest.IsZero() {
		feed.Updated = latest.UTC().Format(time.RFC3339)
	}
	out, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		s.fail(c, p, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Header("Vary", "Accept-Language, Accept-Encoding")
	writeBody(c, http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), out...))
}
