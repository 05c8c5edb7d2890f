package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// clockAt pins the store's clock and returns a function that moves it.
func clockAt(s *store.Store, t time.Time) func(time.Duration) {
	now := t
	s.Now = func() time.Time { return now }
	return func(d time.Duration) { now = now.Add(d) }
}

func pendingReport(t *testing.T, s *store.Store, id string, day time.Time) *report.Report {
	t.Helper()
	r := &report.Report{ID: id, ReceiptHash: "h-" + id, Kind: report.BadDate, Status: report.StatusPending, SubmittedDay: day,
		BadDate:   &report.BadDateFields{Common: report.Common{Date: "2026-01-02", Area: "ward-1", Details: "raw words"}, Harms: []string{"robbery_theft"}},
		Followups: []report.Followup{{Day: day, Text: "more raw words"}}}
	if err := s.CreateReport(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestQueueClaimAndDecide(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	advance := clockAt(s, start)
	pendingReport(t, s, "b-newer", report.Day(start))
	pendingReport(t, s, "a-older", report.Day(start.Add(-48*time.Hour)))

	page, err := s.PendingReports(ctx, 0, 10)
	if err != nil || len(page) != 2 || page[0].ID != "a-older" {
		t.Fatalf("queue = %v, %v; want the older report first", ids(page), err)
	}
	counts, err := s.PendingCounts(ctx)
	if err != nil || counts[report.BadDate] != 2 || counts[report.DrugAlert] != 0 {
		t.Fatalf("counts = %v, %v", counts, err)
	}

	_, held, err := s.ClaimReport(ctx, "a-older", "ana", 5*time.Minute)
	if err != nil || !held {
		t.Fatalf("first claim = %v, %v", held, err)
	}
	r, held, err := s.ClaimReport(ctx, "a-older", "ben", 5*time.Minute)
	if err != nil || held || r.ClaimedBy != "ana" {
		t.Fatalf("second claim while leased = %v, %+v, %v; want refused, naming ana", held, r, err)
	}
	if err := s.DecideReport(ctx, "a-older", "ben", store.Decision{Status: report.StatusRejected}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("decide by non-holder = %v, want ErrConflict", err)
	}
	advance(6 * time.Minute)
	if _, held, _ := s.ClaimReport(ctx, "a-older", "ben", 5*time.Minute); !held {
		t.Fatal("expired lease not taken over")
	}
	if err := s.DecideReport(ctx, "a-older", "ben", store.Decision{Status: report.StatusRejected, Note: "duplicate"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DecideReport(ctx, "a-older", "ben", store.Decision{Status: report.StatusApproved}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second decision = %v, want ErrConflict", err)
	}
	if err := s.DecideReport(ctx, "gone", "ben", store.Decision{Status: report.StatusApproved}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("decision on withdrawn report = %v, want ErrNotFound", err)
	}
	got, _ := s.Report(ctx, "a-older")
	if got.Status != report.StatusRejected || got.Note != "duplicate" || !got.DecidedAt.Equal(start.Add(6*time.Minute)) || got.ClaimedBy != "" {
		t.Fatalf("decided report = %+v", got)
	}
}

func ids(rs []report.Report) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestPurgeDecidedReports(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	advance := clockAt(s, start)
	pendingReport(t, s, "old", report.Day(start))
	pendingReport(t, s, "recent", report.Day(start))
	pendingReport(t, s, "pending", report.Day(start))
	if err := s.DecideReport(ctx, "old", "ana", store.Decision{Status: report.StatusApproved, AlertID: "al"}); err != nil {
		t.Fatal(err)
	}
	advance(20 * 24 * time.Hour)
	if err := s.DecideReport(ctx, "recent", "ana", store.Decision{Status: report.StatusRejected, Note: "n"}); err != nil {
		t.Fatal(err)
	}
	advance(15 * 24 * time.Hour)
	n, err := s.PurgeDecidedReports(ctx, s.Now().Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	old, _ := s.Report(ctx, "old")
	if !old.Purged || old.BadDate != nil || old.Followups != nil || old.Status != report.StatusApproved || old.AlertID != "al" {
		t.Fatalf("purged report = %+v", old)
	}
	for _, id := range []string{"recent", "pending"} {
		r, _ := s.Report(ctx, id)
		if r.Purged || r.BadDate == nil || r.BadDate.Details != "raw words" {
			t.Fatalf("%s purged too early: %+v", id, r)
		}
	}
	dump, _ := s.DumpCollection(ctx, "reports")
	for _, d := range dump {
		if strings.Contains(d, `"_id":"old"`) && strings.Contains(d, "raw words") {
			t.Fatalf("raw text left after purge: %s", d)
		}
	}
}

func TestAlertWritesAndIdentifierLookup(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	advance := clockAt(s, start)
	key := []byte("k")
	phone := report.IdentifierHMAC(key, report.IdentifierPhone, "2025550100")
	a := &report.Alert{ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger, Title: "t", Body: "b",
		Areas: []string{"ward-1"}, Published: start, Updated: start, Expires: start.Add(24 * time.Hour), Status: report.AlertPublished, ReportCount: 1,
		Identifiers: []report.Identifier{{Type: report.IdentifierPhone, Value: "2025550100", HMAC: phone}}}
	if err := s.CreateAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	found, err := s.AlertsByIdentifier(ctx, phone)
	if err != nil || len(found) != 1 || found[0].ID != a.ID {
		t.Fatalf("lookup = %v, %v", found, err)
	}
	if found, _ := s.AlertsByIdentifier(ctx, report.IdentifierHMAC(key, report.IdentifierPlate, "2025550100")); len(found) != 0 {
		t.Fatal("a plate with the same characters matched a phone number")
	}

	merged, err := s.MergeIntoAlert(ctx, a.ID, []string{"ward-2", "ward-1"})
	if err != nil || merged.ReportCount != 2 || len(merged.Areas) != 2 {
		t.Fatalf("merge = %+v, %v", merged, err)
	}
	up, err := s.UpdateAlert(ctx, a.ID, 1, store.AlertChange{Title: "t2", Body: "b2", Severity: report.SeverityWarning, Areas: []string{"ward-3"}, Expires: start.Add(48 * time.Hour)})
	if err != nil || up.Version != 2 || up.Title != "t2" || up.Identifiers[0].HMAC != phone {
		t.Fatalf("update = %+v, %v", up, err)
	}
	if _, err := s.UpdateAlert(ctx, a.ID, 1, store.AlertChange{Title: "stale"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale edit = %v, want ErrConflict", err)
	}
	advance(36 * time.Hour)
	if found, _ := s.AlertsByIdentifier(ctx, phone); len(found) != 1 {
		t.Fatal("edited expiry not used")
	}
	if list, _ := s.ModerationAlerts(ctx, store.AlertsActive, "", 0, 10); len(list) != 1 {
		t.Fatalf("active list = %d", len(list))
	}
	advance(24 * time.Hour)
	if found, _ := s.AlertsByIdentifier(ctx, phone); len(found) != 0 {
		t.Fatal("expired alert still found by /check")
	}
	if list, _ := s.ModerationAlerts(ctx, store.AlertsExpired, "", 0, 10); len(list) != 1 {
		t.Fatalf("expired list = %d", len(list))
	}
	if _, err := s.ExtendAlert(ctx, a.ID, s.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r, err := s.RetractAlert(ctx, a.ID)
	if err != nil || r.Version != 3 || r.Status != report.AlertRetracted {
		t.Fatalf("retract = %+v, %v", r, err)
	}
	if _, err := s.RetractAlert(ctx, a.ID); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second retraction = %v", err)
	}
	if _, err := s.RetractAlert(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("retract missing = %v", err)
	}
	if found, _ := s.AlertsByIdentifier(ctx, phone); len(found) != 0 {
		t.Fatal("retracted alert found by /check")
	}
}

func TestModeratorsSessionsAudit(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clockAt(s, start)
	m := &store.Moderator{ID: "m1", Name: "ana", Role: store.RoleAdmin, PasswordHash: "x", Created: start}
	if err := s.CreateModerator(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateModerator(ctx, &store.Moderator{ID: "m2", Name: "ana"}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate name = %v", err)
	}
	if ok, err := s.UseTOTPStep(ctx, "m1", 100); err != nil || !ok {
		t.Fatalf("first use = %v %v", ok, err)
	}
	for _, step := range []int64{100, 99} {
		if ok, _ := s.UseTOTPStep(ctx, "m1", step); ok {
			t.Fatalf("step %d accepted after 100", step)
		}
	}
	lock := func(n int) time.Duration {
		if n >= 2 {
			return time.Minute
		}
		return 0
	}
	for want := 1; want <= 2; want++ {
		if n, err := s.RecordFailedSignIn(ctx, "m1", lock); err != nil || n != want {
			t.Fatalf("failures = %d %v", n, err)
		}
	}
	got, _ := s.ModeratorByName(ctx, "ana")
	if got.Failures != 2 || !got.LockedUntil.Equal(start.Add(time.Minute)) {
		t.Fatalf("after failures: %+v", got)
	}
	_ = s.RecordSignIn(ctx, "m1")
	if got, _ = s.Moderator(ctx, "m1"); got.Failures != 0 || !got.LockedUntil.IsZero() {
		t.Fatalf("after sign-in: %+v", got)
	}

	_ = s.CreateSession(ctx, &store.Session{ID: "s1", ModeratorID: "m1", Created: start, LastSeen: start})
	_ = s.CreateSession(ctx, &store.Session{ID: "s2", ModeratorID: "m1", Created: start.Add(-13 * time.Hour), LastSeen: start})
	if n, err := s.PurgeSessions(ctx, start.Add(-30*time.Minute), start.Add(-12*time.Hour)); err != nil || n != 1 {
		t.Fatalf("purged sessions %d %v", n, err)
	}
	_ = s.DeleteSessionsOf(ctx, "m1")
	if _, err := s.Session(ctx, "s1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("session of account survived DeleteSessionsOf")
	}

	for i, a := range []string{"sign_in", "approve", "approve"} {
		_ = s.AppendAudit(ctx, store.AuditEntry{ID: report.NewID(), Time: start.Add(time.Duration(i) * time.Hour), Actor: "ana", Action: a})
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{Action: "approve", From: start.Add(90 * time.Minute)})
	if err != nil || len(log) != 1 || !log[0].Time.Equal(start.Add(2*time.Hour)) {
		t.Fatalf("filtered log = %+v %v", log, err)
	}
}

func TestCountsByDay(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clockAt(s, start)
	pendingReport(t, s, "1", report.Day(start))
	pendingReport(t, s, "2", report.Day(start))
	pendingReport(t, s, "3", report.Day(start.Add(-24*time.Hour)))
	rows, err := s.ReportCountsByDay(ctx, report.Day(start.Add(-7*24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	total := map[string]int{}
	for _, r := range rows {
		total[r.Day.Format(time.DateOnly)+"/"+string(r.Kind)] += r.Count
	}
	if total["2026-03-10/bad_date"] != 2 || total["2026-03-09/bad_date"] != 1 {
		t.Fatalf("counts = %v", total)
	}
}
