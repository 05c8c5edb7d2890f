package publishing_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

var testNow = time.Date(2026, 3, 10, 12, 0, 7, 0, time.UTC)

// waker counts the wake-ups the dispatcher would get.
type waker struct{ n atomic.Int32 }

func (w *waker) Wake() { w.n.Add(1) }

type env struct {
	t     *testing.T
	ctx   context.Context
	store store.Store
	pub   *publishing.Service
	woken *waker
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s := storetest.New(t)
	now := func() time.Time { return testNow }
	s.SetClock(now)
	w := &waker{}
	return &env{t: t, ctx: context.Background(), store: s, woken: w, pub: &publishing.Service{
		Store: s, Areas: report.DefaultAreas(), IdentifierKey: []byte("identifier-key"), Waker: w, Now: now,
	}}
}

// pendingReport stores a report as intake would and gives moderator "sam" its lease.
func (e *env) pendingReport(kind report.Kind, fields map[string]any) *report.Report {
	e.t.Helper()
	raw, err := json.Marshal(fields)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := report.Decode(string(kind), raw, report.DefaultAreas(), testNow)
	if err != nil {
		e.t.Fatal(err)
	}
	r.ID, r.ReceiptHash, r.Status, r.SubmittedDay = report.NewID(), report.NewID(), report.StatusPending, report.Day(testNow)
	if err := e.store.CreateReport(e.ctx, r); err != nil {
		e.t.Fatal(err)
	}
	if _, held, err := e.store.ClaimReport(e.ctx, r.ID, "sam", 5*time.Minute); err != nil || !held {
		e.t.Fatalf("claim: %v %v", held, err)
	}
	return r
}

func (e *env) badDate() *report.Report {
	return e.pendingReport(report.BadDate, map[string]any{
		"date": "2026-03-08", "area": "ward-8", "details": "Took my money and pushed me out of the car.",
		"harms": []string{"robbery_theft"}, "phones": []string{"(202) 555-0147"},
	})
}

func change() store.AlertChange {
	return store.AlertChange{Title: "Robbery, Ward 8", Body: "A client robbed a worker.", Severity: report.SeverityWarning,
		Areas: []string{"ward-8"}, Expires: testNow.Add(30 * 24 * time.Hour)}
}

// audited counts the audit entries of an action on target.
func (e *env) audited(action, target string) int {
	e.t.Helper()
	entries, err := e.store.AuditLog(e.ctx, store.AuditFilter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, a := range entries {
		if a.Target == target && a.Actor == "sam" {
			n++
		}
	}
	return n
}

func (e *env) deliveries(alertID string) []store.Delivery {
	e.t.Helper()
	ds, err := e.store.DeliveriesForAlert(e.ctx, alertID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func TestApprovePublishesQueuesAuditsAndWakes(t *testing.T) {
	e := newEnv(t)
	r := e.badDate()
	norm, err := report.NormalizeIdentifier(report.IdentifierPhone, "(202) 555-0147")
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.pub.Approve(e.ctx, "sam", r, change(), []publishing.Identifier{{Type: report.IdentifierPhone, Value: norm, Checkable: true}})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.Alert(e.ctx, a.ID)
	if err != nil || stored.Status != report.AlertPublished || stored.Title != "Robbery, Ward 8" || stored.Kind != report.BadDate {
		t.Fatalf("alert %+v, %v", stored, err)
	}
	if len(stored.PublicIdentifiers()) != 0 {
		t.Errorf("an identifier only made checkable is shown publicly: %+v", stored.PublicIdentifiers())
	}
	found, err := e.store.AlertsByIdentifier(e.ctx, report.IdentifierHMAC([]byte("identifier-key"), report.IdentifierPhone, norm))
	if err != nil || len(found) != 1 {
		t.Errorf("the checkable number does not find the alert: %v, %v", found, err)
	}
	got, err := e.store.Report(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != report.StatusApproved || got.AlertID != a.ID || got.Note != publishing.NoteApproved {
		t.Errorf("report after approval: %s %q %q", got.Status, got.AlertID, got.Note)
	}
	if ds := e.deliveries(a.ID); len(ds) != 1 || ds[0].AlertVersion != 1 || ds[0].Retraction {
		t.Errorf("deliveries %+v, want one for version 1", ds)
	}
	if e.audited(publishing.ActionApprove, r.ID) != 1 {
		t.Error("no audit entry for the approval")
	}
	if e.woken.n.Load() != 1 {
		t.Errorf("dispatcher woken %d times, want once", e.woken.n.Load())
	}
}

func TestDecisionsLostToOthersChangeNothing(t *testing.T) {
	e := newEnv(t)
	decided := e.badDate()
	if err := e.pub.Reject(e.ctx, "sam", decided.ID, "insufficient", "Not enough to publish."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pub.Approve(e.ctx, "sam", decided, change(), nil); !errors.Is(err, publishing.ErrConflict) {
		t.Errorf("approve a rejected report: %v, want ErrConflict", err)
	}
	if err := e.pub.Reject(e.ctx, "sam", decided.ID, "insufficient", "again"); !errors.Is(err, publishing.ErrConflict) {
		t.Errorf("reject twice: %v, want ErrConflict", err)
	}
	withdrawn := e.badDate()
	if _, err := e.store.DeleteReportByReceipt(e.ctx, withdrawn.ReceiptHash); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pub.Approve(e.ctx, "sam", withdrawn, change(), nil); !errors.Is(err, publishing.ErrNotFound) {
		t.Errorf("approve a withdrawn report: %v, want ErrNotFound", err)
	}
	if err := e.pub.Reject(e.ctx, "sam", withdrawn.ID, "insufficient", "x"); !errors.Is(err, publishing.ErrNotFound) {
		t.Errorf("reject a withdrawn report: %v, want ErrNotFound", err)
	}
	if n, err := e.store.CountPublishedAlerts(e.ctx); err != nil {
		t.Fatal(err)
	} else if n != 0 {
		t.Errorf("%d alerts published by refused approvals", n)
	}
	if e.audited(publishing.ActionReject, decided.ID) != 1 || e.audited(publishing.ActionApprove, decided.ID) != 0 {
		t.Error("audit log: want the one rejection and no approval")
	}
	if e.woken.n.Load() != 0 {
		t.Errorf("dispatcher woken %d times with nothing to push", e.woken.n.Load())
	}
}

func TestMergeCountsTheReportInAnAlertOfItsKind(t *testing.T) {
	e := newEnv(t)
	a, err := e.pub.Approve(e.ctx, "sam", e.badDate(), change(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wokenAfterApprove := e.woken.n.Load()
	batch := e.pendingReport(report.DrugAlert, map[string]any{"date": "2026-03-08", "area": "ward-2", "sold_as": "meth", "details": "Cloudy shards."})
	if _, err := e.pub.Merge(e.ctx, "sam", batch, a.ID, false); !errors.Is(err, publishing.ErrNotMergeable) {
		t.Errorf("merge a bad batch into a bad date: %v, want ErrNotMergeable", err)
	}
	for _, id := range []string{"", "not-an-id", report.NewID()} {
		if _, err := e.pub.Merge(e.ctx, "sam", batch, id, false); !errors.Is(err, publishing.ErrNotMergeable) {
			t.Errorf("merge into %q: %v, want ErrNotMergeable", id, err)
		}
	}
	second := e.pendingReport(report.BadDate, map[string]any{
		"date": "2026-03-09", "area": "ward-7", "details": "Same grey car, same thing.", "harms": []string{"robbery_theft"},
	})
	merged, err := e.pub.Merge(e.ctx, "sam", second, a.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if merged.ReportCount != 2 || len(merged.Areas) != 2 {
		t.Errorf("merged alert: %d reports, areas %v; want 2 and ward-7 added", merged.ReportCount, merged.Areas)
	}
	got, err := e.store.Report(e.ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != report.StatusMerged || got.AlertID != a.ID || got.Note != publishing.NoteMerged {
		t.Errorf("report after merge: %s %q %q", got.Status, got.AlertID, got.Note)
	}
	if e.audited(publishing.ActionMerge, second.ID) != 1 {
		t.Error("no audit entry for the merge")
	}
	if e.woken.n.Load() != wokenAfterApprove {
		t.Error("a merge, which pushes nothing, woke the dispatcher")
	}
	// Into a retracted alert: refused, and the report stays pending.
	if _, err := e.pub.Retract(e.ctx, "sam", a.ID); err != nil {
		t.Fatal(err)
	}
	third := e.badDate()
	if _, err := e.pub.Merge(e.ctx, "sam", third, a.ID, false); !errors.Is(err, publishing.ErrNotMergeable) {
		t.Errorf("merge into a retracted alert: %v, want ErrNotMergeable", err)
	}
	if got, err := e.store.Report(e.ctx, third.ID); err != nil {
		t.Fatal(err)
	} else if got.Status != report.StatusPending {
		t.Errorf("report after a refused merge: %s", got.Status)
	}
}

func TestEditRetractExtend(t *testing.T) {
	e := newEnv(t)
	a, err := e.pub.Approve(e.ctx, "sam", e.badDate(), change(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.woken.n.Store(0)

	ch := change()
	ch.Title = "Robbery and assault, Ward 8"
	edited, err := e.pub.Edit(e.ctx, "sam", a.ID, 1, ch, false)
	if err != nil || edited.Version != 2 || edited.Title != ch.Title {
		t.Fatalf("edit: %+v, %v", edited, err)
	}
	if len(e.deliveries(a.ID)) != 1 || e.woken.n.Load() != 0 {
		t.Error("an edit without repush queued or woke a push")
	}
	if _, err := e.pub.Edit(e.ctx, "sam", a.ID, 1, ch, true); !errors.Is(err, publishing.ErrConflict) {
		t.Errorf("edit from a stale version: %v, want ErrConflict", err)
	}
	repushed, err := e.pub.Edit(e.ctx, "sam", a.ID, 2, ch, true)
	if err != nil {
		t.Fatal(err)
	}
	if ds := e.deliveries(a.ID); len(ds) != 2 || ds[0].AlertVersion != repushed.Version || e.woken.n.Load() != 1 {
		t.Errorf("repush: deliveries %+v, woken %d; want the new version queued and one wake-up", ds, e.woken.n.Load())
	}
	if e.audited(publishing.ActionAlertEdit, a.ID) != 2 {
		t.Errorf("audit: %d edits, want 2", e.audited(publishing.ActionAlertEdit, a.ID))
	}

	later := testNow.Add(60 * 24 * time.Hour)
	extended, err := e.pub.Extend(e.ctx, "sam", a.ID, later)
	if err != nil || !extended.Expires.Equal(later) || e.woken.n.Load() != 1 {
		t.Fatalf("extend: %+v, %v, woken %d", extended, err, e.woken.n.Load())
	}

	retracted, err := e.pub.Retract(e.ctx, "sam", a.ID)
	if err != nil || retracted.Status != report.AlertRetracted {
		t.Fatalf("retract: %+v, %v", retracted, err)
	}
	if ds := e.deliveries(a.ID); len(ds) != 3 || !ds[0].Retraction || e.woken.n.Load() != 2 {
		t.Errorf("retraction: deliveries %+v, woken %d; want the retraction queued and a wake-up", ds, e.woken.n.Load())
	}
	if _, err := e.pub.Retract(e.ctx, "sam", a.ID); !errors.Is(err, publishing.ErrConflict) {
		t.Errorf("retract twice: %v, want ErrConflict", err)
	}
	if _, err := e.pub.Extend(e.ctx, "sam", a.ID, later); !errors.Is(err, publishing.ErrConflict) {
		t.Errorf("extend a retracted alert: %v, want ErrConflict", err)
	}
	if _, err := e.pub.Edit(e.ctx, "sam", a.ID, retracted.Version, ch, false); !errors.Is(err, publishing.ErrConflict) {
		t.Errorf("edit a retracted alert: %v, want ErrConflict", err)
	}
	for action, want := range map[string]int{publishing.ActionAlertExtend: 1, publishing.ActionAlertRetract: 1} {
		if got := e.audited(action, a.ID); got != want {
			t.Errorf("audit %s: %d, want %d", action, got, want)
		}
	}
	if _, err := e.pub.Retract(e.ctx, "sam", report.NewID()); !errors.Is(err, publishing.ErrNotFound) {
		t.Errorf("retract a missing alert: %v, want ErrNotFound", err)
	}
}

// separateStepsFail is a store on which a process dies at the first separate write after an
// action's main one: every EnqueueDelivery and AppendAudit called on their own fails. An action
// that still leaves its push and its record behind wrote them in the same call.
type separateStepsFail struct{ store.Store }

var errDied = errors.New("process died")

func (separateStepsFail) EnqueueDelivery(context.Context, string, int, bool) error { return errDied }
func (separateStepsFail) AppendAudit(context.Context, store.AuditEntry) error      { return errDied }

// TestEachActionIsOneWrite runs every moderator action on a store where separate steps fail,
// on both engines: each action's change, push and audit entry are all there.
func TestEachActionIsOneWrite(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t)
			e.store = eng.New(t)
			e.store.SetClock(func() time.Time { return testNow })
			e.pub.Store = separateStepsFail{e.store}

			a, err := e.pub.Approve(e.ctx, "sam", e.badDate(), change(), nil)
			if err != nil {
				t.Fatalf("approve: %v", err)
			}
			if _, err := e.pub.Edit(e.ctx, "sam", a.ID, 1, change(), true); err != nil {
				t.Fatalf("edit with a new push: %v", err)
			}
			if ds := e.deliveries(a.ID); len(ds) != 2 || ds[0].AlertVersion != 2 {
				t.Errorf("jobs after an edit with a new push: %+v", ds)
			}
			if _, err := e.pub.Extend(e.ctx, "sam", a.ID, testNow.Add(90*24*time.Hour)); err != nil {
				t.Fatalf("extend: %v", err)
			}
			rejected, asked := e.badDate(), e.badDate()
			if err := e.pub.Reject(e.ctx, "sam", rejected.ID, "insufficient", "Not enough to publish."); err != nil {
				t.Fatalf("reject: %v", err)
			}
			if err := e.pub.Ask(e.ctx, "sam", asked.ID, "[note:question.when]"); err != nil {
				t.Fatalf("ask: %v", err)
			}
			for _, c := range []struct{ action, target string }{
				{publishing.ActionAlertEdit, a.ID}, {publishing.ActionAlertExtend, a.ID},
				{publishing.ActionReject, rejected.ID}, {publishing.ActionAsk, asked.ID},
			} {
				if n := e.audited(c.action, c.target); n != 1 {
					t.Errorf("%s: %d audit entries, want 1", c.action, n)
				}
			}
		})
	}
}
