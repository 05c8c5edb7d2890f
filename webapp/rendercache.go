package webapp

import (
	"net/http"
	"reflect"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/ui"
)

// The render cache is for the click-through surge: right after a push, hundreds of phones open
// the same alert page and the home page within a minute. The alerts themselves come from
// memory (store/alertcache); what costs is running the templates and compressing the result.
// So the alert and home pages keep their last rendering, and a request that would render the
// same bytes again is a map lookup and a write.
//
// Correctness does not rest on invalidation. Every request still asks the store for what the
// page shows (one in-memory read through alertcache), and a kept rendering is used only when
// that data is deeply equal to the data it was rendered from. Retracted, edited, extended or
// expired alerts therefore leave the render cache at the very moment the store stops answering
// with them, locally at once and from another replica within alertcache's TTL. Everything else
// the bytes depend on is in the key: the template, the path (the language switch and the
// navigation use it), the language and whether it came from ?lang= (links then carry it). An
// alert's description and translations (Details, Texts) are part of the alert compared, so a
// moderator's edit to either shows at once. Help nearby (Deps.Resources) is read once at start
// and never changes while the process runs, so it needs no place in the key. The
// pages carry nothing per request: the security headers are constant (no CSP nonce, no form
// token on these pages) and are set by the middleware before the handler either way; the
// alert and home templates do not show the current time. The gzip choice is not in the key:
// an entry holds both the plain and the compressed bytes, and ui.WriteCompressed sends the one
// the client accepts with the same headers ui.WriteBody would.
//
// The list page (/alerts) is not cached: it prints the time it was rendered.

// maxRendered bounds the cache. Only current alerts reach it, in each language with and
// without ?lang=, so a few hundred entries cover any real surge; on overflow it starts over.
const maxRendered = 512

type renderKey struct {
	page     string
	path     string
	lang     string
	explicit bool
}

type renderedPage struct {
	data   any // what the page was rendered from: a copy, never changed after
	status int
	body   []byte
	gz     []byte // ui.Compress(body)
}

type renderCache struct {
	mu      sync.RWMutex
	max     int
	off     bool // render every time, for the benchmark that compares
	entries map[renderKey]*renderedPage
}

func newRenderCache(max int) *renderCache {
	return &renderCache{max: max, entries: map[renderKey]*renderedPage{}}
}

// get returns the page kept under k if it was rendered from data equal to data.
func (rc *renderCache) get(k renderKey, data any) *renderedPage {
	rc.mu.RLock()
	e := rc.entries[k]
	rc.mu.RUnlock()
	if e == nil || !reflect.DeepEqual(e.data, data) {
		return nil
	}
	return e
}

func (rc *renderCache) put(k renderKey, e *renderedPage) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.entries[k]; !ok && len(rc.entries) >= rc.max {
		clear(rc.entries)
	}
	rc.entries[k] = e
}

func (rc *renderCache) len() int {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	return len(rc.entries)
}

// renderCached is render for a page whose bytes depend only on the key and on data, which the
// caller has just read from the store and must not change afterwards.
func (s *Site) renderCached(c *gin.Context, status int, name string, p *page, data any) {
	rc := s.rendered
	if rc.off || c.Request.Method != http.MethodGet || !p.Remember {
		s.render(c, status, name, p)
		return
	}
	k := renderKey{page: name, path: p.Path, lang: p.Lang, explicit: p.explicit}
	if e := rc.get(k, data); e != nil && e.status == status {
		s.writePage(c, e.status, e.body, e.gz)
		return
	}
	body, ok := s.execute(c, name, p)
	if !ok {
		return
	}
	gz := ui.Compress(body)
	rc.put(k, &renderedPage{data: data, status: status, body: body, gz: gz})
	s.writePage(c, status, body, gz)
}
