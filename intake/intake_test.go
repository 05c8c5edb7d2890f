package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

var testNow = time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)

func newService(t *testing.T) *intake.Service {
	t.Helper()
	s := storetest.New(t)
	now := func() time.Time { return testNow }
	s.SetClock(now)
	return &intake.Service{
		Store:         s,
		Areas:         report.DefaultAreas(),
		Proofs:        altcha.NewIssuer([]byte("0123456789abcdef0123456789abcdef"), 1000, time.Minute, now),
		Receipts:      intake.ReceiptKey("receipt-key-for-tests-0123456789abcdef"),
		IdentifierKey: []byte("identifier-key"),
		Unverified:    ratelimit.New(ratelimit.Options{Rate: 3, Period: time.Hour, Burst: 2, Now: now}),
		Now:           now,
	}
}

func badDate(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"date": "2026-11-21", "area": "ward-8", "details": "Took my money and pushed me out of the car.",
		"harms": []string{"robbery_theft"}, "phones": []string{"(202) 555-0147"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func proof(t *testing.T, in *intake.Service) string {
	t.Helper()
	ch, err := in.Proofs.New()
	if err != nil {
		t.Fatal(err)
	}
	n, ok := altcha.Solve(ch)
	if !ok {
		t.Fatal("challenge not solvable")
	}
	return altcha.Payload(ch, n)
}

func TestReporterFollowsAndWithdrawsWithTheReceipt(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	rec, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: proof(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := in.Store.Report(ctx, rec.ID)
	if err != nil || !stored.Verified || stored.ReceiptHash == "" || stored.ReceiptHash == rec.Code {
		t.Fatalf("stored %+v, %v: want verified, with the receipt stored only hashed", stored, err)
	}
	st, err := in.Status(ctx, rec.Code)
	if err != nil || st.Status != report.StatusPending || st.Kind != report.BadDate || !st.CanAdd || !st.Submitted.Equal(report.Day(testNow)) {
		t.Fatalf("status %+v, %v", st, err)
	}
	if err := in.AddFollowup(ctx, rec.Code, "Same car seen again on Friday."); err != nil {
		t.Fatal(err)
	}
	var ve *report.ValidationError
	if err := in.AddFollowup(ctx, rec.Code, ""); !errors.As(err, &ve) {
		t.Errorf("empty follow-up: %v, want a field error", err)
	}
	if st, err := in.Status(ctx, rec.Code); err != nil {
		t.Fatal(err)
	} else if st.Followups != 1 {
		t.Errorf("follow-ups %d, want 1", st.Followups)
	}
	if err := in.Withdraw(ctx, rec.Code); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"status after withdrawal":    func() error { _, err := in.Status(ctx, rec.Code); return err }(),
		"withdraw twice":             in.Withdraw(ctx, rec.Code),
		"follow-up after withdrawal": in.AddFollowup(ctx, rec.Code, "more"),
		"malformed code":             func() error { _, err := in.Status(ctx, "not a code"); return err }(),
	} {
		if !errors.Is(err, intake.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

func TestFollowupOnADecidedReportIsClosed(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	rec, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Store.DecideReport(ctx, rec.ID, "sam", store.Decision{Status: report.StatusRejected, Note: "Not enough to publish."}); err != nil {
		t.Fatal(err)
	}
	if err := in.AddFollowup(ctx, rec.Code, "more"); !errors.Is(err, intake.ErrClosed) {
		t.Errorf("follow-up on a rejected report: %v, want ErrClosed", err)
	}
	st, err := in.Status(ctx, rec.Code)
	if err != nil || st.CanAdd || st.NoteIn("en") != "Not enough to publish." || st.AlertID != "" {
		t.Errorf("status %+v, %v", st, err)
	}
}

func TestSubmitRefusals(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	var ve *report.ValidationError
	if _, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: []byte(`{"area":"nowhere"}`)}); !errors.As(err, &ve) || ve.Messages("en")["area"] == "" {
		t.Errorf("bad fields: %v, want a field error naming area", err)
	}
	if _, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: "bogus"}); !errors.Is(err, intake.ErrBadProof) {
		t.Errorf("bogus proof: %v, want ErrBadProof", err)
	}
	p := proof(t, in)
	if _, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: p}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: p}); !errors.Is(err, intake.ErrReplayedProof) {
		t.Errorf("replayed proof: %v, want ErrReplayedProof", err)
	}
}

func TestUnverifiedReportsAreRateLimitedWithARetryTime(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	for i := range 2 {
		if _, err := in.Submit(ctx, "2001:db8:1:2::/64", intake.Submission{Kind: "bad_date", Fields: badDate(t)}); err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
	}
	_, err := in.Submit(ctx, "2001:db8:1:2::/64", intake.Submission{Kind: "bad_date", Fields: badDate(t)})
	var rl *intake.RateLimitedError
	if !errors.As(err, &rl) || !errors.Is(err, intake.ErrRateLimited) || rl.Retry <= 0 || rl.Seconds() < 1 {
		t.Fatalf("third report: %v, want a rate-limit refusal with a retry time", err)
	}
	// Another client is not affected, and a proof of work is not limited per address.
	if _, err := in.Submit(ctx, "192.0.2.9", intake.Submission{Kind: "bad_date", Fields: badDate(t)}); err != nil {
		t.Errorf("another client: %v", err)
	}
	if _, err := in.Submit(ctx, "2001:db8:1:2::/64", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: proof(t, in)}); err != nil {
		t.Errorf("with a proof of work: %v", err)
	}
}

func TestCheckFindsOnlyPublishedIdentifiers(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	norm, err := report.NormalizeIdentifier(report.IdentifierPhone, "(202) 555-0147")
	if err != nil {
		t.Fatal(err)
	}
	a := &report.Alert{
		ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityWarning, Title: "Robbery, Ward 8",
		Body: "A client robbed a worker.", Areas: []string{"ward-8"}, IncidentDay: report.Day(testNow), Published: testNow,
		Updated: testNow, Expires: testNow.Add(30 * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 1,
		Identifiers: []report.Identifier{{Type: report.IdentifierPhone, HMAC: report.IdentifierHMAC(in.IdentifierKey, report.IdentifierPhone, norm)}},
	}
	if err := in.Store.CreateAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := in.Check(ctx, report.IdentifierPhone, "202.555.0147")
	if err != nil || len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("check the published number written another way: %v, %v", got, err)
	}
	if got, err := in.Check(ctx, report.IdentifierPhone, "202-555-0100"); err != nil || len(got) != 0 {
		t.Errorf("check another number: %v, %v", got, err)
	}
	var ve *report.ValidationError
	if _, err := in.Check(ctx, report.IdentifierPhone, "not a phone"); !errors.As(err, &ve) {
		t.Errorf("check a value that is no phone number: %v, want a field error", err)
	}
	// A retracted alert no longer answers.
	if _, err := in.Store.RetractAlert(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := in.Check(ctx, report.IdentifierPhone, "202.555.0147"); err != nil || len(got) != 0 {
		t.Errorf("check after retraction: %v, %v", got, err)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	id := report.NewID()
	at := testNow.Truncate(time.Millisecond)
	got, gotID, ok := intake.DecodeCursor(intake.EncodeCursor(at, id))
	if !ok || !got.Equal(at) || gotID != id {
		t.Errorf("round trip: %v %q %v", got, gotID, ok)
	}
	for _, bad := range []string{"", "%%%", "bm90LWEtY3Vyc29y", string(make([]byte, 200))} {
		if _, _, ok := intake.DecodeCursor(bad); ok {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}

// A receipt points to an alert only when its report became one or was counted in one: a
// rejected report never links to an alert, whatever the record holds.
func TestStatusLinksAnAlertOnlyForApprovedOrMergedReports(t *testing.T) {
	ctx := context.Background()
	for status, link := range map[report.Status]bool{
		report.StatusApproved: true, report.StatusMerged: true, report.StatusRejected: false,
	} {
		in := newService(t)
		rec, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Store.DecideReport(ctx, rec.ID, "sam", store.Decision{Status: status, AlertID: "alert-1"}); err != nil {
			t.Fatal(err)
		}
		st, err := in.Status(ctx, rec.Code)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.AlertID == "alert-1"; got != link || (!link && st.AlertID != "") {
			t.Errorf("%s report: receipt links alert %q, want a link: %v", status, st.AlertID, link)
		}
	}
}

// Retry-After is the wait rounded up to whole seconds and never 0, so a client that waits
// what it is told is not refused again.
func TestRateLimitedErrorSecondsRoundsUp(t *testing.T) {
	for retry, want := range map[time.Duration]int{
		0: 1, time.Nanosecond: 1, time.Second: 1, time.Second + time.Nanosecond: 2,
		2500 * time.Millisecond: 3, 3 * time.Second: 3, time.Hour: 3600,
	} {
		if got := (&intake.RateLimitedError{Retry: retry}).Seconds(); got != want {
			t.Errorf("Seconds() for %v = %d, want %d", retry, got, want)
		}
	}
}

// unavailableSpent is a store whose spent-challenge record is down.
type unavailableSpent struct{ store.Store }

func (unavailableSpent) MarkSpent(context.Context, string, time.Time) (bool, error) {
	return false, store.ErrUnavailable
}

// A database outage while redeeming the proof of work is a server fault (503), not the
// reporter's bad proof.
func TestSubmitWithTheSpentRecordDownIsUnavailable(t *testing.T) {
	in := newService(t)
	in.Store = unavailableSpent{in.Store}
	_, err := in.Submit(context.Background(), "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: proof(t, in)})
	if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, intake.ErrBadProof) {
		t.Fatalf("Submit = %v, want store.ErrUnavailable", err)
	}
}

// formSpentDown is a store whose record of used forms is down, while proofs redeem as usual.
type formSpentDown struct{ store.Store }

func (s formSpentDown) MarkSpent(ctx context.Context, key string, until time.Time) (bool, error) {
	if strings.HasPrefix(key, "form:") {
		return false, store.ErrUnavailable
	}
	return s.Store.MarkSpent(ctx, key, until)
}

// A reused proof sent with a form token while the used-form record is down is an outage too,
// not a proof the reporter must redo.
func TestReusedProofWithTheFormRecordDownIsUnavailable(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	p := proof(t, in)
	if _, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: p}); err != nil {
		t.Fatal(err)
	}
	in.Store = formSpentDown{in.Store}
	_, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: p, FormToken: in.NewFormToken()})
	if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, intake.ErrReplayedProof) {
		t.Fatalf("Submit = %v, want store.ErrUnavailable", err)
	}
	// Without a form token a reused proof is still the reporter's to redo.
	if _, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: p}); !errors.Is(err, intake.ErrReplayedProof) {
		t.Errorf("reused proof without a form: %v, want ErrReplayedProof", err)
	}
}

// People behind one address (a drop-in centre's wifi, an outreach tablet) each send a report
// with a valid proof: all are accepted, well past the limit for reports without one.
func TestReportsWithProofsAreNotLimitedPerAddress(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	for i := range 8 {
		rec, err := in.Submit(ctx, "198.51.100.7", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: proof(t, in)})
		if err != nil {
			t.Fatalf("report %d with a proof from the shared address: %v", i+1, err)
		}
		if stored, err := in.Store.Report(ctx, rec.ID); err != nil || !stored.Verified || stored.StaffEntered {
			t.Fatalf("report %d stored %+v, %v", i+1, stored, err)
		}
	}
	// Without a proof the address still has its own small allowance, untouched by the above.
	for i := range 2 {
		if _, err := in.Submit(ctx, "198.51.100.7", intake.Submission{Kind: "bad_date", Fields: badDate(t)}); err != nil {
			t.Fatalf("report %d without a proof: %v", i+1, err)
		}
	}
	if _, err := in.Submit(ctx, "198.51.100.7", intake.Submission{Kind: "bad_date", Fields: badDate(t)}); !errors.Is(err, intake.ErrRateLimited) {
		t.Errorf("third report without a proof: %v, want rate limited", err)
	}
	// A bad proof is refused as bad, not counted against the address.
	if _, err := in.Submit(ctx, "198.51.100.7", intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: "bm90IGEgcHJvb2Y="}); !errors.Is(err, intake.ErrBadProof) {
		t.Errorf("bad proof: %v, want ErrBadProof", err)
	}
}

// A report staff type in for someone needs no proof and no allowance, is marked as entered by
// staff without naming them, and the audit log says who.
func TestStaffReportsAreMarkedAndAudited(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	var recs []intake.Receipt
	for i := range 4 { // past the allowance of an address without a proof
		rec, err := in.SubmitForStaff(ctx, "ana-outreach", intake.Submission{Kind: "bad_date", Fields: badDate(t)})
		if err != nil {
			t.Fatalf("staff report %d: %v", i+1, err)
		}
		recs = append(recs, rec)
	}
	stored, err := in.Store.Report(ctx, recs[0].ID)
	if err != nil || !stored.StaffEntered || stored.Verified || stored.Status != report.StatusPending {
		t.Fatalf("stored %+v, %v: want pending, staff-entered, without a proof", stored, err)
	}
	if raw, _ := json.Marshal(stored); strings.Contains(string(raw), "ana-outreach") {
		t.Errorf("the report names the staff member: %s", raw)
	}
	if st, err := in.Status(ctx, recs[0].Code); err != nil || st.Status != report.StatusPending {
		t.Errorf("the receipt handed over does not find the report: %+v, %v", st, err)
	}
	log, err := in.Store.AuditLog(ctx, store.AuditFilter{Action: intake.ActionStaffEntered})
	if err != nil || len(log) != 4 {
		t.Fatalf("audit entries %+v, %v: want 4", log, err)
	}
	targets := map[string]bool{}
	for _, e := range log {
		if e.Actor != "ana-outreach" {
			t.Errorf("audit entry %+v, want actor ana-outreach", e)
		}
		targets[e.Target] = true
	}
	for _, rec := range recs {
		if !targets[rec.ID] {
			t.Errorf("no audit entry names report %s", rec.ID)
		}
	}
	var ve *report.ValidationError
	if _, err := in.SubmitForStaff(ctx, "ana-outreach", intake.Submission{Kind: "bad_date", Fields: []byte(`{}`)}); !errors.As(err, &ve) {
		t.Errorf("empty staff report: %v, want field errors", err)
	}
}
