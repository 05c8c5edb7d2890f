package storetest

import (
	"errors"
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
	{"Publishing/EditPublished", testEditPublished},
	{"Publishing/EditPublishedConflict", testEditPublishedConflict},
	{"Publishing/ExtendPublished", testExtendPublished},
	{"Publishing/DecideAudited", testDecideAudited},
	{"Publishing/DecideAuditedConflict", testDecideAuditedConflict},
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

// editChange is a complete edit of a: new title, severity, areas and expiry, details and texts
// kept.
func (e *env) editChange(a *report.Alert) store.AlertChange {
	return store.AlertChange{Title: "Edited title", Body: "Edited body", Severity: report.SeverityDanger,
		Areas: []string{"ward-2", "ward-3"}, Expires: e.now().Add(48 * time.Hour), Details: a.Details, Texts: a.Texts}
}

// edited is a after ch was applied as its next version at the current time.
func (e *env) edited(a *report.Alert, ch store.AlertChange) *report.Alert {
	want := *a
	want.Title, want.Body, want.Severity, want.Areas, want.Expires = ch.Title, ch.Body, ch.Severity, ch.Areas, ch.Expires
	want.Version, want.Updated = a.Version+1, e.now()
	return &want
}

// testEditPublished checks that an edit, the push of the new version when asked for and the
// audit entry are written as one, and that a retried call finishes rather than fails or
// pushes twice.
func testEditPublished(e *env) {
	a := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Minute)

	// Without a new push: a new version and its record, no job.
	ch := e.editChange(a)
	quiet := e.auditEntry("ana", "alert_edit", a.ID)
	v2 := e.edited(a, ch)
	e.same(must(e.s.EditPublishedAlert(e.ctx, a.ID, 1, ch, false, quiet)), v2, "the edited alert as returned")
	e.same(must(e.s.Alert(e.ctx, a.ID)), v2, "the edited alert as stored")
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 0 {
		e.t.Fatalf("an edit without a new push queued %+v", ds)
	}
	e.same(must(e.s.AuditLog(e.ctx, store.AuditFilter{})), []store.AuditEntry{quiet}, "audit log after a quiet edit")
	if list := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{Area: "ward-3"})); len(list) != 1 || list[0].Title != "Edited title" {
		e.t.Fatalf("the public list in the new area = %+v", list)
	}

	// With a new push: the job of version 3 is there for a dispatcher to take.
	e.clock.Advance(time.Minute)
	ch2 := ch
	ch2.Title = "Edited again"
	loud := e.auditEntry("ben", "alert_edit", a.ID)
	v3 := e.edited(v2, ch2)
	e.same(must(e.s.EditPublishedAlert(e.ctx, a.ID, 2, ch2, true, loud)), v3, "the alert edited with a new push")
	d := must(e.s.Delivery(e.ctx, a.ID+".3"))
	if d.AlertVersion != 3 || d.Retraction || d.State != store.DeliveryQueued {
		e.t.Fatalf("the new version's job %+v", d)
	}
	e.same(must(e.s.AuditLog(e.ctx, store.AuditFilter{})), []store.AuditEntry{loud, quiet}, "audit log after the pushed edit")

	// The same call again (its reply was lost) answers as the first did and adds nothing.
	e.same(must(e.s.EditPublishedAlert(e.ctx, a.ID, 2, ch2, true, loud)), v3, "the pushed edit repeated")
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 1 {
		e.t.Fatalf("jobs after a repeated edit: %+v", ds)
	}
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 2 {
		e.t.Fatalf("a repeated edit was logged again: %+v", log)
	}
	if job := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute)); job.ID != a.ID+".3" || job.Retraction {
		e.t.Fatalf("claimed job %+v", job)
	}
}

// testEditPublishedConflict checks that a refused edit changes, queues and logs nothing.
func testEditPublishedConflict(e *env) {
	a := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	ch := e.editChange(a)
	_, err := e.s.EditPublishedAlert(e.ctx, a.ID, 2, ch, true, e.auditEntry("ana", "alert_edit", a.ID))
	e.wantErr(err, store.ErrConflict, "an edit from a stale version")
	e.same(must(e.s.Alert(e.ctx, a.ID)), a, "the alert after a stale edit")

	retracted := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	before := must(e.s.RetractAlert(e.ctx, retracted.ID))
	_, err = e.s.EditPublishedAlert(e.ctx, retracted.ID, before.Version, ch, true, e.auditEntry("ana", "alert_edit", retracted.ID))
	e.wantErr(err, store.ErrConflict, "an edit of a retracted alert")
	e.same(must(e.s.Alert(e.ctx, retracted.ID)), before, "the retracted alert after a refused edit")

	_, err = e.s.EditPublishedAlert(e.ctx, "missing", 1, ch, true, e.auditEntry("ana", "alert_edit", "missing"))
	e.wantErr(err, store.ErrNotFound, "an edit of a missing alert")

	for _, id := range []string{a.ID, retracted.ID, "missing"} {
		if ds := must(e.s.DeliveriesForAlert(e.ctx, id)); len(ds) != 0 {
			e.t.Fatalf("a refused edit of %s queued %+v", id, ds)
		}
	}
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 0 {
		e.t.Fatalf("refused edits were logged: %+v", log)
	}

	// Two moderators editing the same version: one wins, one push, one entry.
	errs := make([]error, 2)
	parallel(2, func(j int) {
		_, errs[j] = e.s.EditPublishedAlert(e.ctx, a.ID, 1, ch, true, e.auditEntry([]string{"ana", "ben"}[j], "alert_edit", a.ID))
	})
	if (errs[0] == nil) == (errs[1] == nil) || !errorsIsAny(errors.Join(errs[0], errs[1]), store.ErrConflict) {
		e.t.Fatalf("two edits of one version: %v", errs)
	}
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 1 || ds[0].AlertVersion != 2 {
		e.t.Fatalf("jobs after two raced edits: %+v", ds)
	}
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 1 {
		e.t.Fatalf("audit after two raced edits: %+v", log)
	}
}

// testExtendPublished checks that an extension and its audit entry are written as one, that it
// is no new version and pushes nothing, and that a repeated call logs once.
func testExtendPublished(e *env) {
	a := e.addAlert(report.BadDate, []string{"ward-1"}, time.Hour)
	e.clock.Advance(time.Minute)
	until := e.now().Add(72 * time.Hour)
	entry := e.auditEntry("ana", "alert_extend", a.ID)
	want := *a
	want.Expires = until
	for range 2 { // the second call is a retry of the first
		e.same(must(e.s.ExtendPublishedAlert(e.ctx, a.ID, until, entry)), &want, "the extended alert as returned")
	}
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "the extended alert as stored")
	e.same(must(e.s.AuditLog(e.ctx, store.AuditFilter{})), []store.AuditEntry{entry}, "audit log after the extension")
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 0 {
		e.t.Fatalf("an extension queued %+v", ds)
	}
	// Still public after its old expiry.
	e.clock.Advance(2 * time.Hour)
	if list := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})); len(list) != 1 || list[0].ID != a.ID {
		e.t.Fatalf("public alerts after the old expiry = %v", alertIDs(list))
	}

	retracted := must(e.s.RetractAlert(e.ctx, a.ID))
	_, err := e.s.ExtendPublishedAlert(e.ctx, a.ID, until.Add(time.Hour), e.auditEntry("ben", "alert_extend", a.ID))
	e.wantErr(err, store.ErrConflict, "an extension of a retracted alert")
	e.same(must(e.s.Alert(e.ctx, a.ID)), retracted, "the retracted alert after a refused extension")
	_, err = e.s.ExtendPublishedAlert(e.ctx, "missing", until, e.auditEntry("ben", "alert_extend", "missing"))
	e.wantErr(err, store.ErrNotFound, "an extension of a missing alert")
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 1 {
		e.t.Fatalf("refused extensions were logged: %+v", log)
	}
}

// testDecideAudited follows a report through a question, the reporter's answer and a rejection:
// each decision is on the report and in the log together, once however often it is sent.
func testDecideAudited(e *env) {
	r := e.addReport("r", report.Day(e.now()))
	e.clock.Advance(time.Minute)
	ask := e.auditEntry("ana", "ask", r.ID)
	for range 2 { // the second call is a retry of the first
		e.ok(e.s.DecideReportAudited(e.ctx, r.ID, "ana", store.Decision{Status: report.StatusNeedsInfo, Note: "when?"}, ask), "ask")
	}
	got := must(e.s.Report(e.ctx, r.ID))
	if got.Status != report.StatusNeedsInfo || got.Note != "when?" || !got.DecidedAt.Equal(e.now()) {
		e.t.Fatalf("asked report: %s %q %v", got.Status, got.Note, got.DecidedAt)
	}
	e.same(must(e.s.AuditLog(e.ctx, store.AuditFilter{})), []store.AuditEntry{ask}, "audit log after the question")

	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, report.Followup{Day: report.Day(e.now()), Text: "last night"}, nil), "answer")
	e.clock.Advance(time.Minute)
	reject := e.auditEntry("ben", "reject", r.ID)
	e.ok(e.s.DecideReportAudited(e.ctx, r.ID, "ben", store.Decision{Status: report.StatusRejected, Note: "no"}, reject), "reject")
	if got := must(e.s.Report(e.ctx, r.ID)); got.Status != report.StatusRejected || got.Note != "no" || got.Answered {
		e.t.Fatalf("rejected report: %s %q answered %v", got.Status, got.Note, got.Answered)
	}
	e.same(must(e.s.AuditLog(e.ctx, store.AuditFilter{})), []store.AuditEntry{reject, ask}, "audit log after the rejection")
	if n := must(e.s.CountReports(e.ctx, report.StatusPending)); n != 0 {
		e.t.Fatalf("%d reports still pending", n)
	}
}

// testDecideAuditedConflict checks that a refused decision changes and logs nothing.
func testDecideAuditedConflict(e *env) {
	day := report.Day(e.now())
	reject := func(id, moderator string) error {
		return e.s.DecideReportAudited(e.ctx, id, moderator, store.Decision{Status: report.StatusRejected, Note: "no"},
			e.auditEntry(moderator, "reject", id))
	}
	e.addReport("held", day)
	if _, held, err := e.s.ClaimReport(e.ctx, "held", "ana", 5*time.Minute); err != nil || !held {
		e.t.Fatalf("claim: %v %v", held, err)
	}
	e.wantErr(reject("held", "ben"), store.ErrConflict, "a rejection of a report another moderator holds")
	if r := must(e.s.Report(e.ctx, "held")); r.Status != report.StatusPending || r.ClaimedBy != "ana" {
		e.t.Fatalf("a refused rejection changed the report: %s, claimed by %q", r.Status, r.ClaimedBy)
	}
	e.addReport("decided", day)
	e.ok(e.s.DecideReport(e.ctx, "decided", "ana", store.Decision{Status: report.StatusRejected, Note: "first"}), "reject")
	e.wantErr(reject("decided", "ben"), store.ErrConflict, "a rejection of a decided report")
	if r := must(e.s.Report(e.ctx, "decided")); r.Note != "first" {
		e.t.Fatalf("a refused rejection changed the note to %q", r.Note)
	}
	w := e.addReport("withdrawn", day)
	_, err := e.s.DeleteReportByReceipt(e.ctx, w.ReceiptHash)
	e.ok(err, "withdraw")
	e.wantErr(reject("withdrawn", "ana"), store.ErrNotFound, "a rejection of a withdrawn report")
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 0 {
		e.t.Fatalf("refused decisions were logged: %+v", log)
	}

	// Two moderators rejecting at once: one decision, one entry.
	e.addReport("raced", day)
	errs := make([]error, 2)
	parallel(2, func(j int) { errs[j] = reject("raced", []string{"ana", "ben"}[j]) })
	if (errs[0] == nil) == (errs[1] == nil) || !errorsIsAny(errors.Join(errs[0], errs[1]), store.ErrConflict) {
		e.t.Fatalf("two raced rejections: %v", errs)
	}
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 1 {
		e.t.Fatalf("audit after two raced rejections: %+v", log)
	}
}
