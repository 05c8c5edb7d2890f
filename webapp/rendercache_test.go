package webapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/alertcache"
	"github.com/headsup/headsup/store/storetest"
)

// raw sends a GET and returns the recorder untouched: status, headers and bytes on the wire.
func raw(h http.Handler, path string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func sameResponse(t *testing.T, what string, a, b *httptest.ResponseRecorder) {
	t.Helper()
	if a.Code != b.Code {
		t.Errorf("%s: status %d, then %d", what, a.Code, b.Code)
	}
	if !reflect.DeepEqual(a.Header(), b.Header()) {
		t.Errorf("%s: headers differ:\n%v\n%v", what, a.Header(), b.Header())
	}
	if !reflect.DeepEqual(a.Body.Bytes(), b.Body.Bytes()) {
		t.Errorf("%s: bodies differ (%d and %d bytes)", what, a.Body.Len(), b.Body.Len())
	}
}

var cacheVariants = [][]string{
	nil,
	{"Accept-Encoding", "gzip"},
	{"Accept-Language", "es-MX,es;q=0.9", "Accept-Encoding", "gzip, deflate, br"},
	{"Accept-Language", "es"},
	{"Accept-Language", "en-US,en;q=0.8"},
}

func TestRenderCacheByteIdentical(t *testing.T) {
	ts := newTestSite(t)
	a := publish(t, ts.store, report.Alert{Kind: report.DrugAlert, Title: "Blue pills sold as oxy", Body: strings.Repeat("Fentanyl found. ", 40), Areas: []string{"ward-1"}})
	rc := ts.site.rendered
	for _, path := range []string{"/alerts/" + a.ID, "/", "/alerts/" + a.ID + "?lang=es", "/?lang=en"} {
		for _, hdr := range cacheVariants {
			what := path + " " + strings.Join(hdr, " ")
			first := raw(ts.h, path, hdr...)
			if first.Code != http.StatusOK {
				t.Fatalf("%s: %d", what, first.Code)
			}
			n := rc.len()
			second := raw(ts.h, path, hdr...)
			if rc.len() != n {
				t.Errorf("%s: the second request was not served from the cache", what)
			}
			sameResponse(t, what+" (cached)", first, second)
			rc.off = true
			fresh := raw(ts.h, path, hdr...)
			rc.off = false
			sameResponse(t, what+" (rendered again)", first, fresh)
			for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} {
				if second.Header().Get(h) == "" {
					t.Errorf("%s: cached response lacks %s", what, h)
				}
			}
			if gz := strings.Contains(strings.Join(hdr, " "), "gzip"); gz != (second.Header().Get("Content-Encoding") == "gzip") {
				t.Errorf("%s: Content-Encoding %q", what, second.Header().Get("Content-Encoding"))
			}
		}
	}
	// Two pages in two languages from Accept-Language, and each once with ?lang=; the
	// encoding shares an entry.
	if n := rc.len(); n != 6 {
		t.Errorf("%d cache entries, want 6", n)
	}
}

func TestRenderCacheLanguages(t *testing.T) {
	ts := newTestSite(t)
	a := publish(t, ts.store, report.Alert{Kind: report.BadDate, Title: "Silver sedan", Body: "Takes the money back.", Areas: []string{"ward-2"}})
	for range 2 {
		en := request(t, ts.h, "GET", "/alerts/"+a.ID, nil, "Accept-Language", "en")
		es := request(t, ts.h, "GET", "/alerts/"+a.ID, nil, "Accept-Language", "es")
		if !strings.Contains(en.body, `<html lang="en">`) || !strings.Contains(es.body, `<html lang="es">`) {
			t.Fatalf("languages mixed up:\n%.200s\n%.200s", en.body, es.body)
		}
		esq := request(t, ts.h, "GET", "/?lang=es", nil, "Accept-Language", "en")
		es2 := request(t, ts.h, "GET", "/", nil, "Accept-Language", "es")
		if !strings.Contains(esq.body, `<html lang="es">`) || !strings.Contains(esq.body, `href="/alerts?lang=es"`) {
			t.Errorf("?lang=es home page: links do not carry the language")
		}
		if strings.Contains(es2.body, `href="/alerts?lang=es"`) {
			t.Errorf("Accept-Language home page carries ?lang=")
		}
	}
}

// clock is a test clock shared by the store, the alert caches and the site.
type clock struct{ t atomic.Int64 }

func (c *clock) Now() time.Time          { return time.UnixMilli(c.t.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.t.Add(d.Milliseconds()) }

// cachedSite is the site as cmd/headsup wires it: reading through alertcache, on a clock the
// test moves. other is a second replica's alertcache over the same database.
func cachedSite(t testing.TB) (h http.Handler, site *Site, local, other *alertcache.Store, base store.Store, clk *clock) {
	clk = &clock{}
	clk.t.Store(time.Now().UnixMilli())
	base = storetest.New(t)
	base.SetClock(clk.Now)
	local = alertcache.Wrap(base, alertcache.DefaultTTL)
	local.SetClock(clk.Now)
	other = alertcache.Wrap(base, alertcache.DefaultTTL)
	other.SetClock(clk.Now)
	areas := report.DefaultAreas()
	in := &intake.Service{
		Store: local, Areas: areas,
		Proofs:     altcha.NewIssuer([]byte("pow-key-for-the-webapp-tests"), testMaxPoW, 15*time.Minute, clk.Now),
		Receipts:   intake.ReceiptKey("receipt-key-for-tests-0123456789"),
		Unverified: ratelimit.New(ratelimit.Options{Rate: 1, Period: time.Hour, Burst: 100}),
		Now:        clk.Now, IdentifierKey: identifierKey,
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	site, err := New(Deps{Store: local, Intake: in, Areas: areas, SiteName: testSiteName, ExitURL: testExitURL,
		BaseURL: testBaseURL, Logger: log, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := serveSite(t, site, log)
	return e, site, local, other, base, clk
}

func TestRenderCacheRetraction(t *testing.T) {
	h, site, local, other, base, clk := cachedSite(t)
	ctx := context.Background()
	now := clk.Now().Truncate(time.Millisecond)
	mk := func(title string, expires time.Time) report.Alert {
		a := report.Alert{ID: report.NewID(), Version: 1, Kind: report.DrugAlert, Severity: report.SeverityDanger,
			Title: title, Body: "Do not use.", Areas: []string{"ward-1"}, IncidentDay: report.Day(now),
			Published: now, Updated: now, Expires: expires, Status: report.AlertPublished, ReportCount: 1}
		if err := local.CreateAlert(ctx, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	byLocal := mk("Retracted here", now.Add(24*time.Hour))
	byOther := mk("Retracted by another replica", now.Add(24*time.Hour))
	expiring := mk("Expiring soon", now.Add(time.Minute))
	warm := func() {
		t.Helper()
		for _, a := range []report.Alert{byLocal, byOther, expiring} {
			for _, lang := range []string{"en", "es"} {
				for range 2 {
					if r := raw(h, "/alerts/"+a.ID, "Accept-Language", lang, "Accept-Encoding", "gzip"); r.Code != http.StatusOK {
						t.Fatalf("%s: %d", a.Title, r.Code)
					}
				}
			}
		}
		home := request(t, h, "GET", "/", nil)
		home = request(t, h, "GET", "/", nil)
		for _, a := range []report.Alert{byLocal, byOther, expiring} {
			if !strings.Contains(home.body, a.Title) {
				t.Fatalf("home page lacks %q", a.Title)
			}
		}
	}
	warm()
	poison(site)
	if r := request(t, h, "GET", "/alerts/"+expiring.ID, nil, "Accept-Language", "en"); !strings.Contains(r.body, "POISONED") {
		t.Fatal("a current alert's page was not served from the render cache")
	}
	site.rendered = newRenderCache(maxRendered)
	warm()

	// Retracted through this replica: gone at once, in every language and encoding.
	if _, err := local.RetractAlert(ctx, byLocal.ID); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "es"} {
		for _, enc := range []string{"", "gzip"} {
			r := request(t, h, "GET", "/alerts/"+byLocal.ID, nil, "Accept-Language", lang, "Accept-Encoding", enc)
			if r.Code != http.StatusGone || strings.Contains(r.body, byLocal.Title) {
				t.Errorf("%s %s after a local retraction: %d", lang, enc, r.Code)
			}
		}
	}
	if home := request(t, h, "GET", "/", nil); strings.Contains(home.body, byLocal.Title) {
		t.Error("home page still lists the alert retracted here")
	}

	// Retracted through another replica: this one may show it until its snapshot's TTL, as
	// alertcache does, and not a moment after.
	if _, err := other.RetractAlert(ctx, byOther.ID); err != nil {
		t.Fatal(err)
	}
	if r := raw(h, "/alerts/"+byOther.ID); r.Code != http.StatusOK {
		t.Logf("retracted elsewhere, gone before the TTL: %d", r.Code)
	}
	clk.Advance(alertcache.DefaultTTL)
	for _, lang := range []string{"en", "es"} {
		r := request(t, h, "GET", "/alerts/"+byOther.ID, nil, "Accept-Language", lang, "Accept-Encoding", "gzip")
		if r.Code != http.StatusGone || strings.Contains(r.body, byOther.Title) {
			t.Errorf("%s: retracted by another replica, still served after the TTL: %d", lang, r.Code)
		}
	}
	if home := request(t, h, "GET", "/", nil); strings.Contains(home.body, byOther.Title) {
		t.Error("home page still lists the alert retracted by another replica after the TTL")
	}

	// Expired: off the home page at its expiry, and its page no longer comes from the cache
	// (it is whatever the store says now, rendered afresh).
	warmHome := request(t, h, "GET", "/", nil)
	if !strings.Contains(warmHome.body, expiring.Title) {
		t.Fatal("home page lacks the alert before its expiry")
	}
	clk.Advance(time.Minute)
	if home := request(t, h, "GET", "/", nil); strings.Contains(home.body, expiring.Title) {
		t.Error("home page lists an expired alert")
	}
	if a, _ := local.Alert(ctx, expiring.ID); a != nil && a.Expires.After(clk.Now()) {
		t.Fatal("alertcache still serves the expired alert")
	}
	poison(site)
	for _, lang := range []string{"en", "es"} {
		r := request(t, h, "GET", "/alerts/"+expiring.ID, nil, "Accept-Language", lang, "Accept-Encoding", "gzip")
		if strings.Contains(r.body, "POISONED") {
			t.Errorf("%s: an expired alert's page came from the render cache", lang)
		}
	}
	if _, err := base.Alert(ctx, expiring.ID); err != nil {
		t.Fatal(err)
	}
}

// poison replaces every kept page with a marker, so a test can tell a page replayed from the
// cache from one rendered afresh.
func poison(site *Site) {
	rc := site.rendered
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, e := range rc.entries {
		e.body = []byte("POISONED")
		e.gz = nil
	}
}

// BenchmarkAlertPage compares the alert page served from the render cache with the same page
// rendered and compressed for every request, in the same run; the cached run reports how many
// times faster it was.
func BenchmarkAlertPage(b *testing.B) {
	h, site, local, _, _, clk := cachedSite(b)
	now := clk.Now().Truncate(time.Millisecond)
	a := report.Alert{ID: report.NewID(), Version: 1, Kind: report.DrugAlert, Severity: report.SeverityDanger,
		Title: "Blue pills sold as oxycodone", Body: strings.Repeat("Fentanyl found in pills sold near the station. ", 12),
		Areas: []string{"ward-1", "ward-2"}, IncidentDay: report.Day(now), Published: now, Updated: now,
		Expires: now.Add(24 * time.Hour), Status: report.AlertPublished, ReportCount: 3}
	if err := local.CreateAlert(context.Background(), &a); err != nil {
		b.Fatal(err)
	}
	path := "/alerts/" + a.ID
	run := func(b *testing.B) float64 {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if r := raw(h, path, "Accept-Language", "es-MX,es;q=0.9", "Accept-Encoding", "gzip, deflate, br"); r.Code != http.StatusOK {
					b.Errorf("%d", r.Code)
					return
				}
			}
		})
		return float64(b.Elapsed()) / float64(b.N)
	}
	var rendered float64
	b.Run("render", func(b *testing.B) {
		site.rendered.off = true
		defer func() { site.rendered.off = false }()
		rendered = run(b)
	})
	b.Run("cached", func(b *testing.B) {
		cached := run(b)
		if rendered > 0 {
			b.ReportMetric(rendered/cached, "x-faster")
		}
	})
}
