package moderation

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticFile is an embedded asset with its content hash, which goes into its URL so a browser
// may cache it for good and still get a changed file at once.
type staticFile struct {
	data    []byte
	version string
}

var staticFiles = func() map[string]staticFile {
	out := map[string]staticFile{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		data, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(data)
		out[e.Name()] = staticFile{data: data, version: hex.EncodeToString(sum[:6])}
	}
	return out
}()

func staticURL(name string) string {
	return "/moderation/static/" + name + "?v=" + staticFiles[name].version
}

func serveStatic(c *gin.Context) {
	name := c.Param("name")
	f, ok := staticFiles[name]
	if !ok {
		c.String(http.StatusNotFound, "not found\n")
		return
	}
	if c.Query("v") == f.version {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Data(http.StatusOK, mime.TypeByExtension(path.Ext(name)), f.data)
}

var funcs = template.FuncMap{
	"static": staticURL,
	"day":    func(t time.Time) string { return fmtDay(t) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"kindLabel":     func(k report.Kind) string { return report.KindLabel("en", k) },
	"severityLabel": func(s report.Severity) string { return report.SeverityLabel("en", s) },
	"statusLabel":   func(s report.Status) string { return report.StatusLabel("en", s) },
	"contains": func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"add": func(a, b int) int { return a + b },
	"count": func(n int64) string {
		if n < 0 {
			return "unknown"
		}
		return strconv.FormatInt(n, 10)
	},
}

func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.DateOnly)
}

// shared are the template files parsed with every page: the layout, and the form parts
// several pages use.
var shared = []string{"templates/layout.html", "templates/fields.html"}

// pages maps each page's template file to its parsed set: the shared files plus the page,
// which defines the "content" block the layout calls.
var pages = func() map[string]*template.Template {
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
}()

// page is what every template gets: the layout's fields and the page's own Data.
type page struct {
	Title    string
	SiteName string
	Me       *store.Moderator
	Notice   string
	Script   string
	Areas    []report.Area
	// AreaNames maps area codes to English names, for alerts' areas.
	AreaNames map[string]string
	Data      any
}

// render writes a page. Pages are never cached: they hold raw reports and account details.
func (s *server) render(c *gin.Context, status int, name, title string, data any) {
	p := page{Title: title, SiteName: s.siteName, Data: data, Areas: s.areas, AreaNames: s.areaNames}
	// The navigation is only for a complete sign-in, not for a session between its steps.
	if sess, ok := c.Get(ctxSession); ok && sess.(*store.Session).Full {
		p.Me = me(c)
	}
	if n := notices[c.Query("done")]; n != "" {
		p.Notice = n
	}
	if name == "alert" {
		p.Script = "progress.js"
	}
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := pages[name].ExecuteTemplate(c.Writer, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
	}
}

// notices are the confirmations shown after a redirect; the query carries a code, never text.
var notices = map[string]string{
	"approved":  "The alert was published and its push is queued.",
	"rejected":  "The report was rejected; the reporter will see your note on the receipt.",
	"merged":    "The report was merged into the alert.",
	"released":  "The report is back in the queue for anyone to take.",
	"edited":    "The alert was updated.",
	"repushed":  "The alert was updated and the new version is queued for push.",
	"retracted": "The alert was retracted; the retraction is queued for push.",
	"extended":  "The alert's expiry was changed.",
	"signedout": "You are signed out.",
	"enabled":   "The account was enabled.",
	"disabled":  "The account was disabled and its sessions ended.",
}

// message is the data of the plain message page used for errors and refusals.
type message struct {
	Heading string
	Text    string
	Link    string
	LinkTo  string
}

func (s *server) showMessage(c *gin.Context, status int, heading, text, link, linkTo string) {
	s.render(c, status, "message", heading, message{heading, text, link, linkTo})
	c.Abort()
}

// fail answers an unexpected error: 503 when the database is down, 500 otherwise, logged
// once here without anything from the request.
func (s *server) fail(c *gin.Context, err error) {
	if isUnavailable(err) {
		s.log.Warn("database unavailable", "route", c.FullPath(), "err", err)
		c.Header("Retry-After", "30")
		s.showMessage(c, http.StatusServiceUnavailable, "Database unavailable", "The database cannot be reached right now. Nothing was changed; try again in a minute.", "", "")
		return
	}
	s.log.Error("moderation request failed", "route", c.FullPath(), "err", err)
	s.showMessage(c, http.StatusInternalServerError, "Something went wrong", "The request failed on the server and was logged. Try again; if it keeps failing, tell the operator.", "", "")
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
	s.showMessage(c, http.StatusNotFound, "Not found", "There is nothing here. It may have been withdrawn by the reporter.", "Back to the queue", "/moderation/queue")
}
