package storetest

import (
	"slices"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var publishingCases = []testCase{
	{"Publishing/Approve", testApprove},
	{"Publishing/ApproveConflict", testApproveConflict},
	{"Publishing/ApproveRace", testApproveRace},
	{"Publishing/Merge", testMerge},
	{"Publishing/MergeConflict", testMergeConflict},
	{"Publishing/RetractPublished", testRetractPublished},
}

// newAlert returns a published version-1 alert of kind for areas, published now and expiring
// after d, with a structured description and texts in two languages, so that every test that
// compares alerts read back also checks that those survive.
func (e *env) newAlert(kind report.Kind, areas []string, d time.Duration) *report.Alert {
	now := e.now()
	return &report.Alert{ID: report.NewID(), Version: 1, Kind: kind, Severity: report.SeverityWarning,
		Title: "Title", Body: "Body text", Areas: areas, IncidentDay: report.Day(now).Add(-24 * time.Hour), TimeBand: "night",
		Published: now, Updated: now, Expires: now.Add(d), Status: report.AlertPublished, ReportCount: 1,
		Details: []report.Detail{{Field: "harms", Codes: []string{"robbery_theft", "assault"}}, {Field: "features", Text: "scar on the left hand"}},
		Texts:   []report.Translation{{Lang: "en", Title: "Title", Body: "Body text"}, {Lang: "es", Title: "Título"}}}
}

// addAlert stores a new published alert.
func (e *env) addAlert(kind report.Kind, areas []string, d time.Duration) *report.Alert {
	e.t.Helper()
	a := e.newAlert(kind, areas, d)
	e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
	return a
}

func (e *env) auditEntry(actor, action, target string) store.AuditEntry {
	return store.AuditEntry{ID: report.NewID(), Time: e.now(), Actor: actor, Action: action, Target: target, Detail: "d"}
}

// noSideEffects fails the test if a refused action left an alert, a delivery job or an audit
// entry behind.
func (e *env) noSideEffects(alertID, what string) {
	e.t.Helper()
	if _, err := e.s.Alert(e.ctx, alertID); !errorsIsAny(err, store.ErrNotFound) {
		e.t.Fatalf("%s: the alert exists (%v)", what, err)
	}
	if _, err := e.s.Delivery(e.ctx, alertID+".1"); !errorsIsAny(err, store.ErrNotFound) {
		e.t.Fatalf("%s: a delivery job exists (%v)", what, err)
	}
	if ds := must(e.s.DeliveriesForAlert(e.ctx, alertID)); len(ds) != 0 {
		e.t.Fatalf("%s: delivery jobs %+v", what, ds)
	}
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 0 {
		e.t.Fatalf("%s: audit entries %+v", what, log)
	}
	if n := must(e.s.CountPublishedAlerts(e.ctx)); n != 0 {
		e.t.Fatalf("%s: %d published alerts", what, n)
	}
}

func testApprove(e *env) {
	r := e.addReport("r", report.Day(e.now()))
	_, held, err := e.s.ClaimReport(e.ctx, r.ID, "ana", 5*time.Minute)
	e.ok(err, "claim")
	if !held {
		e.t.Fatal("claim refused")
	}
	e.clock.Advance(time.Minute)
	a := e.newAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	a.Identifiers = []report.Identifier{{Type: report.IdentifierPhone, Value: "2025550100", HMAC: "hmac-1", Public: true}}
	entry := e.auditEntry("ana", "approve", r.ID)
	e.ok(e.s.ApproveReport(e.ctx, r.ID, "ana", a, store.Decision{Status: report.StatusApproved, Note: "published", AlertID: a.ID}, entry),
		"approve")

	e.same(must(e.s.Alert(e.ctx, a.ID)), a, "the published alert")
	if list := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})); len(list) != 1 || list[0].ID != a.ID {
		e.t.Fatalf("public alerts = %v", alertIDs(list))
	}
	d := must(e.s.Delivery(e.ctx, a.ID+".1"))
	if d.AlertID != a.ID || d.AlertVersion != 1 || d.Retraction || d.State != store.DeliveryQueued || d.Claims != 0 {
		e.t.Fatalf("delivery job %+v, want version 1 of %s queued", d, a.ID)
	}
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 1 || ds[0].ID != a.ID+".1" {
		e.t.Fatalf("jobs of the alert = %+v", ds)
	}
	got := must(e.s.Report(e.ctx, r.ID))
	if got.Status != report.StatusApproved || got.AlertID != a.ID || got.Note != "published" || !got.DecidedAt.Equal(e.now()) {
		e.t.Fatalf("approved report: status %s, alert %q, note %q, decided %v", got.Status, got.AlertID, got.Note, got.DecidedAt)
	}
	log := must(e.s.AuditLog(e.ctx, store.AuditFilter{}))
	e.same(log, []store.AuditEntry{entry}, "audit log after approval")
	// The job is there for a dispatcher to take.
	if job := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute)); job.ID != a.ID+".1" {
		e.t.Fatalf("claimed job %s", job.ID)
	}
}

func testApproveConflict(e *env) {
	day := report.Day(e.now())
	approve := func(id, moderator string) (*report.Alert, error) {
		a := e.newAlert(report.DrugAlert, []string{"ward-2"}, time.Hour)
		err := e.s.ApproveReport(e.ctx, id, moderator, a, store.Decision{Status: report.StatusApproved, AlertID: a.ID},
			e.auditEntry(moderator, "approve", id))
		return a, err
	}

	e.addReport("held", day)
	if _, held, err := e.s.ClaimReport(e.ctx, "held", "ana", 5*time.Minute); err != nil || !held {
		e.t.Fatalf("claim: %v %v", held, err)
	}
	a, err := approve("held", "ben")
	e.wantErr(err, store.ErrConflict, "approval of a report another moderator holds")
	e.noSideEffects(a.ID, "approval refused for a held report")
	if r := must(e.s.Report(e.ctx, "held")); r.Status != report.StatusPending || r.ClaimedBy != "ana" || r.AlertID != "" {
		e.t.Fatalf("refused approval changed the report: %s, claimed by %q, alert %q", r.Status, r.ClaimedBy, r.AlertID)
	}

	e.addReport("decided", day)
	e.ok(e.s.DecideReport(e.ctx, "decided", "ana", store.Decision{Status: report.StatusRejected, Note: "no"}), "reject")
	a, err = approve("decided", "ana")
	e.wantErr(err, store.ErrConflict, "approval of a decided report")
	e.noSideEffects(a.ID, "approval refused for a decided report")
	if r := must(e.s.Report(e.ctx, "decided")); r.Status != report.StatusRejected || r.Note != "no" || r.AlertID != "" {
		e.t.Fatalf("refused approval changed the decided report: %s %q %q", r.Status, r.Note, r.AlertID)
	}

	w := e.addReport("withdrawn", day)
	_, err = e.s.DeleteReportByReceipt(e.ctx, w.ReceiptHash)
	e.ok(err, "withdraw")
	a, err = approve("withdrawn", "ana")
	e.wantErr(err, store.ErrNotFound, "approval of a withdrawn report")
	e.noSideEffects(a.ID, "approval refused for a withdrawn report")
	if _, err := e.s.ClaimDelivery(e.ctx, "d1", time.Minute); !errorsIsAny(err, store.ErrNotFound) {
		e.t.Fatalf("a delivery job was queued by a refused approval: %v", err)
	}
}

func testApproveRace(e *env) {
	day := report.Day(e.now())
	for round := range 5 {
		id := string(rune('a' + round))
		e.addReport(id, day)
		mods := []string{"ana", "ben"}
		alerts := []*report.Alert{e.newAlert(report.BadDate, []string{"ward-1"}, time.Hour), e.newAlert(report.BadDate, []string{"ward-1"}, time.Hour)}
		errs := make([]error, 2)
		parallel(2, func(j int) {
			errs[j] = e.s.ApproveReport(e.ctx, id, mods[j], alerts[j],
				store.Decision{Status: report.StatusApproved, AlertID: alerts[j].ID}, e.auditEntry(mods[j], "approve", id))
		})
		winner := -1
		for j, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					e.t.Fatalf("report %s: both approvals won", id)
				}
				winner = j
			case !errorsIsAny(err, store.ErrConflict):
				e.t.Fatalf("report %s: losing approval: %v, want ErrConflict", id, err)
			}
		}
		if winner < 0 {
			e.t.Fatalf("report %s: no approval won (%v)", id, errs)
		}
		loser := alerts[1-winner]
		if _, err := e.s.Alert(e.ctx, loser.ID); !errorsIsAny(err, store.ErrNotFound) {
			e.t.Fatalf("report %s: the losing approval's alert exists (%v)", id, err)
		}
		if ds := must(e.s.DeliveriesForAlert(e.ctx, loser.ID)); len(ds) != 0 {
			e.t.Fatalf("report %s: the losing approval queued %+v", id, ds)
		}
		if r := must(e.s.Report(e.ctx, id)); r.AlertID != alerts[winner].ID {
			e.t.Fatalf("report %s: alert %q, want the winner's %q", id, r.AlertID, alerts[winner].ID)
		}
		if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != round+1 {
			e.t.Fatalf("after %d raced approvals, %d audit entries", round+1, len(log))
		}
	}
	if n := must(e.s.CountPublishedAlerts(e.ctx)); n != 5 {
		e.t.Fatalf("%d alerts published for 5 reports", n)
	}
}

func testMerge(e *env) {
	day := report.Day(e.now())
	a := e.addAlert(report.BadDate, []string{"ward-1", "ward-2"}, 24*time.Hour)
	e.addReport("r", day)
	e.clock.Advance(time.Minute)
	entry := e.auditEntry("ana", "merge", "r")
	got, err := e.s.MergeReport(e.ctx, "r", "ana", a.ID, []string{"ward-3", "ward-1", "ward-3"},
		store.Decision{Status: report.StatusMerged, Note: "known", AlertID: a.ID}, entry)
	e.ok(err, "merge")
	if got.ReportCount != 2 || got.ID != a.ID || got.Version != a.Version {
		e.t.Fatalf("merged alert: %d reports, id %s, version %d", got.ReportCount, got.ID, got.Version)
	}
	areas := slices.Sorted(slices.Values(got.Areas))
	if !slices.Equal(areas, []string{"ward-1", "ward-2", "ward-3"}) {
		e.t.Fatalf("areas after merge = %v, want ward-1..3 once each", got.Areas)
	}
	e.same(must(e.s.Alert(e.ctx, a.ID)), got, "the alert as stored after the merge")
	r := must(e.s.Report(e.ctx, "r"))
	if r.Status != report.StatusMerged || r.AlertID != a.ID || r.Note != "known" || !r.DecidedAt.Equal(e.now()) {
		e.t.Fatalf("merged report: %s %q %q %v", r.Status, r.AlertID, r.Note, r.DecidedAt)
	}
	e.same(must(e.s.AuditLog(e.ctx, store.AuditFilter{})), []store.AuditEntry{entry}, "audit log after merge")
	// A merge is no new version: nothing is pushed.
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 0 {
		e.t.Fatalf("merge queued %+v", ds)
	}
}

func testMergeConflict(e *env) {
	day := report.Day(e.now())
	merge := func(id, alertID string) error {
		_, err := e.s.MergeReport(e.ctx, id, "ana", alertID, []string{"ward-9"},
			store.Decision{Status: report.StatusMerged, AlertID: alertID}, e.auditEntry("ana", "merge", id))
		return err
	}
	retracted := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	before := must(e.s.RetractAlert(e.ctx, retracted.ID))
	e.addReport("r", day)
	e.wantErr(merge("r", retracted.ID), store.ErrConflict, "merge into a retracted alert")
	e.same(must(e.s.Alert(e.ctx, retracted.ID)), before, "retracted alert after a refused merge")
	e.wantErr(merge("r", "missing"), store.ErrConflict, "merge into a missing alert")

	// A report someone else decided or holds: the alert does not count it.
	live := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	e.addReport("decided", day)
	e.ok(e.s.DecideReport(e.ctx, "decided", "ben", store.Decision{Status: report.StatusRejected}), "reject")
	e.wantErr(merge("decided", live.ID), store.ErrConflict, "merge of a decided report")
	e.addReport("held", day)
	if _, held, err := e.s.ClaimReport(e.ctx, "held", "ben", 5*time.Minute); err != nil || !held {
		e.t.Fatalf("claim: %v %v", held, err)
	}
	e.wantErr(merge("held", live.ID), store.ErrConflict, "merge of a report another moderator holds")
	e.same(must(e.s.Alert(e.ctx, live.ID)), live, "alert after refused merges")

	if r := must(e.s.Report(e.ctx, "r")); r.Status != report.StatusPending || r.AlertID != "" {
		e.t.Fatalf("refused merge changed the report: %s %q", r.Status, r.AlertID)
	}
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 0 {
		e.t.Fatalf("refused merges left audit entries %+v", log)
	}
}

func alertIDs(as []report.Alert) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

// testRetractPublished checks that a retraction, its push and its audit entry are written as
// one, and that a retried call finishes rather than fails.
func testRetractPublished(e *env) {
	a := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	other := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Minute)
	entry := e.auditEntry("ana", "alert_retract", a.ID)
	got := must(e.s.RetractPublishedAlert(e.ctx, a.ID, entry))
	want := *a
	want.Status, want.Version, want.Updated = report.AlertRetracted, 2, e.now()
	e.same(got, &want, "the retracted alert as returned")
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "the retracted alert as stored")
	if list := alertIDs(must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{}))); !slices.Equal(list, []string{other.ID}) {
		e.t.Fatalf("public alerts after the retraction = %v, want [%s]", list, other.ID)
	}
	d := must(e.s.Delivery(e.ctx, a.ID+".2"))
	if !d.Retraction || d.AlertVersion != 2 || d.State != store.DeliveryQueued {
		e.t.Fatalf("retraction job %+v", d)
	}
	e.same(must(e.s.AuditLog(e.ctx, store.AuditFilter{})), []store.AuditEntry{entry}, "audit log after the retraction")

	// The same call again (its reply was lost) answers as the first did and adds nothing.
	e.same(must(e.s.RetractPublishedAlert(e.ctx, a.ID, entry)), &want, "the retraction repeated")
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 1 {
		e.t.Fatalf("jobs after a repeated retraction: %+v", ds)
	}
	// Someone else's retraction of a retracted alert is refused.
	_, err := e.s.RetractPublishedAlert(e.ctx, a.ID, e.auditEntry("ben", "alert_retract", a.ID))
	e.wantErr(err, store.ErrConflict, "retraction of a retracted alert")
	_, err = e.s.RetractPublishedAlert(e.ctx, "missing", e.auditEntry("ben", "alert_retract", "missing"))
	e.wantErr(err, store.ErrNotFound, "retraction of a missing alert")
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 1 {
		e.t.Fatalf("refused retractions were logged: %+v", log)
	}
	if ds := must(e.s.DeliveriesForAlert(e.ctx, other.ID)); len(ds) != 0 {
		e.t.Fatalf("the other alert got jobs: %+v", ds)
	}
	// The job is there for a dispatcher to take.
	if job := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute)); job.ID != a.ID+".2" || !job.Retraction {
		e.t.Fatalf("claimed job %+v", job)
	}
}
