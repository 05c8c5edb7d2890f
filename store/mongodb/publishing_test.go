package mongodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func testAlert(id string, now time.Time) *report.Alert {
	return &report.Alert{ID: id, Version: 1, Kind: report.DrugAlert, Severity: report.SeverityDanger, Title: "t", Body: "b",
		Areas: []string{"ward-1"}, Published: now, Updated: now, Expires: now.Add(time.Hour), Status: report.AlertPublished, ReportCount: 1}
}

// TestApproveRace has several moderators approve one report at once, each with its own alert:
// exactly one alert is published and queued, and the others are told someone else decided.
func TestApproveRace(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	if err := s.CreateReport(ctx, &report.Report{ID: "r1", ReceiptHash: "h1", Kind: report.DrugAlert, Status: report.StatusPending, SubmittedDay: now}); err != nil {
		t.Fatal(err)
	}
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("a%d", i)
			errs[i] = s.ApproveReport(ctx, "r1", fmt.Sprintf("mod%d", i), testAlert(id, now),
				store.Decision{Status: report.StatusApproved, AlertID: id}, store.AuditEntry{ID: "e" + id, Time: now, Actor: "m", Action: "approve"})
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("moderators %d and %d both approved", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("moderator %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("nobody approved")
	}
	r, err := s.Report(ctx, "r1")
	if err != nil || r.Status != report.StatusApproved || r.AlertID != fmt.Sprintf("a%d", won) || r.ClaimedBy != "" {
		t.Fatalf("report after approval: %+v %v", r, err)
	}
	alerts, err := s.DumpCollection(ctx, store.ColAlerts)
	if err != nil {
		t.Fatal(err)
	}
	deliveries, err := s.DumpCollection(ctx, store.ColDeliveries)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := s.DumpCollection(ctx, store.ColAudit)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || len(deliveries) != 1 || len(audit) != 1 {
		t.Fatalf("%d alerts, %d deliveries, %d audit entries; want one each", len(alerts), len(deliveries), len(audit))
	}
	// Repeating the winning call changes nothing and succeeds.
	id := fmt.Sprintf("a%d", won)
	if err := s.ApproveReport(ctx, "r1", fmt.Sprintf("mod%d", won), testAlert(id, now), store.Decision{Status: report.StatusApproved, AlertID: id},
		store.AuditEntry{ID: "e" + id, Time: now, Actor: "m", Action: "approve"}); err != nil {
		t.Fatalf("repeated approval: %v", err)
	}
	if err := s.ApproveReport(ctx, "gone", "mod0", testAlert("ax", now), store.Decision{Status: report.StatusApproved}, store.AuditEntry{ID: "ex"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("approving a missing report: %v", err)
	}
	if _, err := s.Alert(ctx, "ax"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an alert was published for a missing report: %v", err)
	}
}

// TestAbandonedApproval checks both sides of the commit point: a mark left before the alert
// was published is cleared, one left after is finished, each when the mark lapses and not
// before.
func TestAbandonedApproval(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for _, id := range []string{"before", "after"} {
		if err := s.CreateReport(ctx, &report.Report{ID: id, ReceiptHash: "h" + id, Kind: report.DrugAlert, Status: report.StatusPending, SubmittedDay: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.markReport(ctx, id, "ann", &decisionMark{Alert: "a-" + id, Status: report.StatusApproved, Audit: store.AuditEntry{ID: "e-" + id, Actor: "ann"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAlert(ctx, testAlert("a-after", now)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"before", "after"} {
		if _, held, err := s.ClaimReport(ctx, id, "bob", time.Minute); held || err != nil {
			t.Fatalf("%s: bob took a report being decided: %v %v", id, held, err)
		}
		if err := s.DecideReport(ctx, id, "bob", store.Decision{Status: report.StatusRejected}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("%s: bob decided a report being decided: %v", id, err)
		}
	}
	now = now.Add(markLease + time.Second)
	if _, held, err := s.ClaimReport(ctx, "before", "bob", time.Minute); !held || err != nil {
		t.Fatalf("an abandoned mark before publication still holds the report: %v %v", held, err)
	}
	if err := s.DecideReport(ctx, "after", "bob", store.Decision{Status: report.StatusRejected}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("bob rejected a report whose alert was published: %v", err)
	}
	r, err := s.Report(ctx, "after")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != report.StatusApproved || r.AlertID != "a-after" {
		t.Fatalf("published approval not finished: %+v", r)
	}
	if _, err := s.Delivery(ctx, "a-after.1"); err != nil {
		t.Fatalf("the push of a finished approval: %v", err)
	}
	if log, err := s.AuditLog(ctx, store.AuditFilter{}); err != nil {
		t.Fatal(err)
	} else if len(log) != 1 || log[0].ID != "e-after" {
		t.Fatalf("audit after settling: %+v", log)
	}
}

func TestMergeReport(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for _, id := range []string{"r1", "r2"} {
		if err := s.CreateReport(ctx, &report.Report{ID: id, ReceiptHash: "h" + id, Kind: report.DrugAlert, Status: report.StatusPending, SubmittedDay: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAlert(ctx, testAlert("a1", now)); err != nil {
		t.Fatal(err)
	}
	d := store.Decision{Status: report.StatusMerged, AlertID: "a1"}
	for range 2 { // the second call is a retry and counts nothing more
		a, err := s.MergeReport(ctx, "r1", "ann", "a1", []string{"ward-2"}, d, store.AuditEntry{ID: "e1", Actor: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		if a.ReportCount != 2 || len(a.Areas) != 2 {
			t.Fatalf("merged alert: %+v", a)
		}
	}
	if _, err := s.MergeReport(ctx, "r1", "bob", "a1", nil, d, store.AuditEntry{ID: "e2"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("merging a decided report: %v", err)
	}
	if _, err := s.RetractAlert(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MergeReport(ctx, "r2", "ann", "a1", nil, d, store.AuditEntry{ID: "e3"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("merging into a retracted alert: %v", err)
	}
	if _, err := s.MergeReport(ctx, "r2", "ann", "nope", nil, d, store.AuditEntry{ID: "e4"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("merging into a missing alert: %v", err)
	}
	if r, err := s.Report(ctx, "r2"); err != nil {
		t.Fatal(err)
	} else if r.Status != report.StatusPending || r.ClaimedBy != "" {
		t.Fatalf("a refused merge changed the report: %+v", r)
	}
}

// TestDumpLoad copies every collection into a second database and compares the dumps.
func TestDumpLoad(t *testing.T) {
	src, dst := openTest(t), openTest(t)
	ctx := context.Background()
	workload(t, src)
	if empty, err := dst.Empty(ctx); !empty || err != nil {
		t.Fatalf("a new database is not empty: %v", err)
	}
	if empty, err := src.Empty(ctx); err != nil {
		t.Fatal(err)
	} else if empty {
		t.Fatal("a used database is empty")
	}
	for _, c := range store.TransferCollections {
		var batch []any
		if err := src.Dump(ctx, c, func(v any) error { batch = append(batch, v); return nil }); err != nil {
			t.Fatal(err)
		}
		for range 2 { // loading twice is harmless
			if err := dst.Load(ctx, c, batch); err != nil {
				t.Fatal(err)
			}
		}
		var a, b []any
		if err := src.Dump(ctx, c, func(v any) error { a = append(a, v); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := dst.Dump(ctx, c, func(v any) error { b = append(b, v); return nil }); err != nil {
			t.Fatal(err)
		}
		ja, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		jb, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if string(ja) != string(jb) || len(a) != len(batch) {
			t.Errorf("%s differs after a copy:\n%s\n%s", c, ja, jb)
		}
	}
	if err := src.Dump(ctx, "receipts", func(any) error { return nil }); err == nil {
		t.Error("dumping an unknown collection works")
	}
}

func TestWalkResumesAfterPosition(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var subs []store.Subscription
	for i := range 30 {
		kinds := []report.Kind{report.DrugAlert}
		if i%3 == 0 {
			kinds = []report.Kind{report.BadDate}
		}
		subs = append(subs, store.Subscription{Endpoint: fmt.Sprintf("https://push.example/%d", i), Kinds: kinds,
			Areas: []string{"ward-1", "ward-2"}, MinSeverity: report.SeverityInfo})
	}
	if err := s.InsertSubscriptions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	m := store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-2"}, Severity: report.SeverityWarning}
	var all []string
	pos := store.WalkPosition{}
	for {
		w, err := s.WalkSubscriptions(ctx, m, pos)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := w.Next(ctx, 7)
		w.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			break
		}
		for _, sub := range batch {
			if len(all) > 0 && sub.ID <= all[len(all)-1] {
				t.Fatalf("walk out of order or repeated: %s after %s", sub.ID, all[len(all)-1])
			}
			all = append(all, sub.ID)
		}
		pos.After = all[len(all)-1]
	}
	if len(all) != 20 {
		t.Fatalf("walked %d subscriptions, want 20", len(all))
	}
	if n, ok, err := s.MatchingSubscriptionsTotal(ctx, m); n != 20 || !ok || err != nil {
		t.Fatalf("total %d %v %v", n, ok, err)
	}
}

// TestRetractionFinishedAfterACrash leaves a retraction as a process that died right after its
// commit point would: the alert retracted and marked, no job, no audit entry. The next delivery
// claim once the mark has lapsed queues the retraction's push and logs it; before that, a retry
// of the same call finishes it at once.
func TestRetractionFinishedAfterACrash(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	crash := func(id string, entry store.AuditEntry) {
		t.Helper()
		if err := s.CreateAlert(ctx, testAlert(id, now)); err != nil {
			t.Fatal(err)
		}
		_, err := s.c(store.ColAlerts).UpdateOne(ctx, byID(id), bson.D{
			{Key: "$set", Value: bson.D{{Key: "status", Value: report.AlertRetracted}, {Key: "updated", Value: now},
				{Key: finishField, Value: finishMark{Audit: entry, Retraction: true, At: now}}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	entry := func(id string) store.AuditEntry {
		return store.AuditEntry{ID: "e-" + id, Time: now, Actor: "ana", Action: "alert_retract", Target: id}
	}
	done := func(id string) {
		t.Helper()
		if d, err := s.Delivery(ctx, id+".2"); err != nil || !d.Retraction {
			t.Fatalf("retraction job of %s: %+v, %v", id, d, err)
		}
		if _, err := findOne[store.AuditEntry](ctx, s.c(store.ColAudit), byID("e-"+id)); err != nil {
			t.Fatalf("audit entry of %s: %v", id, err)
		}
		if a, err := findOne[finishingAlert](ctx, s.c(store.ColAlerts), byID(id)); err != nil || a.Mark != nil || a.Status != report.AlertRetracted {
			t.Fatalf("alert %s after settling: %+v, %v", id, a, err)
		}
	}

	crash("retried", entry("retried"))
	a, err := s.RetractPublishedAlert(ctx, "retried", entry("retried"))
	if err != nil || a.Version != 2 || a.Status != report.AlertRetracted {
		t.Fatalf("retry after a crash: %+v, %v", a, err)
	}
	done("retried")

	crash("abandoned", entry("abandoned"))
	if _, err := s.ClaimDelivery(ctx, "d1", time.Minute); !errors.Is(err, store.ErrNotFound) && err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delivery(ctx, "abandoned.2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a retraction still within its lease was settled: %v", err)
	}
	now = now.Add(markLease + settleInterval)
	d, err := s.ClaimDelivery(ctx, "d1", time.Minute)
	if err != nil {
		t.Fatalf("claim after the mark lapsed: %v", err)
	}
	if d.ID != "retried.2" && d.ID != "abandoned.2" {
		t.Fatalf("claimed %s", d.ID)
	}
	done("abandoned")
}
