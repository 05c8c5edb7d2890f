package moderation

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/i18n"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/ui"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// The moderation pages' catalog, one JSON file per language in the format of package i18n.
// Adding a language is one file here (and one in each other catalog family). Labels of
// report fields, kinds and statuses come from report's catalog.
//
//go:embed translations/*.json
var translationFS embed.FS

var catalog = i18n.MustLoad(translationFS, "translations")

// assets are the stylesheet and scripts, served under content-hashed names by the toolkit's
// one asset pipeline, as the public site's are.
var assets = func() *ui.Assets {
	files, err := ui.ReadFiles(staticFS, "static")
	if err != nil {
		panic(err)
	}
	return ui.NewAssets("/moderation/static/", files)
}()

func serveStatic(c *gin.Context) {
	if !assets.Serve(c.Writer, c.Request, c.Param("name")) {
		c.String(http.StatusNotFound, "not found\n")
	}
}

// templateFuncs are the helpers that need no language (the ones that do are methods of page),
// bound to the organisation's time zone: moderators read every time as their own clock shows it.
func templateFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"static": assets.URL,
		// day is a calendar day stored as UTC midnight (submission, incident, follow-up days):
		// converting it to a zone west of UTC would show the day before.
		"day": fmtDay,
		// date is the day in the zone of an instant (a publication, a sign-in).
		"date": func(t time.Time) string { return zoned(t, loc, time.DateOnly) },
		"when": func(t time.Time) string { return zoned(t, loc, minuteLayout) },
		// until is an expiry, the end of a day in the zone: shown as the last minute of that day,
		// so that an expiry picked as 02/26 reads 02/26 and not 02/27 00:00.
		"until": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return zoned(t.Add(-time.Minute), loc, minuteLayout)
		},
		"contains": slices.Contains[[]string],
		"add":      func(a, b int) int { return a + b },
	}
}

// minuteLayout shows an instant to the minute with its zone's abbreviation.
const minuteLayout = "2006-01-02 15:04 MST"

// zoned formats t in loc, or a dash for no time.
func zoned(t time.Time, loc *time.Location, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format(layout)
}

// fmtDay formats a calendar day kept as UTC midnight.
func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.DateOnly)
}

// localDay is the date of t in loc, for date fields a moderator fills in.
func localDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// shared are the template files parsed with every page: the layout, and the form parts
// several pages use.
var shared = []string{"templates/layout.html", "templates/fields.html", "templates/compose.html", "templates/candidate.html"}

// parsePages maps each page's template file to its parsed set: the shared files plus the
// page, which defines the "content" block the layout calls. Each server parses its own, as the
// time helpers are bound to its zone.
func parsePages(loc *time.Location) map[string]*template.Template {
	funcs := templateFuncs(loc)
	out := map[string]*template.Template{}
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		file := "templates/" + e.Name()
		if slices.Contains(shared, file) {
			continue
		}
		out[strings.TrimSuffix(e.Name(), ".html")] = template.Must(template.New(e.Name()).Funcs(funcs).
			ParseFS(templateFS, append(slices.Clone(shared), file)...))
	}
	return out
}

// page is what every template gets: the layout's fields and the page's own Data.
type page struct {
	Title    string
	SiteName string
	Lang     string
	Me       *store.Moderator
	Notice   string
	Script   string
	Areas    []report.Area
	Data     any
}

// T translates a catalog key; with arguments the text is a fmt format.
func (p *page) T(key string, args ...any) string { return catalog.Text(p.Lang, key, args...) }

// TH is T for a text whose translation holds markup (<strong>, <mark>): the catalog is part
// of the binary and trusted, the arguments are escaped.
func (p *page) TH(key string, args ...any) template.HTML {
	for i, a := range args {
		switch a.(type) {
		case int, int64: // numbers need no escaping, and must stay numbers for %d
		default:
			args[i] = template.HTMLEscapeString(fmt.Sprint(a))
		}
	}
	return template.HTML(catalog.Text(p.Lang, key, args...)) // #nosec G203 -- trusted catalog, escaped arguments
}

// Kind, Severity, Status, TimeBand and Area label codes in the page's language.
func (p *page) Kind(k report.Kind) string         { return report.KindLabel(p.Lang, k) }
func (p *page) Severity(s report.Severity) string { return report.SeverityLabel(p.Lang, s) }
func (p *page) Status(s report.Status) string     { return report.StatusLabel(p.Lang, s) }
func (p *page) TimeBand(code string) string       { return report.TimeBandLabel(p.Lang, code) }
func (p *page) Area(code string) string           { return report.AreaName(p.Areas, p.Lang, code) }

// IDType names a kind of identifier (phone, plate, email) in lower case, for a sentence.
func (p *page) IDType(typ string) string {
	if typ == "identifier" {
		return p.T("linked.identifier")
	}
	return strings.ToLower(report.OptionLabel(p.Lang, "type", typ))
}

// IDTypes names several kinds of identifier, for "same phone number and plate".
func (p *page) IDTypes(types []string) string {
	names := make([]string, 0, len(types))
	for _, t := range types {
		names = append(names, p.IDType(t))
	}
	switch len(names) {
	case 0:
		return p.T("linked.identifier")
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + p.T("linked.and") + names[len(names)-1]
}

// DeliveryState names a delivery job's state; one this version does not know shows as its code.
func (p *page) DeliveryState(state string) string {
	if !catalog.Has("alert.state." + state) {
		return state
	}
	return p.T("alert.state." + state)
}

// Role names a moderator's role.
func (p *page) Role(role string) string { return p.T("role." + role) }

// Count is a delivery counter; a negative one was not counted.
func (p *page) Count(n int64) string {
	if n < 0 {
		return p.T("count.unknown")
	}
	return strconv.FormatInt(n, 10)
}

// withPage pairs a value with the page, for a shared template that must translate.
type withPage struct {
	P *page
	V any
}

// With pairs v with the page for a shared template.
func (p *page) With(v any) withPage { return withPage{P: p, V: v} }

// translated is a page title, given as a catalog key or as the page's own title (an alert's,
// which a moderator wrote).
func translated(lang, keyOrText string) string {
	if catalog.Has(keyOrText) {
		return catalog.Text(lang, keyOrText)
	}
	return keyOrText
}

// render writes a page; title is a catalog key, or the page's own title (an alert's). Pages
// are never cached: they hold raw reports and account details. The language is the
// browser's, as moderators have no setting for it.
func (s *server) render(c *gin.Context, status int, name, title string, data any) {
	lang := pageLanguage(c)
	p := &page{Title: translated(lang, title), SiteName: s.siteName, Lang: lang, Data: data, Areas: s.areas}
	// The navigation is only for a complete sign-in, not for a session between its steps.
	if sess, ok := c.Get(ctxSession); ok && sess.(*store.Session).Full {
		p.Me = me(c)
	}
	if done := c.Query("done"); done != "" && catalog.Has("notice."+done) {
		p.Notice = p.T("notice." + done)
	}
	if m, ok := data.(message); ok {
		m.Heading, m.Text = catalog.Text(lang, m.Heading), catalog.Text(lang, m.Text, m.args...)
		if m.Link != "" {
			m.Link = catalog.Text(lang, m.Link)
		}
		p.Data = m
	}
	if name == "alert" {
		p.Script = "progress.js"
	}
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := s.pages[name].ExecuteTemplate(c.Writer, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
	}
}

// notices are the confirmations shown after a redirect; the query carries a code, never
// text, and the catalog has a notice.<code> for each.
var notices = []string{
	"approved", "rejected", "merged", "asked", "released", "edited", "repushed", "retracted", "extended",
	"signedout", "enabled", "disabled",
}

// message is the data of the plain message page used for errors and refusals. Heading, Text
// and Link are catalog keys, translated by render into the page's language; args fill the
// text's fmt verbs.
type message struct {
	Heading string
	Text    string
	Link    string
	LinkTo  string
	args    []any
}

// showMessage answers with the message page; heading, text and link are catalog keys, and
// args fill text's verbs (a name, a status label), so that no sentence is put together here.
func (s *server) showMessage(c *gin.Context, status int, heading, text, link, linkTo string, args ...any) {
	s.render(c, status, "message", heading, message{Heading: heading, Text: text, Link: link, LinkTo: linkTo, args: args})
	c.Abort()
}

// fail answers an unexpected error: 503 when the database is down, 500 otherwise, logged
// once here without anything from the request.
func (s *server) fail(c *gin.Context, err error) {
	if isUnavailable(err) {
		s.log.Warn("database unavailable", "route", c.FullPath(), "err", err)
		c.Header("Retry-After", "30")
		s.showMessage(c, http.StatusServiceUnavailable, "message.unavailable.heading", "message.unavailable.text", "", "")
		return
	}
	s.log.Error("moderation request failed", "route", c.FullPath(), "err", err)
	s.showMessage(c, http.StatusInternalServerError, "message.internal.heading", "message.internal.text", "", "")
}

// failedLookup answers a store error met on what the URL names, if there is one: "not found"
// for a missing record, fail for anything else. It reports whether it answered.
func (s *server) failedLookup(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		s.notFound(c)
	default:
		s.fail(c, err)
	}
	return true
}

func (s *server) notFound(c *gin.Context) {
	s.showMessage(c, http.StatusNotFound, "message.not_found.heading", "message.not_found.text", "link.queue", "/moderation/queue")
}
