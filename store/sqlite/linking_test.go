package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// linkedReport is an open report naming the repeat aggressor's hash "hmac-repeat".
func linkedReport(i int, status report.Status) *report.Report {
	r := newReport(i, "details")
	r.Status, r.IdentifierHMACs = status, []string{"hmac-repeat", fmt.Sprintf("hmac-own-%d", i)}
	if status != report.StatusPending && status != report.StatusNeedsInfo {
		r.DecidedAt = testNow.Add(-time.Hour)
	}
	return r
}

// indexedReports is how many report_identifiers rows name hmac: what a lookup by it walks.
func indexedReports(t *testing.T, s *Store, hmac string) int {
	t.Helper()
	var n int
	ok(t, s.rdb.QueryRow(`SELECT count(*) FROM report_identifiers WHERE hmac = ?`, hmac).Scan(&n), "count rows")
	return n
}

// TestLinkingWalksOpenReportsOnly: a repeat aggressor named by years of decided reports costs
// a lookup only the open reports naming them, whether the decided ones were loaded or decided
// here; a question keeps a report linked, an answer to it too.
func TestLinkingWalksOpenReportsOnly(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	s.SetClock(func() time.Time { return testNow })
	var past []any
	for i := range 300 {
		past = append(past, linkedReport(i, []report.Status{report.StatusApproved, report.StatusRejected, report.StatusMerged}[i%3]))
	}
	ok(t, s.Load(ctx, store.ColReports, past), "load decided reports")
	if n := indexedReports(t, s, "hmac-repeat"); n != 0 {
		t.Errorf("300 decided reports loaded: %d rows for their shared hash, want 0", n)
	}

	for i := 1000; i < 1004; i++ {
		ok(t, s.CreateReport(ctx, linkedReport(i, report.StatusPending)), "create report")
	}
	ok(t, s.DecideReport(ctx, "report-001000", "", store.Decision{Status: report.StatusApproved}), "approve")
	ok(t, s.DecideReport(ctx, "report-001001", "", store.Decision{Status: report.StatusNeedsInfo, Note: "q"}), "ask")
	if n := indexedReports(t, s, "hmac-repeat"); n != 3 {
		t.Errorf("three open reports, one approved: %d rows for the shared hash, want 3", n)
	}
	found, err := s.ReportsByIdentifiers(ctx, []string{"hmac-repeat"}, 10)
	ok(t, err, "find")
	var ids []string
	for _, r := range found {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, " ") != "report-001001 report-001002 report-001003" {
		t.Errorf("linked reports: %v, want the question and the two pending", ids)
	}
	// A follow-up to an approved report adds no row; an answer to the question keeps its rows.
	ok(t, s.AddFollowup(ctx, "receipt-001000", report.Followup{Day: report.Day(testNow), Text: "more"}, []string{"hmac-late"}), "follow-up")
	ok(t, s.AddFollowup(ctx, "receipt-001001", report.Followup{Day: report.Day(testNow), Text: "answer"}, []string{"hmac-answer"}), "answer")
	if a, l := indexedReports(t, s, "hmac-answer"), indexedReports(t, s, "hmac-late"); a != 1 || l != 0 {
		t.Errorf("rows after follow-ups: answered question %d (want 1), approved report %d (want 0)", a, l)
	}
}

// TestLinkingQueryPlans prints SQLite's plans for the two linking queries on a store holding
// history, and fails if one reads a table other than through an index (run with -v to see
// them; docs/performance.md quotes them).
func TestLinkingQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	s.SetClock(func() time.Time { return testNow })
	var past, alerts []any
	for i := range 2000 {
		past = append(past, linkedReport(i, report.StatusRejected))
		a := newAlert(i, report.BadDate, testNow.Add(-time.Duration(2000-i)*time.Hour), testNow.Add(-time.Duration(1000-i)*time.Hour))
		a.Identifiers[0].HMAC = "hmac-repeat"
		alerts = append(alerts, a)
	}
	ok(t, s.Load(ctx, store.ColReports, past), "load reports")
	ok(t, s.Load(ctx, store.ColAlerts, alerts), "load alerts")
	ok(t, s.CreateReport(ctx, linkedReport(5000, report.StatusPending)), "create report")
	if _, err := s.wdb.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}

	seen := map[string][]any{}
	s.trace = func(q string, args []any) { seen[q] = args }
	_, err := s.ReportsByIdentifiers(ctx, []string{"hmac-repeat", "hmac-own-5000", "hmac-other"}, 21)
	ok(t, err, "reports by identifiers")
	_, err = s.AlertsByIdentifier(ctx, "hmac-repeat")
	ok(t, err, "alerts by identifier")
	s.trace = nil
	if len(seen) != 2 {
		t.Fatalf("%d statements traced, want 2", len(seen))
	}
	for q, args := range seen {
		rows, err := s.rdb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		ok(t, err, "explain")
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			ok(t, rows.Scan(&id, &parent, &notused, &detail), "scan plan")
			plan = append(plan, detail)
			if m := scanRE.FindStringSubmatch(detail); m != nil && growing[m[1]] && !strings.Contains(detail, "INDEX") {
				t.Errorf("%s read whole:\n%s", m[1], oneLine(q))
			}
		}
		_ = rows.Close()
		t.Logf("%s\n    -> %s", oneLine(q), strings.Join(plan, " | "))
	}
}
