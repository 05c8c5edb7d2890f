package mongodb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestEditFinishedAfterACrash leaves edits as a process that died right after the commit point
// would: the new version public and marked, no job, no audit entry. A retry of the same call
// finishes one at once; the next edit or extension of the alert by someone else finishes it
// before its own; and otherwise the next delivery claim once the mark has lapsed queues the
// push and logs the edit. Whichever way, the push of the new version appears and the entry is
// logged once.
func TestEditFinishedAfterACrash(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	change := store.AlertChange{Title: "new", Body: "b2", Severity: report.SeverityDanger, Areas: []string{"ward-1"}, Expires: now.Add(2 * time.Hour)}
	entry := func(id, actor string) store.AuditEntry {
		return store.AuditEntry{ID: "e-" + id + "-" + actor, Time: now, Actor: actor, Action: "alert_edit", Target: id}
	}
	crash := func(id string) {
		t.Helper()
		if err := s.CreateAlert(ctx, testAlert(id, now)); err != nil {
			t.Fatal(err)
		}
		mark := finishMark{Audit: entry(id, "ana"), Push: 2, At: now}
		if _, err := s.c(store.ColAlerts).UpdateOne(ctx, byID(id), editUpdate(change, now, bson.E{Key: finishField, Value: mark})); err != nil {
			t.Fatal(err)
		}
	}
	done := func(id string, entries ...string) {
		t.Helper()
		if d, err := s.Delivery(ctx, id+".2"); err != nil || d.Retraction || d.AlertVersion != 2 {
			t.Fatalf("the push of %s's edit: %+v, %v", id, d, err)
		}
		for _, e := range entries {
			if _, err := findOne[store.AuditEntry](ctx, s.c(store.ColAudit), byID(e)); err != nil {
				t.Fatalf("audit entry %s: %v", e, err)
			}
		}
		if a, err := findOne[finishingAlert](ctx, s.c(store.ColAlerts), byID(id)); err != nil || a.Mark != nil || a.Title != "new" {
			t.Fatalf("alert %s after finishing: %+v, %v", id, a, err)
		}
	}

	crash("retried")
	a, err := s.EditPublishedAlert(ctx, "retried", 1, change, true, entry("retried", "ana"))
	if err != nil || a.Version != 2 || a.Title != "new" {
		t.Fatalf("retry after a crash: %+v, %v", a, err)
	}
	done("retried", "e-retried-ana")

	// Ben edits on top of Ana's unfinished edit: hers is finished first, not overwritten.
	crash("helped")
	benChange := change
	benChange.Title = "newer"
	if a, err := s.EditPublishedAlert(ctx, "helped", 2, benChange, false, entry("helped", "ben")); err != nil || a.Version != 3 {
		t.Fatalf("an edit on top of an unfinished one: %+v, %v", a, err)
	}
	if _, err := s.Delivery(ctx, "helped.2"); err != nil {
		t.Fatalf("the unfinished edit's push after another edit: %v", err)
	}
	if _, err := s.Delivery(ctx, "helped.3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an edit without a new push queued one: %v", err)
	}
	for _, e := range []string{"e-helped-ana", "e-helped-ben"} {
		if _, err := findOne[store.AuditEntry](ctx, s.c(store.ColAudit), byID(e)); err != nil {
			t.Fatalf("audit entry %s: %v", e, err)
		}
	}

	// An extension does the same.
	crash("extended")
	ext := store.AuditEntry{ID: "e-extended-ben", Time: now, Actor: "ben", Action: "alert_extend", Target: "extended"}
	if a, err := s.ExtendPublishedAlert(ctx, "extended", now.Add(9*time.Hour), ext); err != nil || a.Version != 2 || !a.Expires.Equal(now.Add(9*time.Hour)) {
		t.Fatalf("an extension on top of an unfinished edit: %+v, %v", a, err)
	}
	done("extended", "e-extended-ana", "e-extended-ben")

	// Nobody touches this one: the dispatchers' claims finish it once the mark has lapsed.
	crash("abandoned")
	if _, err := s.ClaimDelivery(ctx, "d1", time.Minute); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := s.Delivery(ctx, "abandoned.2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an edit still within its lease was settled: %v", err)
	}
	now = now.Add(markLease + settleInterval)
	if _, err := s.ClaimDelivery(ctx, "d1", time.Minute); err != nil {
		t.Fatalf("claim after the mark lapsed: %v", err)
	}
	done("abandoned", "e-abandoned-ana")
	log, err := s.AuditLog(ctx, store.AuditFilter{})
	if err != nil || len(log) != 6 {
		t.Fatalf("%d audit entries (%v), want 6: one per action", len(log), err)
	}
}

// TestDecisionLoggedAfterACrash leaves rejections as a process that died right after the
// decision would: the report decided and marked, no audit entry. A retry, the reporter's
// withdrawal, a later decision after an answer, or else the next delivery claim once the mark
// has lapsed, each logs it, once.
func TestDecisionLoggedAfterACrash(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	entry := func(id, actor string) store.AuditEntry {
		return store.AuditEntry{ID: "e-" + id + "-" + actor, Time: now, Actor: actor, Action: "reject", Target: id}
	}
	crash := func(id string, status report.Status) {
		t.Helper()
		if err := s.CreateReport(ctx, &report.Report{ID: id, ReceiptHash: "h" + id, Kind: report.DrugAlert, Status: report.StatusPending, SubmittedDay: now}); err != nil {
			t.Fatal(err)
		}
		mark := finishMark{Audit: entry(id, "ana"), At: now}
		if _, err := s.c(store.ColReports).UpdateOne(ctx, byID(id), decideUpdate(store.Decision{Status: status, Note: "n"}, now, bson.E{Key: finishField, Value: mark})); err != nil {
			t.Fatal(err)
		}
	}
	logged := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			if _, err := findOne[store.AuditEntry](ctx, s.c(store.ColAudit), byID(id)); err != nil {
				t.Fatalf("audit entry %s: %v", id, err)
			}
		}
	}

	crash("retried", report.StatusRejected)
	if err := s.DecideReportAudited(ctx, "retried", "ana", store.Decision{Status: report.StatusRejected, Note: "n"}, entry("retried", "ana")); err != nil {
		t.Fatalf("retry after a crash: %v", err)
	}
	logged("e-retried-ana")

	crash("withdrawn", report.StatusNeedsInfo)
	if _, err := s.DeleteReportByReceipt(ctx, "hwithdrawn"); err != nil {
		t.Fatal(err)
	}
	logged("e-withdrawn-ana")

	crash("answered", report.StatusNeedsInfo)
	if err := s.AddFollowup(ctx, "hanswered", report.Followup{Day: now, Text: "answer"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DecideReportAudited(ctx, "answered", "ben", store.Decision{Status: report.StatusRejected}, entry("answered", "ben")); err != nil {
		t.Fatalf("a decision after an answer to an unlogged question: %v", err)
	}
	logged("e-answered-ana", "e-answered-ben")

	crash("abandoned", report.StatusRejected)
	if _, err := s.ClaimDelivery(ctx, "d1", time.Minute); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("claim with nothing queued: %v", err)
	}
	if _, err := findOne[store.AuditEntry](ctx, s.c(store.ColAudit), byID("e-abandoned-ana")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a decision still within its lease was settled: %v", err)
	}
	now = now.Add(markLease + settleInterval)
	if _, err := s.ClaimDelivery(ctx, "d1", time.Minute); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("claim with nothing queued: %v", err)
	}
	logged("e-abandoned-ana")
	if r, err := s.Report(ctx, "abandoned"); err != nil || r.Status != report.StatusRejected {
		t.Fatalf("the abandoned decision: %+v, %v", r, err)
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{})
	if err != nil || len(log) != 5 {
		t.Fatalf("%d audit entries (%v), want 5: one per decision", len(log), err)
	}
	marked, err := s.c(store.ColReports).CountDocuments(ctx, bson.D{{Key: finishField, Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil || marked != 0 {
		t.Fatalf("%d reports still marked (%v)", marked, err)
	}
}
