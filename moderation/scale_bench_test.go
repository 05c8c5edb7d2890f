package moderation_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/sqlite"
)

// The linking benchmark: the queue page and a report page with linked reports and alerts, on
// a young database (fresh: the queue and the current alerts) and on the same database after
// ten years of history (full: plus decided reports and expired alerts, thousands of them
// naming the queue's identifiers). Read the full/fresh ratio of ns/op; docs/performance.md
// has the command and the figures.

var scaleNow = time.Date(2026, 3, 10, 12, 0, 7, 0, time.UTC)

const (
	scaleQueue    = 50      // pending reports, in both stores
	scaleCurrent  = 10      // published, unexpired alerts, in both stores
	scaleDecided  = 100_000 // decided reports with identifier hashes, full store only
	scaleAlerts   = 20_000  // expired or retracted alerts with identifiers, full store only
	scaleLinkedOf = 20      // one decided report or old alert in scaleLinkedOf names a queue hash
)

// scaleHash is a keyed hash as the server stores it: 64 hex digits.
func scaleHash(what string, i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s-%d", what, i))
	return hex.EncodeToString(sum[:])
}

// queueHashes are the identifier hashes of queue report j: its own, one it shares with the
// report two places away in pairs, and for every third report one of five named by current
// alerts too.
func queueHashes(j int) []string {
	h := []string{scaleHash("own", j)}
	if j%2 == 0 {
		h = append(h, scaleHash("pair", j/4))
	}
	if j%3 == 0 || len(h) < 2 {
		h = append(h, scaleHash("alerted", j%5))
	}
	return h
}

// queuePool is every hash the queue holds, for the history to name some of them again.
func queuePool() []string {
	seen := map[string]bool{}
	var pool []string
	for j := range scaleQueue {
		for _, h := range queueHashes(j) {
			if !seen[h] {
				seen[h] = true
				pool = append(pool, h)
			}
		}
	}
	return pool
}

func scaleReport(id string, day time.Time, hmacs []string) *report.Report {
	return &report.Report{
		ID: id, ReceiptHash: scaleHash("receipt-"+id, 0), Kind: report.BadDate, Status: report.StatusPending,
		SubmittedDay: report.Day(day), Verified: true, IdentifierHMACs: hmacs,
		BadDate: &report.BadDateFields{
			Common: report.Common{Date: day.Format("2006-01-02"), TimeBand: "night", Area: "ward-6",
				Details: "He took my phone and my wallet after dinner, then kept calling from another number."},
			Harms:  []string{"physical_violence", "robbery_theft"},
			Phones: []string{"(202) 555-0147"}, Plate: "ABC 1234",
		},
	}
}

func scaleAlert(i int, published, expires time.Time, hmacs []string) *report.Alert {
	a := &report.Alert{
		ID: scaleID("alert", i), Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger,
		Title: "Robbed after a first date", Body: "A man met through an app robbed his date after dinner.",
		Areas: []string{"ward-6", "ward-7"}, IncidentDay: report.Day(published), Published: published, Updated: published,
		Expires: expires, Status: report.AlertPublished, ReportCount: 1,
	}
	for k, h := range hmacs {
		typ := "phone"
		if k == 1 {
			typ = "plate"
		}
		a.Identifiers = append(a.Identifiers, report.Identifier{Type: typ, HMAC: h, Hint: "•••• 0147"})
	}
	if i%3 == 1 {
		a.Kind = report.DrugAlert
	}
	if i%40 == 0 {
		a.Status = report.AlertRetracted
	}
	return a
}

// scaleID is a valid 22-character record id, the same in every run.
func scaleID(what string, i int) string {
	return scaleHash(what, i)[:22]
}

// scaleSite is a store with the moderation pages in front of it and a signed-in moderator.
type scaleSite struct {
	engine *gin.Engine
	cookie string
	report string // a queue report with linked reports and alerts
}

func (s *scaleSite) get(tb testing.TB, path string) string {
	req := httptest.NewRequest("GET", "http://localhost:8080"+path, nil)
	req.AddCookie(&http.Cookie{Name: moderation.CookieName, Value: s.cookie})
	w := httptest.NewRecorder()
	s.engine.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		tb.Fatalf("GET %s: %d", path, w.Code)
	}
	return w.Body.String()
}

// linkedSection is the report page's list of linked alerts and reports.
func linkedSection(page string) string {
	_, after, _ := strings.Cut(page, `<section aria-labelledby="linked">`)
	section, _, _ := strings.Cut(after, `</section>`)
	return section
}

// openScaleSite opens a store in dir, loads the queue and current alerts, then history (the
// full store) and signs a moderator in through the real forms.
func openScaleSite(tb testing.TB, dir string, history bool) *scaleSite {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "headsup.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	scaleClosed = append(scaleClosed, func() { _ = s.Close(ctx) })
	// The harness sets the store's clock to its own before anything is loaded.
	h := newHarnessOn(tb, s)
	if !h.clock.Now().Equal(scaleNow) {
		tb.Fatalf("the harness starts at %v, the data is made for %v", h.clock.Now(), scaleNow)
	}
	load := func(what string, n, batch int, gen func(i int) any) {
		start := time.Now()
		recs := make([]any, 0, batch)
		for i := range n {
			recs = append(recs, gen(i))
			if len(recs) == batch || i == n-1 {
				if err := s.Load(ctx, what, recs); err != nil {
					tb.Fatalf("load %s: %v", what, err)
				}
				recs = recs[:0]
			}
		}
		tb.Logf("history=%v: loaded %d %s in %v", history, n, what, time.Since(start).Round(time.Millisecond))
	}
	load(store.ColReports, scaleQueue, scaleQueue, func(j int) any {
		return scaleReport(scaleID("queue", j), scaleNow.Add(-time.Duration(j%20)*24*time.Hour), queueHashes(j))
	})
	load(store.ColAlerts, scaleCurrent, scaleCurrent, func(i int) any {
		a := scaleAlert(i, scaleNow.Add(-time.Duration(i+1)*24*time.Hour), scaleNow.Add(60*24*time.Hour),
			[]string{scaleHash("alerted", i%5), scaleHash("current", i)})
		a.ID, a.Kind, a.Status = scaleID("current", i), report.BadDate, report.AlertPublished
		return a
	})
	if history {
		pool := queuePool()
		years := 10 * 365 * 24 * time.Hour
		statuses := []report.Status{report.StatusApproved, report.StatusRejected, report.StatusMerged}
		load(store.ColReports, scaleDecided, 2000, func(i int) any {
			day := scaleNow.Add(-years + time.Duration(i)*(years/scaleDecided))
			hmacs := []string{scaleHash("decided", i)}
			if i%2 == 0 {
				hmacs = append(hmacs, scaleHash("decided-plate", i))
			}
			if i%scaleLinkedOf == 0 {
				hmacs = append(hmacs, pool[(i/scaleLinkedOf)%len(pool)])
			}
			r := scaleReport(scaleID("decided", i), day, hmacs)
			r.Status, r.DecidedAt = statuses[i%len(statuses)], day.Add(26*time.Hour)
			return r
		})
		load(store.ColAlerts, scaleAlerts, 2000, func(i int) any {
			// The newest expired two months ago: the current alerts are the same in both stores.
			pub := scaleNow.Add(-years + time.Duration(i)*(years/scaleAlerts) - 90*24*time.Hour)
			hmacs := []string{scaleHash("old-alert", i)}
			if i%scaleLinkedOf == 0 {
				hmacs = append(hmacs, pool[(i/scaleLinkedOf)%len(pool)])
			}
			return scaleAlert(i, pub, pub.Add(30*24*time.Hour), hmacs)
		})
	}

	return &scaleSite{engine: h.engine, report: scaleID("queue", 0), cookie: h.signUp("bench", store.RoleModerator).cookie}
}

// The two stores are built once per test binary: -count 5 measures them five times without
// five builds of the history. TestMain closes them and removes their folder.
var (
	scaleOnce   sync.Once
	scaleSites  map[string]*scaleSite
	scaleDir    string
	scaleClosed []func()
)

func scaleStores(b *testing.B) map[string]*scaleSite {
	scaleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "headsup-scale-")
		if err != nil {
			b.Fatal(err)
		}
		scaleDir, scaleSites = dir, map[string]*scaleSite{}
		for _, name := range []string{"fresh", "full"} {
			sub := filepath.Join(dir, name)
			if err := os.Mkdir(sub, 0o700); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			scaleSites[name] = openScaleSite(b, sub, name == "full")
			b.Logf("%s store built in %v", name, time.Since(start).Round(time.Millisecond))
		}
	})
	if len(scaleSites) != 2 {
		b.Fatal("the stores were not built")
	}
	// Years of history change neither what the pages link nor which queue rows are flagged.
	fresh, full := scaleSites["fresh"], scaleSites["full"]
	path := "/moderation/reports/" + fresh.report
	fl, ul := linkedSection(fresh.get(b, path)), linkedSection(full.get(b, path))
	if n := strings.Count(fl, "<li>"); n < 4 || fl != ul {
		b.Fatalf("linked section: %d items on the fresh store, same on the full one: %v\n%s\n---\n%s", n, fl == ul, fl, ul)
	}
	fq, uq := fresh.get(b, "/moderation/queue"), full.get(b, "/moderation/queue")
	if n := strings.Count(fq, `class="tag linked"`); n < 10 || n != strings.Count(uq, `class="tag linked"`) {
		b.Fatalf("queue flags: %d linked on the fresh store, %d on the full one", n, strings.Count(uq, `class="tag linked"`))
	}
	return scaleSites
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range scaleClosed {
		f()
	}
	if scaleDir != "" {
		_ = os.RemoveAll(scaleDir)
	}
	os.Exit(code)
}

// BenchmarkLinkingScale serves the queue page (25 reports, each flagged when linked) and a
// report page with linked reports and alerts, on the fresh and the full store in turn.
//
//	go test -run '^$' -bench LinkingScale -count 5 ./moderation
func BenchmarkLinkingScale(b *testing.B) {
	sites := scaleStores(b)
	for _, page := range []struct{ name, path string }{
		{"queue", "/moderation/queue"},
		{"report", "/moderation/reports/" + scaleID("queue", 0)},
	} {
		for _, name := range []string{"fresh", "full"} {
			site := sites[name]
			b.Run(page.name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					site.get(b, page.path)
				}
			})
		}
	}
}
