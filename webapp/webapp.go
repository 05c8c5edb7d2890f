// Package webapp is the public site: the pages people use to report, read alerts, check a
// number, subscribe to pushes and learn what the service keeps. Pages are rendered on the
// server with html/template and work with JavaScript off; the little JavaScript there is
// (quick exit, proof of work, push, offline) only adds to them. Templates, translations and
// static files are embedded, so the binary is the whole site.
package webapp

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/i18n"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/resources"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/ui"
	"github.com/headsup/headsup/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Deps is what the site needs from the wiring function.
type Deps struct {
	Store store.Store
	// Intake is the reporters' and readers' use cases, shared with the JSON API so that the
	// forms and the API follow one set of rules and spend one set of limits.
	Intake         *intake.Service
	Areas          []report.Area
	SiteName       string
	ExitURL        string
	BaseURL        string
	VAPIDPublicKey string
	// RetentionDays is how long raw report text is kept after a decision, for the privacy notice.
	RetentionDays int
	// Posts limits the form posts that look something up (receipt, check) per client, keyed
	// like every other limit (web.ClientKey).
	Posts  *ratelimit.Limiter
	Logger *slog.Logger
	Now    func() time.Time

	// Resources is help nearby (HEADSUP_RESOURCES_FILE), shown on the receipt, alert, sheet
	// and about pages; nil shows the neutral default without any phone number.
	Resources *resources.Set
}

// Site holds the parsed templates, the catalogs and the static files of the public site.
type Site struct {
	deps      Deps
	log       *slog.Logger
	now       func() time.Time
	pages     map[string]*template.Template
	catalog   *i18n.Catalog
	assets    *ui.Assets
	sw        []byte            // the service worker with the asset list filled in
	manifests map[string][]byte // the web app manifest, encoded once per language
	rendered  *renderCache      // the alert and home pages as last rendered, for the surge
}

// pageNames are the templates, one per page; each is parsed with the layout.
var pageNames = []string{
	"home", "report", "receipt", "receipt-lookup", "receipt-withdraw", "alerts", "alert",
	"sheet", "check", "subscribe", "about", "error",
}

// New parses every template and prepares the static files. It fails only on a bug in the
// embedded files, which the tests catch.
func New(d Deps) (*Site, error) {
	if d.Store == nil || d.Intake == nil {
		return nil, errors.New("webapp: Store and Intake are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Areas == nil {
		d.Areas = d.Intake.Areas
	}
	if d.RetentionDays == 0 {
		d.RetentionDays = 30
	}
	if d.SiteName == "" {
		d.SiteName = "Heads Up"
	}
	s := &Site{deps: d, log: d.Logger, now: d.Now, pages: map[string]*template.Template{},
		rendered: newRenderCache(maxRendered)}
	var err error
	if s.catalog, err = loadCatalog(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.sw, err = s.buildServiceWorker(); err != nil {
		return nil, err
	}
	if s.manifests, err = s.buildManifests(); err != nil {
		return nil, err
	}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFS,
			"templates/layout.html", "templates/parts.html", "templates/help.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("webapp: parse %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// templateFuncs are small helpers; everything that needs the language is a method of page.
var templateFuncs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
}

// page is what every template gets: the language, the site's settings, and the page's data.
type page struct {
	site     *Site
	Lang     string
	explicit bool // the language came from ?lang=, so links carry it on
	Path     string
	Title    string // already translated
	// GET pages remember the visitor's language choice in script and offer the language
	// switch. Pages rendered from a POST (a receipt code shown once, a form with what someone
	// typed) have neither: a reload or a switch there would lose what is on the screen.
	Remember bool
	// Scripts are extra script files (logical names) this page needs after app.js.
	Scripts []string
	Data    any
	Now     time.Time
}

func (s *Site) newPage(c *gin.Context, titleKey string) *page {
	p := &page{site: s, Path: c.Request.URL.Path, Now: s.now(), Remember: c.Request.Method == http.MethodGet}
	p.Lang, p.explicit = web.Language(c)
	if titleKey != "" {
		p.Title = p.T(titleKey)
	}
	return p
}

// T translates a catalog key; with arguments the text is a fmt format.
func (p *page) T(key string, args ...any) string { return p.site.catalog.Text(p.Lang, key, args...) }

// SiteName is the configured, possibly neutral, name of the service.
func (p *page) SiteName() string { return p.site.deps.SiteName }

// ExitURL is where the quick exit goes.
func (p *page) ExitURL() string { return p.site.deps.ExitURL }

// Asset is the checksummed URL of a static file.
func (p *page) Asset(name string) string { return p.site.assets.URL(name) }

// URL is a link to a page of the site, carrying the language on when the visitor chose one.
func (p *page) URL(path string) string {
	if !p.explicit {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "lang=" + p.Lang
}

// LangURL is this page in another language, for the language switch.
func (p *page) LangURL(lang string) string { return p.Path + "?lang=" + lang }

// OtherLang is the language the switch offers: the next one, so that with more than two
// the switch walks through them all.
func (p *page) OtherLang() string {
	langs := report.Languages
	for i, l := range langs {
		if l == p.Lang {
			return langs[(i+1)%len(langs)]
		}
	}
	return langs[0]
}

// LangName is a language's name in that language, as a language switch must show it.
func (p *page) LangName(lang string) string { return report.LanguageName(lang) }

// Current marks the navigation link of the page being shown.
func (p *page) Current(path string) bool { return p.Path == path }

// Date is a calendar day in words, in the page's language.
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatDate(p.site.catalog, p.Lang, t)
}

// DateTime is a moment in words with the UTC time; the script shows it in local time.
func (p *page) DateTime(t time.Time) string {
	return formatDate(p.site.catalog, p.Lang, t.UTC()) + ", " + t.UTC().Format("15:04") + " UTC"
}

// ISO is a machine-readable time for <time datetime>.
func (p *page) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Kind, Severity, Area and TimeBand label codes in the page's language.
func (p *page) Kind(k report.Kind) string         { return report.KindLabel(p.Lang, k) }
func (p *page) Severity(s report.Severity) string { return report.SeverityLabel(p.Lang, s) }
func (p *page) Area(code string) string           { return report.AreaName(p.site.deps.Areas, p.Lang, code) }
func (p *page) TimeBand(code string) string       { return report.TimeBandLabel(p.Lang, code) }
func (p *page) Status(st report.Status) string    { return report.StatusLabel(p.Lang, st) }
func (p *page) IdentifierType(typ string) string  { return report.OptionLabel(p.Lang, "type", typ) }
func (p *page) Areas(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = p.Area(c)
	}
	return strings.Join(names, ", ")
}

// render writes a page through the layout. The template runs into a buffer first, so a
// template error becomes a clean 500 rather than half a page.
func (s *Site) render(c *gin.Context, status int, name string, p *page) {
	body, ok := s.execute(c, name, p)
	if !ok {
		return
	}
	s.writePage(c, status, body, nil)
}

// execute runs a page's template into a buffer; on failure it has answered 500 already.
func (s *Site) execute(c *gin.Context, name string, p *page) ([]byte, bool) {
	var buf bytes.Buffer
	t := s.pages[name]
	if t == nil {
		s.log.Error("no such page template", "page", name)
		c.String(http.StatusInternalServerError, "internal error\n")
		return nil, false
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error\n")
		return nil, false
	}
	return buf.Bytes(), true
}

// writePage sends a rendered page; gz is ui.Compress(body) when the caller kept it, or nil to
// compress here if the client accepts gzip. Either way the headers and bytes are the same.
func (s *Site) writePage(c *gin.Context, status int, body, gz []byte) {
	h := c.Writer.Header()
	h.Set("Vary", "Accept-Language, Accept-Encoding")
	if h.Get("Cache-Control") == "" {
		// Pages show live alerts and are per language; the browser may keep them but must ask.
		h.Set("Cache-Control", "no-cache")
	}
	ui.WriteCompressed(c.Writer, c.Request, status, "text/html; charset=utf-8", body, gz)
}

// fail shows the error page for err: a database outage is a 503 with Retry-After, anything
// else unexpected a 500 logged once here, never with anything from the request.
func (s *Site) fail(c *gin.Context, p *page, err error) {
	status, key := http.StatusInternalServerError, "error.internal"
	if errors.Is(err, store.ErrUnavailable) {
		status, key = http.StatusServiceUnavailable, "error.unavailable"
		c.Header("Retry-After", "30")
		s.log.Warn("database unavailable", "route", c.FullPath(), "err", err)
	} else {
		s.log.Error("page failed", "route", c.FullPath(), "err", err)
	}
	s.showError(c, p, status, key)
}

// showError renders the error page with a message from the catalog.
func (s *Site) showError(c *gin.Context, p *page, status int, key string) {
	if p == nil {
		p = s.newPage(c, "")
	}
	p.Title = p.T(key + ".title")
	p.Data = errorData{Key: key}
	s.render(c, status, "error", p)
}

// errorData is what the error page says: a catalog key with .title and .body texts.
type errorData struct {
	Key  string
	Wait string // when to try again, in words (waitWords), for rate_limited
}

// NotFound is the site's 404 page for any unknown path outside /api/.
func (s *Site) NotFound(c *gin.Context) {
	s.showError(c, nil, http.StatusNotFound, "error.not_found")
}

func itoa(n int) string { return strconv.Itoa(n) }

// templateSources returns every template's text, for the test that checks each catalog key a
// template uses exists.
func templateSources() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(path)
		out[path] = string(b)
		return err
	})
	return out, err
}

// Explicit reports whether the visitor chose the language with ?lang=, so that GET forms
// carry it on.
func (p *page) Explicit() bool { return p.explicit }

// RetentionDays is what the privacy notice promises about raw report text.
func (p *page) RetentionDays() int { return p.site.deps.RetentionDays }

// SiteURL is the public address of the site, printed on the sheet.
func (p *page) SiteURL() string { return p.site.deps.BaseURL }

// withData lets a shared template reach the page (for translations) and a value, and know at
// which heading level it sits.
type withData struct {
	P *page
	V any
	H int
}

// With pairs a value with the page for a shared template; level is the heading level.
func (p *page) With(v any, level ...int) withData {
	h := 2
	if len(level) > 0 {
		h = level[0]
	}
	return withData{P: p, V: v, H: h}
}

// excerptRunes is how much of an alert's text a list shows before "read more".
const excerptRunes = 280

// Excerpt shortens an alert's text for lists, at a word boundary.
func (p *page) Excerpt(s string) string {
	r := []rune(s)
	if len(r) <= excerptRunes {
		return s
	}
	cut := string(r[:excerptRunes])
	if i := strings.LastIndexAny(cut, " \n"); i > excerptRunes/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:\n") + "…"
}

// Identifiers are the identifiers of an alert a moderator chose to show.
func (p *page) Identifiers(a report.Alert) []report.Identifier { return a.PublicIdentifiers() }
