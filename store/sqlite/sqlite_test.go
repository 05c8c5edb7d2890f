package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// openTest opens a fresh database in a temporary folder and closes it when the test ends.
func openTest(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), filepath.Join(dir, "headsup.db"), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s, dir
}

func ok(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func newReport(i int, details string) *report.Report {
	return &report.Report{
		ID: fmt.Sprintf("report-%06d", i), ReceiptHash: fmt.Sprintf("receipt-%06d", i), Kind: report.BadDate,
		Status: report.StatusPending, SubmittedDay: report.Day(testNow), Verified: true,
		BadDate: &report.BadDateFields{
			Common: report.Common{Date: "2026-03-09", Area: "ward-1", Details: details},
			Harms:  []string{"robbery"}, Phones: []string{"2025550100"},
		},
	}
}

func newAlert(i int, kind report.Kind, published, expires time.Time) *report.Alert {
	return &report.Alert{
		ID: fmt.Sprintf("alert-%06d", i), Version: 1, Kind: kind, Severity: report.SeverityWarning,
		Title: "Title", Body: "Body", Areas: []string{"ward-1", "ward-2"}, IncidentDay: report.Day(published),
		Published: published, Updated: published, Expires: expires, Status: report.AlertPublished, ReportCount: 1,
		Identifiers: []report.Identifier{{Type: "phone", Value: "2025550100", HMAC: fmt.Sprintf("hmac-%d", i%7), Public: i%2 == 0}},
	}
}

func newSub(i int) store.Subscription {
	return store.Subscription{
		Endpoint: fmt.Sprintf("https://push.example/%d", i), P256dh: "p", Auth: "a", TokenHash: fmt.Sprintf("tok-%d", i),
		Kinds: []report.Kind{report.BadDate, report.DrugAlert}, Areas: []string{fmt.Sprintf("ward-%d", i%8+1)},
		MinSeverity: report.SeverityInfo, Lang: "en",
	}
}

// workload calls every method of the store at least once, each query shape with and without
// its optional filters, and checks a few results on the way.
func workload(t *testing.T, s *Store) {
	ctx := context.Background()
	now := testNow
	s.SetClock(func() time.Time { return now })

	// Reports.
	for i := range 20 {
		ok(t, s.CreateReport(ctx, newReport(i, "details")), "create report")
	}
	_, err := s.Report(ctx, "report-000001")
	ok(t, err, "report")
	_, err = s.ReportByReceipt(ctx, "receipt-000001")
	ok(t, err, "report by receipt")
	ok(t, s.AddFollowup(ctx, "receipt-000001", report.Followup{Day: report.Day(now), Text: "more"}, []string{"hmac-follow-up"}), "follow-up")
	_, err = s.CountReports(ctx, report.StatusPending)
	ok(t, err, "count")
	_, err = s.PendingReports(ctx, 5, 10)
	ok(t, err, "pending")
	_, err = s.PendingCounts(ctx)
	ok(t, err, "pending counts")
	_, held, err := s.ClaimReport(ctx, "report-000002", "mod", time.Minute)
	ok(t, err, "claim")
	if !held {
		t.Fatal("claim not held")
	}
	ok(t, s.ReleaseClaim(ctx, "report-000002", "mod"), "release")
	ok(t, s.DecideReport(ctx, "report-000003", "mod", store.Decision{Status: report.StatusRejected, Note: "n"}), "decide")
	ok(t, s.DecideReport(ctx, "report-000007", "mod", store.Decision{Status: report.StatusNeedsInfo, Note: "which street?"}), "ask")
	_, err = s.CountReports(ctx, report.StatusNeedsInfo)
	ok(t, err, "count needs info")
	ok(t, s.AddFollowup(ctx, "receipt-000007", report.Followup{Day: report.Day(now), Text: "answer"}, []string{"hmac-follow-up", "hmac-answer"}), "answer")
	for _, hmacs := range [][]string{{"hmac-follow-up"}, {"hmac-follow-up", "hmac-answer", "hmac-none"}} {
		linked, err := s.ReportsByIdentifiers(ctx, hmacs, 10)
		ok(t, err, "reports by identifiers")
		if len(linked) != 2 {
			t.Fatalf("reports by identifiers %v: %d reports, want 2", hmacs, len(linked))
		}
	}
	_, err = s.DeleteReportByReceipt(ctx, "receipt-000004")
	ok(t, err, "delete")
	_, err = s.ReportCountsByDay(ctx, now.AddDate(0, 0, -30))
	ok(t, err, "report counts")

	// Publishing.
	a := newAlert(1, report.BadDate, now, now.Add(24*time.Hour))
	ok(t, s.ApproveReport(ctx, "report-000005", "mod", a, store.Decision{Status: report.StatusApproved, AlertID: a.ID},
		store.AuditEntry{ID: "audit-approve", Time: now, Actor: "mod", Action: "approve", Target: a.ID}), "approve")
	_, err = s.MergeReport(ctx, "report-000006", "mod", a.ID, []string{"ward-3"}, store.Decision{Status: report.StatusMerged, AlertID: a.ID},
		store.AuditEntry{ID: "audit-merge", Time: now, Actor: "mod", Action: "merge", Target: a.ID})
	ok(t, err, "merge")

	// Alerts.
	for i := 2; i < 12; i++ {
		kind := report.BadDate
		if i%2 == 0 {
			kind = report.DrugAlert
		}
		ok(t, s.CreateAlert(ctx, newAlert(i, kind, now.Add(-time.Duration(i)*time.Hour), now.Add(time.Duration(i-6)*time.Hour))), "create alert")
	}
	_, err = s.Alert(ctx, a.ID)
	ok(t, err, "alert")
	for _, f := range []store.AlertFilter{{}, {Kind: report.BadDate}, {Area: "ward-1"}, {Since: now.Add(-48 * time.Hour)},
		{AfterPublished: now, AfterID: "alert-000001", Limit: 5},
		{Kind: report.DrugAlert, Area: "ward-2", Since: now.Add(-48 * time.Hour), AfterPublished: now, AfterID: "z"}} {
		_, err = s.PublishedAlerts(ctx, f)
		ok(t, err, "published alerts")
	}
	_, err = s.CountPublishedAlerts(ctx)
	ok(t, err, "count alerts")
	u, err := s.UpdateAlert(ctx, a.ID, 1, store.AlertChange{Title: "T2", Body: "B2", Severity: report.SeverityDanger,
		Areas: []string{"ward-5"}, Expires: now.Add(48 * time.Hour)})
	ok(t, err, "update alert")
	if u.Version != 2 || len(u.Areas) != 1 || u.Areas[0] != "ward-5" {
		t.Fatalf("updated alert %+v", u)
	}
	_, err = s.ExtendAlert(ctx, a.ID, now.Add(72*time.Hour))
	ok(t, err, "extend")
	_, err = s.MergeIntoAlert(ctx, a.ID, []string{"ward-6"})
	ok(t, err, "merge into")
	_, err = s.RetractAlert(ctx, "alert-000011")
	ok(t, err, "retract")
	retraction := store.AuditEntry{ID: "audit-retract", Time: now, Actor: "mod", Action: "alert_retract", Target: "alert-000009"}
	for range 2 { // the second is a retry
		_, err = s.RetractPublishedAlert(ctx, "alert-000009", retraction)
		ok(t, err, "retract published")
	}
	for _, list := range []string{store.AlertsActive, store.AlertsExpired, store.AlertsRetracted} {
		for _, kind := range []report.Kind{"", report.BadDate} {
			_, err = s.ModerationAlerts(ctx, list, kind, 0, 10)
			ok(t, err, "moderation alerts")
		}
	}
	found, err := s.AlertsByIdentifier(ctx, "hmac-1")
	ok(t, err, "by identifier")
	if len(found) != 1 || found[0].ID != a.ID {
		t.Fatalf("by identifier: %d alerts", len(found))
	}
	_, err = s.AlertCountsByDay(ctx, now.AddDate(0, 0, -30))
	ok(t, err, "alert counts")
	withIDs, err := s.AlertsWithIdentifiers(ctx, "", 100)
	ok(t, err, "alerts with identifiers")
	if len(withIDs) == 0 {
		t.Fatal("no alert with identifiers in the workload")
	}
	ok(t, s.ReplaceAlertIdentifiers(ctx, []store.AlertIdentifiers{{AlertID: withIDs[0].ID, Identifiers: withIDs[0].Identifiers}}), "replace identifiers")

	// Subscriptions.
	subs := make([]store.Subscription, 50)
	for i := range subs {
		subs[i] = newSub(i)
	}
	ok(t, s.InsertSubscriptions(ctx, subs), "insert subscriptions")
	one := newSub(1000)
	id, err := s.SaveSubscription(ctx, &one)
	ok(t, err, "save subscription")
	_, err = s.Subscription(ctx, id)
	ok(t, err, "subscription")
	one.Areas = []string{"ward-2"}
	ok(t, s.UpdateSubscription(ctx, id, one.TokenHash, &one), "update subscription")
	m := store.SubscriptionMatch{Kind: report.BadDate, Areas: []string{"ward-1", "ward-2"}, Severity: report.SeverityWarning}
	n, countable, err := s.MatchingSubscriptionsTotal(ctx, m)
	ok(t, err, "total")
	w, err := s.WalkSubscriptions(ctx, m, store.WalkPosition{})
	ok(t, err, "walk")
	var walked int64
	for {
		batch, err := w.Next(ctx, 3)
		ok(t, err, "next")
		if len(batch) == 0 {
			break
		}
		walked += int64(len(batch))
	}
	w.Close(ctx)
	if !countable || n != walked || n != 15 {
		t.Fatalf("total %d (%v), walked %d, want 15", n, countable, walked)
	}
	ok(t, s.DeleteSubscription(ctx, id, one.TokenHash), "delete subscription")
	_, err = s.DeleteGoneSubscription(ctx, subs[0].Endpoint)
	ok(t, err, "delete gone")

	// Deliveries.
	ok(t, s.EnqueueDelivery(ctx, a.ID, 2, false), "enqueue")
	d, err := s.ClaimDelivery(ctx, "d1", time.Minute)
	ok(t, err, "claim delivery")
	ok(t, s.RenewDeliveryLease(ctx, d.ID, "d1", time.Minute), "renew")
	d.Sent, d.Position = 3, store.WalkPosition{After: "x"}
	d.Retries = []store.DeliveryRetry{{SubscriptionID: "s", Endpoint: "e", Attempts: 1, Next: now.Add(time.Minute)}}
	ok(t, s.SaveDeliveryProgress(ctx, "d1", d, time.Time{}), "save progress")
	_, err = s.DeliveriesForAlert(ctx, a.ID)
	ok(t, err, "deliveries for alert")
	_, err = s.Delivery(ctx, d.ID)
	ok(t, err, "delivery")
	_, err = s.DeliveryClaims(ctx, d.ID)
	ok(t, err, "claims")

	// Moderators and sessions.
	mod := &store.Moderator{ID: "m1", Name: "alice", Role: store.RoleAdmin, PasswordHash: "h", Created: now}
	ok(t, s.CreateModerator(ctx, mod), "create moderator")
	_, err = s.Moderator(ctx, "m1")
	ok(t, err, "moderator")
	_, err = s.ModeratorByName(ctx, "alice")
	ok(t, err, "by name")
	_, err = s.Moderators(ctx)
	ok(t, err, "moderators")
	_, err = s.CountModerators(ctx)
	ok(t, err, "count moderators")
	ok(t, s.SetModeratorDisabled(ctx, "m1", false), "disable")
	ok(t, s.ResetModerator(ctx, "m1", "h2"), "reset")
	ok(t, s.SetPassword(ctx, "m1", "h3"), "password")
	ok(t, s.SetTOTPSecret(ctx, "m1", "secret"), "totp secret")
	ok(t, s.EnrolTOTP(ctx, "m1", 10), "enrol")
	_, err = s.UseTOTPStep(ctx, "m1", 11)
	ok(t, err, "use step")
	_, err = s.RecordFailedSignIn(ctx, "m1", func(int) time.Duration { return time.Minute })
	ok(t, err, "failed sign-in")
	ok(t, s.RecordSignIn(ctx, "m1"), "sign-in")
	ok(t, s.CreateSession(ctx, &store.Session{ID: "s1", ModeratorID: "m1", Full: true, Created: now, LastSeen: now}), "session")
	_, err = s.Session(ctx, "s1")
	ok(t, err, "session")
	ok(t, s.TouchSession(ctx, "s1", now), "touch")
	_, err = s.PurgeSessions(ctx, now.Add(-time.Hour), now.Add(-24*time.Hour))
	ok(t, err, "purge sessions")
	ok(t, s.DeleteSessionsOf(ctx, "m1"), "delete sessions of")
	ok(t, s.DeleteSession(ctx, "s1"), "delete session")

	// Audit.
	for i := range 10 {
		ok(t, s.AppendAudit(ctx, store.AuditEntry{ID: fmt.Sprintf("audit-%d", i), Time: now.Add(time.Duration(i) * time.Second),
			Actor: "alice", Action: "sign_in"}), "append audit")
	}
	for _, f := range []store.AuditFilter{{}, {Action: "sign_in"}, {Actor: "alice"}, {Actor: "alice", Action: "sign_in"},
		{From: now, To: now.Add(time.Hour)}, {Action: "approve", From: now}, {Actor: "alice", To: now, Skip: 2, Limit: 3}} {
		_, err = s.AuditLog(ctx, f)
		ok(t, err, "audit log")
	}

	// Settings and challenges.
	_, err = s.SettingOrCreate(ctx, "k", "v")
	ok(t, err, "setting or create")
	_, err = s.Setting(ctx, "k")
	ok(t, err, "setting")
	ok(t, s.PutSetting(ctx, "k", "v2"), "put setting")
	_, err = s.MarkSpent(ctx, "c1", now.Add(time.Minute))
	ok(t, err, "mark spent")
	_, err = s.PurgeSpentChallenges(ctx)
	ok(t, err, "purge challenges")

	// Retention purge last: it clears what the decided reports still hold.
	now = now.AddDate(0, 0, 40)
	_, err = s.PurgeDecidedReports(ctx, now.AddDate(0, 0, -30))
	ok(t, err, "purge reports")
}
