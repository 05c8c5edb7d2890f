package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
)

var shortCode = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`)

func pendingCount(t *testing.T, in *intake.Service) int64 {
	t.Helper()
	n, err := in.Store.CountReports(context.Background(), report.StatusPending)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSendingTheSameFormAgainShowsTheSameReceipt is a reload of the receipt page, a tab
// restored from yesterday, or Back and resend: the browser posts the same form again, with a
// proof of work already spent. The reporter gets the same receipt, and one report is stored.
func TestSendingTheSameFormAgainShowsTheSameReceipt(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	sub := intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: proof(t, in), FormToken: in.NewFormToken()}
	first, err := in.Submit(ctx, "192.0.2.1", sub)
	if err != nil {
		t.Fatal(err)
	}
	if !shortCode.MatchString(first.Code) || first.Again {
		t.Fatalf("first receipt %+v: want a new 16-character code in four groups", first)
	}
	for _, name := range []string{"reload", "restored tab"} {
		again, err := in.Submit(ctx, "192.0.2.1", sub)
		if err != nil {
			t.Fatalf("%s: %v, want the receipt again", name, err)
		}
		if again.Code != first.Code || again.ID != first.ID || !again.Again {
			t.Errorf("%s: %+v, want the first receipt %+v again", name, again, first)
		}
	}
	// Without JavaScript there is no proof at all; the same holds.
	nojs := intake.Submission{Kind: "bad_date", Fields: badDate(t), FormToken: in.NewFormToken()}
	a, err := in.Submit(ctx, "192.0.2.1", nojs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := in.Submit(ctx, "192.0.2.1", nojs)
	if err != nil || b.Code != a.Code || !b.Again {
		t.Errorf("resent without a proof: %+v, %v; want %s again", b, err, a.Code)
	}
	if n := pendingCount(t, in); n != 2 {
		t.Errorf("%d reports stored, want 2 (one per form)", n)
	}
	if st, err := in.Status(ctx, strings.ToLower(first.Code)); err != nil || st.Kind != report.BadDate {
		t.Errorf("status by the derived code: %+v, %v", st, err)
	}
}

// TestADoubleTapStoresOneReport sends one form twice at once, as a double tap on Send does:
// the browser shows the answer to the second post, which must be the receipt too.
func TestADoubleTapStoresOneReport(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	sub := intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: proof(t, in), FormToken: in.NewFormToken()}
	var wg sync.WaitGroup
	recs := make([]intake.Receipt, 4)
	errs := make([]error, len(recs))
	for i := range recs {
		wg.Go(func() { recs[i], errs[i] = in.Submit(ctx, "192.0.2.1", sub) })
	}
	wg.Wait()
	for i := range recs {
		if errs[i] != nil || recs[i].Code != recs[0].Code || recs[i].Code == "" {
			t.Errorf("post %d: %+v, %v; want the receipt %s", i, recs[i], errs[i], recs[0].Code)
		}
	}
	if n := pendingCount(t, in); n != 1 {
		t.Errorf("%d reports stored, want 1", n)
	}
}

func TestFormTokensThatCannotSend(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	good := in.NewFormToken()
	other := newService(t)
	other.Receipts = intake.ReceiptKey("another-service-key-0123456789abcdef")
	flipped := []byte(good)
	flipped[3] ^= 1
	for name, tok := range map[string]string{
		"made up":         strings.Repeat("A", len(good)),
		"altered":         string(flipped),
		"too short":       good[:20],
		"not base64":      strings.Repeat("*", len(good)),
		"another service": other.NewFormToken(),
	} {
		_, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), FormToken: tok})
		if !errors.Is(err, intake.ErrBadFormToken) {
			t.Errorf("%s token: %v, want ErrBadFormToken", name, err)
		}
	}
	if n := pendingCount(t, in); n != 0 {
		t.Errorf("%d reports stored from forged tokens", n)
	}
}

// TestAUsedFormSendsNothingElse covers a shared tablet: the next person finds the form of the
// one before and writes their own report; and a report resent after it was withdrawn.
func TestAUsedFormSendsNothingElse(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	defer intake.SetSameFormWait(10 * time.Millisecond)()
	tok := in.NewFormToken()
	sub := intake.Submission{Kind: "bad_date", Fields: badDate(t), Proof: proof(t, in), FormToken: tok}
	first, err := in.Submit(ctx, "192.0.2.1", sub)
	if err != nil {
		t.Fatal(err)
	}
	otherFields, _ := json.Marshal(map[string]any{"date": "2026-11-22", "area": "ward-1", "details": "Someone else's report.", "harms": []string{"refused_to_pay"}})
	rec, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: otherFields, Proof: proof(t, in), FormToken: tok})
	if !errors.Is(err, intake.ErrFormUsed) || rec.Code != "" {
		t.Errorf("another report on a used form: %+v, %v; want ErrFormUsed and no code", rec, err)
	}
	if err := in.Withdraw(ctx, first.Code); err != nil {
		t.Fatal(err)
	}
	// Resent as the browser would, with the proof it already spent, and without one.
	if _, err := in.Submit(ctx, "192.0.2.1", sub); !errors.Is(err, intake.ErrFormUsed) {
		t.Errorf("resent after withdrawing: %v, want ErrFormUsed", err)
	}
	sub.Proof = ""
	if _, err := in.Submit(ctx, "192.0.2.1", sub); !errors.Is(err, intake.ErrFormUsed) {
		t.Errorf("resent without a proof after withdrawing: %v, want ErrFormUsed", err)
	}
	if n := pendingCount(t, in); n != 0 {
		t.Errorf("%d reports stored, want 0", n)
	}
}

// TestAnOldFormShowsNoCode: after FormTokenTTL a resent form neither stores a report nor
// shows the code of the one it sent.
func TestAnOldFormShowsNoCode(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	issued := testNow.Add(-intake.FormTokenTTL + time.Hour)
	in.Now = func() time.Time { return issued }
	sentTok, unsentTok := in.NewFormToken(), in.NewFormToken()
	sent, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), FormToken: sentTok})
	if err != nil {
		t.Fatal(err)
	}
	in.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
	again, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), FormToken: sentTok})
	if err != nil || !again.Again || again.Code != "" || again.ID != sent.ID || again.Submitted.IsZero() {
		t.Errorf("an old form resent: %+v, %v; want it found, with the day and without the code", again, err)
	}
	if _, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: badDate(t), FormToken: unsentTok}); !errors.Is(err, intake.ErrFormExpired) {
		t.Errorf("an old unsent form: %v, want ErrFormExpired", err)
	}
	if n := pendingCount(t, in); n != 1 {
		t.Errorf("%d reports stored, want 1", n)
	}
}

// TestOldReceiptCodesStillWork: a report stored under a 24-character code before codes got
// shorter is still found by it, however it is typed.
func TestOldReceiptCodesStillWork(t *testing.T) {
	ctx := context.Background()
	in := newService(t)
	r, err := report.Decode("bad_date", badDate(t), in.Areas, testNow)
	if err != nil {
		t.Fatal(err)
	}
	const old = "K7QM-3X9P-A2B4-C6D8-E0F1-G3H5"
	r.ID = report.NewID()
	r.ReceiptHash, _ = in.Receipts.Hash(old)
	r.Status = report.StatusPending
	r.SubmittedDay = report.Day(testNow)
	if err := in.Store.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{old, "k7qm 3x9p a2b4 c6d8 eofi g3h5", "K7QM3X9PA2B4C6D8E0F1G3H5"} {
		if st, err := in.Status(ctx, typed); err != nil || st.Status != report.StatusPending {
			t.Errorf("old code typed %q: %+v, %v", typed, st, err)
		}
	}
	if _, err := in.Status(ctx, old[:19]); !errors.Is(err, intake.ErrNotFound) {
		t.Errorf("the first 16 characters of an old code: %v, want ErrNotFound", err)
	}
}
