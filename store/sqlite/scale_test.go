package sqlite

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// TestScale loads years of history through Load (100,000 alerts of which 100 current, 100,000
// decided reports and 500 pending, 1,000,000 audit entries, 100,000 subscriptions) and checks
// that each listing page still costs what it costs on an empty database. It takes a minute, so
// it runs only with HEADSUP_SCALE_TEST=1.
func TestScale(t *testing.T) {
	if os.Getenv("HEADSUP_SCALE_TEST") == "" {
		t.Skip("set HEADSUP_SCALE_TEST=1 to run")
	}
	ctx := context.Background()
	empty, _ := openTest(t, Options{})
	full, dir := openTest(t, Options{})
	now := testNow
	for _, s := range []*Store{empty, full} {
		s.SetClock(func() time.Time { return now })
	}

	load := func(what string, n, batch int, gen func(i int) any) {
		start := time.Now()
		recs := make([]any, 0, batch)
		for i := range n {
			recs = append(recs, gen(i))
			if len(recs) == batch || i == n-1 {
				ok(t, full.Load(ctx, what, recs), "load "+what)
				recs = recs[:0]
			}
		}
		t.Logf("load %d %s: %v", n, what, time.Since(start).Round(time.Millisecond))
	}
	load(store.ColAlerts, 100_000, 2000, func(i int) any {
		pub := now.Add(-time.Duration(100_000-i) * 10 * time.Minute)
		exp := pub.Add(time.Hour) // expired long ago
		if i >= 100_000-100 {
			exp = now.Add(24 * time.Hour)
		}
		kind := report.BadDate
		if i%2 == 1 {
			kind = report.DrugAlert
		}
		a := newAlert(i, kind, pub, exp)
		if i%50 == 0 {
			a.Status = report.AlertRetracted
		}
		return a
	})
	load(store.ColReports, 100_500, 2000, func(i int) any {
		r := newReport(i, "a decided report of ordinary length")
		r.SubmittedDay = report.Day(now.Add(-time.Duration(100_500-i) * 5 * time.Minute))
		if i < 100_000 {
			r.Status, r.DecidedAt, r.Purged, r.BadDate = report.StatusRejected, r.SubmittedDay.Add(time.Hour), true, nil
		}
		return r
	})
	actions := []string{"sign_in", "approve", "reject", "merge", "edit", "retract"}
	load(store.ColAudit, 1_000_000, 5000, func(i int) any {
		return &store.AuditEntry{ID: fmt.Sprintf("audit-%07d", i), Time: now.Add(-time.Duration(1_000_000-i) * time.Minute),
			Actor: fmt.Sprintf("mod-%d", i%20), Action: actions[i%len(actions)], Target: "x"}
	})
	load(store.ColSubscriptions, 100_000, 5000, func(i int) any { s := newSub(i); return &s })
	fi, err := os.Stat(dir + "/headsup.db")
	ok(t, err, "stat")
	t.Logf("database file: %d MB", fi.Size()>>20)

	for i := range 100 {
		ok(t, empty.CreateAlert(ctx, newAlert(i, report.BadDate, now.Add(-time.Hour), now.Add(time.Hour))), "alert")
	}

	pages := []struct {
		name string
		run  func(s *Store) error
	}{
		{"published alerts", func(s *Store) error { _, err := s.PublishedAlerts(ctx, store.AlertFilter{}); return err }},
		{"published alerts in an area", func(s *Store) error {
			_, err := s.PublishedAlerts(ctx, store.AlertFilter{Area: "ward-1", Kind: report.BadDate})
			return err
		}},
		{"count published", func(s *Store) error { _, err := s.CountPublishedAlerts(ctx); return err }},
		{"check", func(s *Store) error { _, err := s.AlertsByIdentifier(ctx, "hmac-3"); return err }},
		{"expired list", func(s *Store) error { _, err := s.ModerationAlerts(ctx, store.AlertsExpired, "", 0, 50); return err }},
		{"retracted list", func(s *Store) error {
			_, err := s.ModerationAlerts(ctx, store.AlertsRetracted, report.DrugAlert, 0, 50)
			return err
		}},
		{"active list", func(s *Store) error { _, err := s.ModerationAlerts(ctx, store.AlertsActive, "", 0, 50); return err }},
		{"queue", func(s *Store) error { _, err := s.PendingReports(ctx, 0, 50); return err }},
		{"pending counts", func(s *Store) error { _, err := s.PendingCounts(ctx); return err }},
		{"audit", func(s *Store) error { _, err := s.AuditLog(ctx, store.AuditFilter{}); return err }},
		{"audit by action", func(s *Store) error { _, err := s.AuditLog(ctx, store.AuditFilter{Action: "retract"}); return err }},
		{"audit by actor and action", func(s *Store) error {
			_, err := s.AuditLog(ctx, store.AuditFilter{Actor: "mod-3", Action: "reject"})
			return err
		}},
		{"alert counts (30 days)", func(s *Store) error { _, err := s.AlertCountsByDay(ctx, now.AddDate(0, 0, -30)); return err }},
		{"report counts (30 days)", func(s *Store) error { _, err := s.ReportCountsByDay(ctx, now.AddDate(0, 0, -30)); return err }},
		{"purge (nothing to do)", func(s *Store) error { _, err := s.PurgeDecidedReports(ctx, now.AddDate(0, 0, -30)); return err }},
	}
	// Best of many runs, the two databases in turn, so that other work on the machine weighs
	// on both alike.
	timeIt := func(run func(*Store) error) (e, f time.Duration) {
		e, f = time.Hour, time.Hour
		for range 50 {
			for _, s := range []*Store{empty, full} {
				start := time.Now()
				ok(t, run(s), "page")
				d := time.Since(start)
				if s == empty {
					e = min(e, d)
				} else {
					f = min(f, d)
				}
			}
		}
		return e, f
	}
	for _, p := range pages {
		e, f := timeIt(p.run)
		t.Logf("%-28s empty %8v  full %8v", p.name, e.Round(time.Microsecond), f.Round(time.Microsecond))
		if f > 20*time.Millisecond && f > 3*e {
			t.Errorf("%s: %v on the full database, %v on the empty one", p.name, f, e)
		}
	}
	start := time.Now()
	n, countable, err := full.MatchingSubscriptionsTotal(ctx, store.SubscriptionMatch{Kind: report.BadDate,
		Areas: []string{"ward-1", "ward-2"}, Severity: report.SeverityWarning})
	ok(t, err, "total")
	t.Logf("count matching subscriptions: %d (%v) in %v", n, countable, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	w, err := full.WalkSubscriptions(ctx, store.SubscriptionMatch{Kind: report.BadDate, Areas: []string{"ward-1", "ward-2"},
		Severity: report.SeverityWarning}, store.WalkPosition{})
	ok(t, err, "walk")
	var walked int64
	for {
		b, err := w.Next(ctx, 500)
		ok(t, err, "next")
		if len(b) == 0 {
			break
		}
		walked += int64(len(b))
	}
	t.Logf("walk: %d in %v", walked, time.Since(start).Round(time.Millisecond))
	if walked != n {
		t.Errorf("walked %d, counted %d", walked, n)
	}
	start = time.Now()
	ok(t, full.Close(ctx), "close")
	t.Logf("close: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	reopened, err := Open(ctx, dir+"/headsup.db", Options{})
	ok(t, err, "reopen")
	t.Logf("open: %v", time.Since(start).Round(time.Millisecond))
	_ = reopened.Close(ctx)
}
