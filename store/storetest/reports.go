package storetest

import (
	"slices"
	"strings"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var reportCases = []testCase{
	{"Reports/FieldsRoundTrip", testReportFieldsRoundTrip},
	{"Reports/Lifecycle", testReportLifecycle},
	{"Reports/UniqueReceiptAndID", testReportUnique},
	{"Reports/FollowupsByStatus", testFollowupsByStatus},
	{"Reports/Counts", testReportCounts},
	{"Reports/QueueOrderAndPaging", testQueueOrder},
	{"Reports/ClaimLease", testClaimLease},
	{"Reports/Decide", testDecide},
	{"Reports/DecideRace", testDecideRace},
	{"Reports/PurgeDecided", testPurgeDecided},
	{"Reports/CountsByDay", testReportCountsByDay},
	{"Reports/NeedsInfo", testNeedsInfo},
	{"Reports/UnansweredPurged", testUnansweredPurged},
	{"Reports/FollowupHashes", testFollowupHashes},
	{"Reports/ByIdentifiers", testReportsByIdentifiers},
}

// marker is raw report text that must disappear when a report is withdrawn or purged.
const marker = "raw-words-7f3a"

// newReport returns a pending report of kind with every field of the kind filled in.
func newReport(id string, kind report.Kind, day time.Time) *report.Report {
	r := &report.Report{ID: id, ReceiptHash: "receipt-" + id, Kind: kind, Status: report.StatusPending,
		SubmittedDay: day, Verified: true,
		Followups: []report.Followup{{Day: day, Text: "first follow-up " + marker}}}
	common := report.Common{Date: "2026-03-01", TimeBand: "evening", Area: "ward-1", Location: "corner " + marker,
		Details: "details " + marker}
	switch kind {
	case report.BadDate:
		r.BadDate = &report.BadDateFields{Common: common, Harms: []string{"robbery_theft", "assault"}, Contact: "app",
			AggressorName: "name " + marker, Phones: []string{"2025550100", "2025550101"}, Handles: []string{"@h"},
			Gender: "man", AgeRange: "30s", Height: "tall", Build: "slim", Hair: "dark", Features: "scar",
			VehicleMake: "make", VehicleModel: "model", VehicleColour: "red", Plate: "ABC123"}
	default:
		r.DrugAlert = &report.DrugAlertFields{Common: common, SoldAs: "heroin", Colour: "blue", Form: "pill", Stamp: "M30",
			Packaging: "bag", Routes: []string{"smoked", "injected"}, Effects: []string{"overdose"},
			FentanylStrip: "positive", XylazineStrip: "negative", OtherTest: "none"}
	}
	return r
}

// addReport stores a pending bad-date report with id on day.
func (e *env) addReport(id string, day time.Time) *report.Report {
	e.t.Helper()
	r := newReport(id, report.BadDate, day)
	e.ok(e.s.CreateReport(e.ctx, r), "create report "+id)
	return r
}

func reportIDs(rs []report.Report) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func testReportFieldsRoundTrip(e *env) {
	for _, kind := range report.Kinds {
		r := newReport("r-"+string(kind), kind, report.Day(e.now()))
		r.StaffEntered, r.Answered = kind == report.BadDate, kind == report.DrugAlert
		r.IdentifierHMACs = []string{"hmac-" + string(kind), "hmac-both"}
		e.ok(e.s.CreateReport(e.ctx, r), "create report")
		e.same(must(e.s.Report(e.ctx, r.ID)), r, "report read back by id")
		e.same(must(e.s.ReportByReceipt(e.ctx, r.ReceiptHash)), r, "report read back by receipt")
	}
}

func testReportLifecycle(e *env) {
	day := report.Day(e.now())
	r := e.addReport("r1", day)
	other := e.addReport("r2", day)
	got := must(e.s.ReportByReceipt(e.ctx, r.ReceiptHash))
	if got.ID != r.ID {
		e.t.Fatalf("receipt %s found report %s", r.ReceiptHash, got.ID)
	}
	_, err := e.s.ReportByReceipt(e.ctx, "receipt-unknown")
	e.wantErr(err, store.ErrNotFound, "unknown receipt")
	_, err = e.s.Report(e.ctx, "unknown")
	e.wantErr(err, store.ErrNotFound, "unknown report id")

	more := report.Followup{Day: day.Add(24 * time.Hour), Text: "second follow-up"}
	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, more, nil), "follow-up on a pending report")
	got = must(e.s.Report(e.ctx, r.ID))
	e.same(got.Followups, append(slices.Clone(r.Followups), more), "follow-ups after adding one")
	e.wantErr(e.s.AddFollowup(e.ctx, "receipt-unknown", more, nil), store.ErrNotFound, "follow-up on an unknown receipt")

	if len(e.whereStored(marker)) == 0 {
		e.t.Fatal("DumpCollection does not show a stored report's text: the check below could not fail")
	}
	withdrawn := must(e.s.DeleteReportByReceipt(e.ctx, r.ReceiptHash))
	r.Followups = append(r.Followups, more)
	e.same(withdrawn, r, "the withdrawn report as DeleteReportByReceipt returned it")
	_, err = e.s.Report(e.ctx, r.ID)
	e.wantErr(err, store.ErrNotFound, "withdrawn report by id")
	_, err = e.s.ReportByReceipt(e.ctx, r.ReceiptHash)
	e.wantErr(err, store.ErrNotFound, "withdrawn report by receipt")
	_, err = e.s.DeleteReportByReceipt(e.ctx, r.ReceiptHash)
	e.wantErr(err, store.ErrNotFound, "withdrawing twice")
	e.wantErr(e.s.AddFollowup(e.ctx, r.ReceiptHash, more, nil), store.ErrNotFound, "follow-up on a withdrawn report")
	e.wantErr(e.s.DecideReport(e.ctx, r.ID, "ana", store.Decision{Status: report.StatusRejected}), store.ErrNotFound,
		"decision on a withdrawn report")
	_, _, err = e.s.ClaimReport(e.ctx, r.ID, "ana", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim of a withdrawn report")

	// The other report is untouched, and nothing of the withdrawn one's text is left anywhere.
	e.same(must(e.s.Report(e.ctx, other.ID)), other, "the other report")
	if ids := must(e.s.AllReportIDs(e.ctx)); !slices.Equal(ids, []string{other.ID}) {
		e.t.Fatalf("AllReportIDs = %v, want [%s]", ids, other.ID)
	}
	_, err = e.s.DeleteReportByReceipt(e.ctx, other.ReceiptHash)
	e.ok(err, "withdraw the other report")
	if where := e.whereStored(marker); len(where) > 0 {
		e.t.Fatalf("withdrawn reports' text is still stored: %v", where)
	}
}

// whereStored returns the records of every collection that hold text, as "collection: record".
func (e *env) whereStored(text string) []string {
	e.t.Helper()
	var out []string
	for _, col := range must(e.s.Collections(e.ctx)) {
		for _, rec := range must(e.s.DumpCollection(e.ctx, col)) {
			if strings.Contains(rec, text) {
				out = append(out, col+": "+rec)
			}
		}
	}
	return out
}

func testReportUnique(e *env) {
	day := report.Day(e.now())
	first := newReport("a", report.BadDate, day)
	first.ReceiptHash = "same"
	e.ok(e.s.CreateReport(e.ctx, first), "create report")
	second := newReport("b", report.DrugAlert, day)
	second.ReceiptHash = "same"
	if err := e.s.CreateReport(e.ctx, second); err == nil {
		e.t.Fatal("a second report with the same receipt hash was accepted: one receipt would reach two reports")
	}
	again := newReport("a", report.DrugAlert, day)
	if err := e.s.CreateReport(e.ctx, again); err == nil {
		e.t.Fatal("a second report with the same id was accepted")
	}
	e.same(must(e.s.ReportByReceipt(e.ctx, "same")), first, "the receipt's report after refused duplicates")
	e.same(must(e.s.Report(e.ctx, "a")), first, "report a after a refused duplicate id")
	if n := must(e.s.CountReports(e.ctx, report.StatusPending)); n != 1 {
		e.t.Fatalf("%d pending reports after refused duplicates, want 1", n)
	}
}

func testFollowupsByStatus(e *env) {
	day := report.Day(e.now())
	f := report.Followup{Day: day, Text: "more"}
	for _, c := range []struct {
		status report.Status
		purged bool
		ok     bool
	}{
		{report.StatusPending, false, true},
		{report.StatusApproved, false, true},
		{report.StatusRejected, false, false},
		{report.StatusMerged, false, false},
		{report.StatusApproved, true, false},
		{report.StatusNeedsInfo, false, true},
	} {
		id := string(c.status)
		if c.purged {
			id += "-purged"
		}
		r := e.addReport(id, day)
		if c.status != report.StatusPending {
			e.ok(e.s.DecideReport(e.ctx, id, "ana", store.Decision{Status: c.status, AlertID: "al"}), "decide "+id)
		}
		if c.purged {
			e.clock.Advance(time.Hour)
			must(e.s.PurgeDecidedReports(e.ctx, e.now())) // purges the earlier cases too: they are done
			if !must(e.s.Report(e.ctx, id)).Purged {
				e.t.Fatal("report not purged")
			}
		}
		err := e.s.AddFollowup(e.ctx, r.ReceiptHash, f, nil)
		if c.ok {
			e.ok(err, "follow-up on a "+id+" report")
			got := must(e.s.Report(e.ctx, id))
			if len(got.Followups) != 2 || got.Followups[1].Text != "more" {
				e.t.Fatalf("follow-ups of %s = %+v", id, got.Followups)
			}
		} else {
			e.wantErr(err, store.ErrNotFound, "follow-up on a "+id+" report")
			got := must(e.s.Report(e.ctx, id))
			for _, g := range got.Followups {
				if g.Text == "more" {
					e.t.Fatalf("follow-up stored on a %s report", id)
				}
			}
		}
	}
}

func testReportCounts(e *env) {
	day := report.Day(e.now())
	for i, kind := range []report.Kind{report.BadDate, report.BadDate, report.DrugAlert, report.DrugAlert, report.DrugAlert} {
		e.ok(e.s.CreateReport(e.ctx, newReport(string(rune('a'+i)), kind, day)), "create report")
	}
	e.ok(e.s.DecideReport(e.ctx, "a", "ana", store.Decision{Status: report.StatusRejected}), "reject a")
	e.ok(e.s.DecideReport(e.ctx, "c", "ana", store.Decision{Status: report.StatusApproved, AlertID: "x"}), "approve c")
	for status, want := range map[report.Status]int64{report.StatusPending: 3, report.StatusRejected: 1,
		report.StatusApproved: 1, report.StatusMerged: 0} {
		if n := must(e.s.CountReports(e.ctx, status)); n != want {
			e.t.Errorf("CountReports(%s) = %d, want %d", status, n, want)
		}
	}
	counts := must(e.s.PendingCounts(e.ctx))
	if counts[report.BadDate] != 1 || counts[report.DrugAlert] != 2 {
		e.t.Errorf("PendingCounts = %v, want bad_date 1 and drug_alert 2", counts)
	}
	ids := must(e.s.AllReportIDs(e.ctx))
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"a", "b", "c", "d", "e"}) {
		e.t.Errorf("AllReportIDs = %v", ids)
	}
}

func testQueueOrder(e *env) {
	today := report.Day(e.now())
	yesterday := today.Add(-24 * time.Hour)
	lastWeek := today.Add(-7 * 24 * time.Hour)
	// Created in an order that is neither the day order nor the id order.
	for _, r := range []struct {
		id  string
		day time.Time
	}{{"m", today}, {"z", yesterday}, {"b", today}, {"q", lastWeek}, {"a", yesterday}, {"x", today}, {"c", lastWeek}} {
		e.addReport(r.id, r.day)
	}
	e.addReport("decided", lastWeek)
	e.ok(e.s.DecideReport(e.ctx, "decided", "ana", store.Decision{Status: report.StatusRejected}), "reject")
	want := []string{"c", "q", "a", "z", "b", "m", "x"}

	all := must(e.s.PendingReports(e.ctx, 0, 100))
	if got := reportIDs(all); !slices.Equal(got, want) {
		e.t.Fatalf("queue = %v, want %v (oldest day first, then by id; decided reports left out)", got, want)
	}
	e.same(&all[0], must(e.s.Report(e.ctx, "c")), "a queue entry")
	var paged []string
	for skip := 0; skip < 10; skip += 3 {
		page := must(e.s.PendingReports(e.ctx, skip, 3))
		if len(page) > 3 {
			e.t.Fatalf("page of %d reports with limit 3", len(page))
		}
		paged = append(paged, reportIDs(page)...)
	}
	if !slices.Equal(paged, want) {
		e.t.Fatalf("queue read in pages of 3 = %v, want %v", paged, want)
	}
	if page := must(e.s.PendingReports(e.ctx, 7, 3)); len(page) != 0 {
		e.t.Fatalf("page past the end = %v", reportIDs(page))
	}
}

func testClaimLease(e *env) {
	day := report.Day(e.now())
	e.addReport("r", day)
	lease := 5 * time.Minute

	r, held, err := e.s.ClaimReport(e.ctx, "r", "ana", lease)
	e.ok(err, "first claim")
	if !held || r.ClaimedBy != "ana" || !r.ClaimedUntil.Equal(e.now().Add(lease)) {
		e.t.Fatalf("first claim: held %v, report claimed by %q until %v", held, r.ClaimedBy, r.ClaimedUntil)
	}
	r, held, err = e.s.ClaimReport(e.ctx, "r", "ben", lease)
	e.ok(err, "second claim")
	if held || r.ClaimedBy != "ana" {
		e.t.Fatalf("claim while ana holds the lease: held %v, claimed by %q; want refused, naming ana", held, r.ClaimedBy)
	}
	// Claiming again extends the holder's lease.
	e.clock.Advance(3 * time.Minute)
	r, held, err = e.s.ClaimReport(e.ctx, "r", "ana", lease)
	e.ok(err, "claim again")
	if !held || !r.ClaimedUntil.Equal(e.now().Add(lease)) {
		e.t.Fatalf("claim again: held %v, until %v; want the lease extended to %v", held, r.ClaimedUntil, e.now().Add(lease))
	}
	e.clock.Advance(3 * time.Minute) // past the first lease, within the extended one
	if _, held, err = e.s.ClaimReport(e.ctx, "r", "ben", lease); err != nil || held {
		e.t.Fatalf("claim within the extended lease: held %v, %v", held, err)
	}
	// Someone else's release changes nothing; the holder's frees the report at once.
	if err := e.s.ReleaseClaim(e.ctx, "r", "ben"); err != nil && !errorsIsAny(err, store.ErrConflict, store.ErrNotFound) {
		e.t.Fatalf("release by a non-holder: %v", err)
	}
	if _, held, err = e.s.ClaimReport(e.ctx, "r", "ben", lease); err != nil || held {
		e.t.Fatalf("claim after a non-holder's release: held %v, %v", held, err)
	}
	e.ok(e.s.ReleaseClaim(e.ctx, "r", "ana"), "release by the holder")
	r, held, err = e.s.ClaimReport(e.ctx, "r", "ben", lease)
	e.ok(err, "claim after release")
	if !held || r.ClaimedBy != "ben" {
		e.t.Fatalf("claim after the holder's release: held %v, claimed by %q", held, r.ClaimedBy)
	}
	// A lapsed lease is taken over.
	e.clock.Advance(lease + time.Second)
	if r, held, err = e.s.ClaimReport(e.ctx, "r", "cy", lease); err != nil || !held || r.ClaimedBy != "cy" {
		e.t.Fatalf("claim after the lease lapsed: held %v, %v", held, err)
	}
	// A decided report cannot be claimed; a missing one is not found.
	e.ok(e.s.DecideReport(e.ctx, "r", "cy", store.Decision{Status: report.StatusRejected}), "decide")
	r, held, err = e.s.ClaimReport(e.ctx, "r", "ana", lease)
	e.ok(err, "claim a decided report")
	if held || r.Status != report.StatusRejected {
		e.t.Fatalf("claim of a decided report: held %v, status %s", held, r.Status)
	}
	_, _, err = e.s.ClaimReport(e.ctx, "missing", "ana", lease)
	e.wantErr(err, store.ErrNotFound, "claim of a missing report")
}

func testDecide(e *env) {
	day := report.Day(e.now())
	e.addReport("r", day)
	e.addReport("free", day)
	_, held, err := e.s.ClaimReport(e.ctx, "r", "ana", 5*time.Minute)
	e.ok(err, "claim")
	if !held {
		e.t.Fatal("claim refused")
	}
	e.wantErr(e.s.DecideReport(e.ctx, "r", "ben", store.Decision{Status: report.StatusRejected}), store.ErrConflict,
		"decision by someone other than the lease holder")
	if r := must(e.s.Report(e.ctx, "r")); r.Status != report.StatusPending {
		e.t.Fatalf("refused decision changed the status to %s", r.Status)
	}
	e.clock.Advance(time.Minute)
	e.ok(e.s.DecideReport(e.ctx, "r", "ana", store.Decision{Status: report.StatusApproved, Note: "published", AlertID: "al1"}),
		"decision by the holder")
	r := must(e.s.Report(e.ctx, "r"))
	if r.Status != report.StatusApproved || r.Note != "published" || r.AlertID != "al1" || !r.DecidedAt.Equal(e.now()) || r.ClaimedBy != "" {
		e.t.Fatalf("decided report: status %s, note %q, alert %q, decided %v, claimed by %q", r.Status, r.Note, r.AlertID, r.DecidedAt, r.ClaimedBy)
	}
	e.wantErr(e.s.DecideReport(e.ctx, "r", "ana", store.Decision{Status: report.StatusRejected}), store.ErrConflict,
		"second decision")
	if r := must(e.s.Report(e.ctx, "r")); r.Status != report.StatusApproved || r.AlertID != "al1" {
		e.t.Fatalf("second decision changed the report: %s %q", r.Status, r.AlertID)
	}
	// Nobody holds "free": anyone may decide it.
	e.ok(e.s.DecideReport(e.ctx, "free", "ben", store.Decision{Status: report.StatusMerged, AlertID: "al1"}), "decide an unclaimed report")
	if r := must(e.s.Report(e.ctx, "free")); r.Status != report.StatusMerged || r.AlertID != "al1" {
		e.t.Fatalf("merged report: %s %q", r.Status, r.AlertID)
	}
	e.wantErr(e.s.DecideReport(e.ctx, "missing", "ben", store.Decision{Status: report.StatusRejected}), store.ErrNotFound,
		"decision on a missing report")
}

func testDecideRace(e *env) {
	day := report.Day(e.now())
	const n = 10
	for i := range n {
		e.addReport(string(rune('a'+i)), day)
	}
	for i := range n {
		id := string(rune('a' + i))
		errs := make([]error, 2)
		parallel(2, func(j int) {
			errs[j] = e.s.DecideReport(e.ctx, id, []string{"ana", "ben"}[j], store.Decision{Status: report.StatusRejected,
				Note: []string{"ana", "ben"}[j]})
		})
		wins := 0
		for j, err := range errs {
			switch {
			case err == nil:
				wins++
				if r := must(e.s.Report(e.ctx, id)); r.Note != []string{"ana", "ben"}[j] {
					e.t.Fatalf("report %s: winner %d but the note is %q", id, j, r.Note)
				}
			case !errorsIsAny(err, store.ErrConflict):
				e.t.Fatalf("report %s: losing decision: %v, want ErrConflict", id, err)
			}
		}
		if wins != 1 {
			e.t.Fatalf("report %s: %d decisions won, want exactly one (%v)", id, wins, errs)
		}
	}
}

func testPurgeDecided(e *env) {
	day := report.Day(e.now())
	old := e.addReport("old", day)
	recent := e.addReport("recent", day)
	pending := e.addReport("pending", day)
	e.ok(e.s.DecideReport(e.ctx, "old", "ana", store.Decision{Status: report.StatusApproved, Note: "thanks", AlertID: "al"}), "approve")
	decided := e.now()
	e.clock.Advance(20 * 24 * time.Hour)
	e.ok(e.s.DecideReport(e.ctx, "recent", "ana", store.Decision{Status: report.StatusRejected, Note: "n"}), "reject")
	e.clock.Advance(15 * 24 * time.Hour)

	n := must(e.s.PurgeDecidedReports(e.ctx, e.now().Add(-30*24*time.Hour)))
	if n != 1 {
		e.t.Fatalf("purged %d reports, want 1", n)
	}
	got := must(e.s.ReportByReceipt(e.ctx, old.ReceiptHash))
	if !got.Purged || got.BadDate != nil || got.DrugAlert != nil || len(got.Followups) != 0 {
		e.t.Fatalf("purged report still holds its text: %+v", got)
	}
	if got.Status != report.StatusApproved || got.Note != "thanks" || got.AlertID != "al" || !got.DecidedAt.Equal(decided) ||
		!got.SubmittedDay.Equal(day) || got.Kind != report.BadDate || got.ID != "old" {
		e.t.Fatalf("the receipt lost what it answers with after the purge: %+v", got)
	}
	e.same(must(e.s.Report(e.ctx, "recent")).BadDate, recent.BadDate, "report decided within retention")
	e.same(must(e.s.Report(e.ctx, "pending")), pending, "pending report")
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now().Add(-30*24*time.Hour))); n != 0 {
		e.t.Fatalf("second purge counted %d reports again", n)
	}
	for _, col := range must(e.s.Collections(e.ctx)) {
		for _, rec := range must(e.s.DumpCollection(e.ctx, col)) {
			if strings.Contains(rec, `"old"`) && strings.Contains(rec, marker) {
				e.t.Fatalf("raw text left in %s after the purge: %s", col, rec)
			}
		}
	}
	// Everything decided before the cutoff goes.
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now())); n != 1 {
		e.t.Fatalf("purged %d reports with the cutoff now, want 1 (the rejected one)", n)
	}
	if r := must(e.s.Report(e.ctx, "pending")); r.Purged || r.BadDate == nil {
		e.t.Fatal("a pending report was purged")
	}
}

func testReportCountsByDay(e *env) {
	today := report.Day(e.now())
	yesterday := today.Add(-24 * time.Hour)
	since := today.Add(-7 * 24 * time.Hour)
	for i, r := range []struct {
		kind report.Kind
		day  time.Time
	}{
		{report.BadDate, today}, {report.BadDate, today}, {report.DrugAlert, today},
		{report.BadDate, yesterday}, {report.DrugAlert, since},
		{report.BadDate, since.Add(-24 * time.Hour)}, // before the window
	} {
		e.ok(e.s.CreateReport(e.ctx, newReport(string(rune('a'+i)), r.kind, r.day)), "create report")
	}
	// Decided and purged reports still count: the kind and the day survive the purge.
	e.ok(e.s.DecideReport(e.ctx, "b", "ana", store.Decision{Status: report.StatusRejected}), "reject")
	e.clock.Advance(time.Hour)
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now())); n != 1 {
		e.t.Fatalf("purged %d", n)
	}
	got := map[string]int{}
	for _, row := range must(e.s.ReportCountsByDay(e.ctx, since)) {
		got[row.Day.UTC().Format(time.DateOnly)+"/"+string(row.Kind)] += row.Count
	}
	want := map[string]int{
		today.Format(time.DateOnly) + "/bad_date":     2,
		today.Format(time.DateOnly) + "/drug_alert":   1,
		yesterday.Format(time.DateOnly) + "/bad_date": 1,
		since.Format(time.DateOnly) + "/drug_alert":   1,
	}
	e.same(got, want, "report counts by day and kind")
}

// testNeedsInfo is the conversation with a reporter: a question takes the report out of the
// queue, and the answer brings it back, marked answered and undecided, until the next
// decision.
func testNeedsInfo(e *env) {
	day := report.Day(e.now())
	r := e.addReport("r", day)
	e.addReport("other", day)
	_, held, err := e.s.ClaimReport(e.ctx, "r", "ana", 5*time.Minute)
	e.ok(err, "claim")
	if !held {
		e.t.Fatal("claim refused")
	}
	e.wantErr(e.s.DecideReport(e.ctx, "r", "ben", store.Decision{Status: report.StatusNeedsInfo, Note: "?"}), store.ErrConflict,
		"a question by someone other than the lease holder")
	question := "Which street was it on?"
	e.ok(e.s.DecideReport(e.ctx, "r", "ana", store.Decision{Status: report.StatusNeedsInfo, Note: question}), "ask")
	got := must(e.s.Report(e.ctx, "r"))
	want := *r
	want.Status, want.Note, want.DecidedAt = report.StatusNeedsInfo, question, e.now()
	e.same(got, &want, "the report waiting for an answer (claim released, asked now, text kept)")
	if ids := reportIDs(must(e.s.PendingReports(e.ctx, 0, 10))); !slices.Equal(ids, []string{"other"}) {
		e.t.Fatalf("queue while waiting for an answer = %v, want [other]", ids)
	}
	if c := must(e.s.PendingCounts(e.ctx)); c[report.BadDate] != 1 {
		e.t.Fatalf("pending counts while waiting for an answer = %v", c)
	}
	for status, n := range map[report.Status]int64{report.StatusNeedsInfo: 1, report.StatusPending: 1} {
		if got := must(e.s.CountReports(e.ctx, status)); got != n {
			e.t.Fatalf("CountReports(%s) = %d, want %d", status, got, n)
		}
	}
	if _, held, err := e.s.ClaimReport(e.ctx, "r", "ben", time.Minute); err != nil || held {
		e.t.Fatalf("claim of a report waiting for an answer: held %v, %v", held, err)
	}
	e.wantErr(e.s.DecideReport(e.ctx, "r", "ben", store.Decision{Status: report.StatusRejected}), store.ErrConflict,
		"a decision on a report waiting for an answer")
	// Within the retention period the purge leaves a question's report alone.
	e.clock.Advance(20 * 24 * time.Hour)
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now().Add(-30*24*time.Hour))); n != 0 {
		e.t.Fatalf("the purge took %d reports asked a question 20 days ago (retention 30)", n)
	}
	e.same(must(e.s.Report(e.ctx, "r")), &want, "the report waiting for an answer after a purge")

	answer := report.Followup{Day: report.Day(e.now()), Text: "Corner of 14th and K"}
	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, answer, []string{"h-phone", "h-plate", "h-phone"}), "answer")
	want.Status, want.Answered, want.DecidedAt = report.StatusPending, true, time.Time{}
	want.Followups = append(slices.Clone(r.Followups), answer)
	want.IdentifierHMACs = []string{"h-phone", "h-plate"}
	e.same(must(e.s.Report(e.ctx, "r")), &want, "the answered report (undecided again)")
	// Back in the queue, the answered report is not the purge's, however long it waits.
	e.clock.Advance(400 * 24 * time.Hour)
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now())); n != 0 {
		e.t.Fatalf("the purge took %d answered reports back in the queue", n)
	}
	if ids := reportIDs(must(e.s.PendingReports(e.ctx, 0, 10))); !slices.Contains(ids, "r") {
		e.t.Fatalf("queue after the answer = %v: the answered report is missing", ids)
	}
	if n := must(e.s.CountReports(e.ctx, report.StatusNeedsInfo)); n != 0 {
		e.t.Fatalf("%d reports waiting for an answer after it came", n)
	}
	// More information while back in the queue keeps it answered.
	more := report.Followup{Day: report.Day(e.now()), Text: "and a second thing"}
	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, more, nil), "second follow-up")
	want.Followups = append(want.Followups, more)
	e.same(must(e.s.Report(e.ctx, "r")), &want, "the answered report after another follow-up")

	// A second question, then a final decision: each decision clears the answered mark.
	e.ok(e.s.DecideReport(e.ctx, "r", "ben", store.Decision{Status: report.StatusNeedsInfo, Note: "And the time?"}), "ask again")
	if got := must(e.s.Report(e.ctx, "r")); got.Answered || got.Status != report.StatusNeedsInfo || got.Note != "And the time?" {
		e.t.Fatalf("asked again: status %s, answered %v, note %q", got.Status, got.Answered, got.Note)
	}
	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, report.Followup{Day: report.Day(e.now()), Text: "late"}, nil), "answer again")
	e.ok(e.s.DecideReport(e.ctx, "r", "ben", store.Decision{Status: report.StatusRejected, Note: "Thank you"}), "reject")
	got = must(e.s.Report(e.ctx, "r"))
	if got.Answered || got.Status != report.StatusRejected || !got.DecidedAt.Equal(e.now()) || got.Note != "Thank you" {
		e.t.Fatalf("decided after an answer: status %s, answered %v, decided %v, note %q", got.Status, got.Answered, got.DecidedAt, got.Note)
	}
	e.wantErr(e.s.AddFollowup(e.ctx, r.ReceiptHash, more, nil), store.ErrNotFound, "follow-up after the rejection")
}

// testUnansweredPurged checks that a question left unanswered does not keep the reporter's
// text forever: after the retention period it is purged like any decided report, its receipt
// still shows the status and the question, and an answer is refused.
func testUnansweredPurged(e *env) {
	day := report.Day(e.now())
	r := newReport("q", report.BadDate, day)
	r.IdentifierHMACs = []string{"hash-q"}
	e.ok(e.s.CreateReport(e.ctx, r), "create")
	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, report.Followup{Day: day, Text: marker + " in a follow-up"}, nil), "follow-up")
	question := "Which street was it on?"
	e.ok(e.s.DecideReport(e.ctx, "q", "ana", store.Decision{Status: report.StatusNeedsInfo, Note: question}), "ask")
	asked := e.now()
	e.clock.Advance(31 * 24 * time.Hour)
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now().Add(-30*24*time.Hour))); n != 1 {
		e.t.Fatalf("purged %d reports asked 31 days ago and never answered (retention 30), want 1", n)
	}
	got := must(e.s.ReportByReceipt(e.ctx, r.ReceiptHash))
	if !got.Purged || got.BadDate != nil || len(got.Followups) != 0 || len(got.IdentifierHMACs) != 0 {
		e.t.Fatalf("the unanswered report still holds its text: %+v", got)
	}
	if got.Status != report.StatusNeedsInfo || got.Note != question || !got.DecidedAt.Equal(asked) || !got.SubmittedDay.Equal(day) {
		e.t.Fatalf("the receipt lost what it answers with: status %s, note %q, asked %v, day %v", got.Status, got.Note, got.DecidedAt, got.SubmittedDay)
	}
	for _, col := range must(e.s.Collections(e.ctx)) {
		for _, rec := range must(e.s.DumpCollection(e.ctx, col)) {
			if strings.Contains(rec, marker) || strings.Contains(rec, "hash-q") {
				e.t.Fatalf("raw text or hashes left in %s after the purge: %s", col, rec)
			}
		}
	}
	e.wantErr(e.s.AddFollowup(e.ctx, r.ReceiptHash, report.Followup{Day: report.Day(e.now()), Text: "late answer"}, nil), store.ErrNotFound,
		"an answer after the purge")
	if got := must(e.s.Report(e.ctx, "q")); got.Status != report.StatusNeedsInfo || got.Answered || len(got.Followups) != 0 {
		e.t.Fatalf("a refused answer changed the purged report: %+v", got)
	}
	if linked := must(e.s.ReportsByIdentifiers(e.ctx, []string{"hash-q"}, 10)); len(linked) != 0 {
		e.t.Fatalf("the purged report is still linked by its identifier hash: %d reports", len(linked))
	}
}

// testFollowupHashes checks that identifiers found in a follow-up join the report's hashes,
// once each, whatever its status.
func testFollowupHashes(e *env) {
	day := report.Day(e.now())
	r := newReport("r", report.BadDate, day)
	r.IdentifierHMACs = []string{"hash-one"}
	e.ok(e.s.CreateReport(e.ctx, r), "create")
	f := report.Followup{Day: day, Text: "his number"}
	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, f, []string{"hash-two", "hash-one"}), "follow-up with hashes")
	if got := must(e.s.Report(e.ctx, "r")); !slices.Equal(got.IdentifierHMACs, []string{"hash-one", "hash-two"}) || got.Answered {
		e.t.Fatalf("hashes after a follow-up = %v (answered %v), want [hash-one hash-two]", got.IdentifierHMACs, got.Answered)
	}
	e.ok(e.s.DecideReport(e.ctx, "r", "ana", store.Decision{Status: report.StatusApproved, AlertID: "al"}), "approve")
	e.ok(e.s.AddFollowup(e.ctx, r.ReceiptHash, f, []string{"hash-three"}), "follow-up on the approved report")
	got := must(e.s.Report(e.ctx, "r"))
	if !slices.Equal(got.IdentifierHMACs, []string{"hash-one", "hash-two", "hash-three"}) || got.Status != report.StatusApproved || got.Answered {
		e.t.Fatalf("approved report after a follow-up: hashes %v, status %s, answered %v", got.IdentifierHMACs, got.Status, got.Answered)
	}
	// The purge removes the hashes with the text they came from.
	e.clock.Advance(time.Hour)
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now())); n != 1 {
		e.t.Fatalf("purged %d", n)
	}
	if got := must(e.s.Report(e.ctx, "r")); got.IdentifierHMACs != nil {
		e.t.Fatalf("hashes after the purge = %v", got.IdentifierHMACs)
	}
	if where := e.whereStored("hash-t"); len(where) > 0 {
		e.t.Fatalf("a purged report's hashes are still stored: %v", where)
	}
}

func testReportsByIdentifiers(e *env) {
	today := report.Day(e.now())
	add := func(id string, day time.Time, hmacs ...string) *report.Report {
		r := newReport(id, report.BadDate, day)
		r.IdentifierHMACs = hmacs
		e.ok(e.s.CreateReport(e.ctx, r), "create report "+id)
		return r
	}
	add("a", today.AddDate(0, 0, -2), "h1")
	add("b", today.AddDate(0, 0, -1), "h1", "h2")
	add("c", today, "h2")
	add("d", today, "h3")
	add("e", today, "h1")
	add("f", today, "h1")
	add("g", today.AddDate(0, 0, -1), "h2")
	withdrawn := add("w", today, "h1", "hash-withdrawn")
	e.ok(e.s.DecideReport(e.ctx, "e", "ana", store.Decision{Status: report.StatusRejected}), "reject e")
	e.ok(e.s.DecideReport(e.ctx, "f", "ana", store.Decision{Status: report.StatusApproved, AlertID: "al"}), "approve f")
	e.ok(e.s.DecideReport(e.ctx, "g", "ana", store.Decision{Status: report.StatusNeedsInfo, Note: "?"}), "ask g")
	must(e.s.DeleteReportByReceipt(e.ctx, withdrawn.ReceiptHash))
	if where := e.whereStored("hash-withdrawn"); len(where) > 0 {
		e.t.Fatalf("a withdrawn report's hashes are still stored: %v", where)
	}

	find := func(limit int, hmacs ...string) []string {
		e.t.Helper()
		return reportIDs(must(e.s.ReportsByIdentifiers(e.ctx, hmacs, limit)))
	}
	// Pending and waiting-for-an-answer reports, each once, newest day first then by id;
	// decided and withdrawn ones are left out.
	if got, want := find(10, "h1", "h2", "h1"), []string{"c", "b", "g", "a"}; !slices.Equal(got, want) {
		e.t.Fatalf("reports naming h1 or h2 = %v, want %v", got, want)
	}
	got := must(e.s.ReportsByIdentifiers(e.ctx, []string{"h2"}, 10))
	e.same(&got[0], must(e.s.Report(e.ctx, "c")), "a linked report as found")
	if got, want := find(2, "h1", "h2"), []string{"c", "b"}; !slices.Equal(got, want) {
		e.t.Fatalf("reports naming h1 or h2, limit 2 = %v, want %v", got, want)
	}
	for _, c := range [][]string{nil, {}, {""}, {"unknown"}} {
		if got := find(10, c...); len(got) != 0 {
			e.t.Fatalf("reports naming %q = %v, want none", c, got)
		}
	}
	if got := find(0, "h1"); !slices.Equal(got, []string{"b", "a"}) {
		e.t.Fatalf("limit 0 gave %v", got)
	}
	// A follow-up's identifiers link the report too, and an answered question is found again.
	e.ok(e.s.AddFollowup(e.ctx, "receipt-a", report.Followup{Day: today, Text: "his plate"}, []string{"h3"}), "follow-up on a")
	if got, want := find(10, "h3"), []string{"d", "a"}; !slices.Equal(got, want) {
		e.t.Fatalf("reports naming h3 after a follow-up = %v, want %v", got, want)
	}
	e.ok(e.s.AddFollowup(e.ctx, "receipt-g", report.Followup{Day: today, Text: "answer"}, []string{"h4"}), "answer g")
	if got := find(10, "h4"); !slices.Equal(got, []string{"g"}) {
		e.t.Fatalf("reports naming h4 after the answer = %v", got)
	}

	// Loading a report again links it by its new hashes only.
	r := must(e.s.Report(e.ctx, "d"))
	r.IdentifierHMACs = []string{"h5"}
	e.ok(e.s.Load(e.ctx, store.ColReports, []any{r}), "load d again")
	if got := find(10, "h3"); !slices.Equal(got, []string{"a"}) {
		e.t.Fatalf("reports naming h3 after d was loaded without it = %v", got)
	}
	if got := find(10, "h5"); !slices.Equal(got, []string{"d"}) {
		e.t.Fatalf("reports naming h5 after loading = %v", got)
	}
}
