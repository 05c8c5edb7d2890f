package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/headsup/headsup/api/altcha"
	"github.com/headsup/headsup/api/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// Intake is how a report comes in and how its reporter follows it, whether through the JSON API
// or the plain HTML forms that work without JavaScript: both call these methods, so the rules
// (validation, proof of work, rate limits, receipts) exist once.
type Intake struct {
	Store    store.Store
	Areas    []report.Area
	Proofs   *altcha.Issuer
	Receipts ReceiptKey
	// Verified limits reports that came with a solved proof of work; Unverified the ones
	// without (JavaScript off), which are cheaper to send and so get a tighter limit.
	Verified, Unverified *ratelimit.Limiter
	Now                  func() time.Time
	// Accepted, if set, is told the kind of every stored report (metrics); nothing else.
	Accepted func(kind string, verified bool)
}

// Submission is a report as a client sends it.
type Submission struct {
	Kind   string
	Fields []byte // the JSON object of fields
	Proof  string // the ALTCHA payload, empty without JavaScript
}

// Receipt is what a reporter gets back once: the code is never stored in the clear.
type Receipt struct {
	ID      string `json:"id"`
	Receipt string `json:"receipt"`
	Status  string `json:"status"`
}

// Submit validates, checks the proof and the rate limit, and stores a report. clientAddr is used
// only for the in-memory rate limit and is never stored or logged.
func (in *Intake) Submit(ctx context.Context, clientAddr string, sub Submission) (Receipt, error) {
	r, err := report.Decode(sub.Kind, sub.Fields, in.Areas, in.Now())
	if err != nil {
		return Receipt{}, err
	}
	limiter := in.Unverified
	if sub.Proof != "" {
		limiter = in.Verified
	}
	if ok, retry := limiter.Allow(clientAddr); !ok {
		return Receipt{}, &limitedError{retry}
	}
	if sub.Proof != "" {
		switch err := in.Proofs.Redeem(ctx, in.Store, sub.Proof); {
		case errors.Is(err, altcha.ErrReplayed):
			return Receipt{}, errReplayedProof
		case errors.Is(err, store.ErrUnavailable):
			return Receipt{}, err
		case err != nil:
			return Receipt{}, errBadProof
		}
		r.Verified = true
	}
	code := newReceipt()
	hash, _ := in.Receipts.hash(code)
	r.ID = report.NewID()
	r.ReceiptHash = hash
	r.Status = report.StatusPending
	r.SubmittedDay = report.Day(in.Now())
	if err := in.Store.CreateReport(ctx, r); err != nil {
		return Receipt{}, err
	}
	if in.Accepted != nil {
		in.Accepted(string(r.Kind), r.Verified)
	}
	return Receipt{ID: r.ID, Receipt: code, Status: string(r.Status)}, nil
}

// Report returns the report a receipt code belongs to.
func (in *Intake) Report(ctx context.Context, code string) (*report.Report, error) {
	hash, ok := in.Receipts.hash(code)
	if !ok {
		return nil, errReceiptNotFound
	}
	r, err := in.Store.ReportByReceipt(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errReceiptNotFound
	}
	return r, err
}

// AddFollowup adds information to a pending or approved report.
func (in *Intake) AddFollowup(ctx context.Context, code, text string) error {
	clean, verr := report.ValidateFollowup(text)
	if verr != nil {
		return verr
	}
	r, err := in.Report(ctx, code)
	if err != nil {
		return err
	}
	if !AcceptsFollowups(r) {
		return errNotOpen
	}
	err = in.Store.AddFollowup(ctx, r.ReceiptHash, report.Followup{Day: report.Day(in.Now()), Text: clean})
	if errors.Is(err, store.ErrNotFound) { // decided or withdrawn in between
		return errNotOpen
	}
	return err
}

// AcceptsFollowups reports whether the reporter may still add information: only while the
// report is pending or approved, and its raw text not yet purged.
func AcceptsFollowups(r *report.Report) bool {
	return (r.Status == report.StatusPending || r.Status == report.StatusApproved) && !r.Purged
}

// LinkedAlertID is the alert a reporter's receipt may point to, or "": a report that was
// approved or merged into a published alert.
func LinkedAlertID(r *report.Report) string {
	if r.Status == report.StatusApproved || r.Status == report.StatusMerged {
		return r.AlertID
	}
	return ""
}

// Withdraw deletes the raw report at once. An alert a moderator already published stays.
func (in *Intake) Withdraw(ctx context.Context, code string) error {
	hash, ok := in.Receipts.hash(code)
	if !ok {
		return errReceiptNotFound
	}
	_, err := in.Store.DeleteReportByReceipt(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return errReceiptNotFound
	}
	return err
}

// limitedError says a rate limit refused the request and when to try again.
type limitedError struct{ retry time.Duration }

func (e *limitedError) Error() string { return fmt.Sprintf("rate limited for %s", e.retry) }

func (e *limitedError) seconds() int {
	s := int((e.retry + time.Second - 1) / time.Second)
	return max(s, 1)
}

// RetryAfter reports whether err is a rate-limit refusal and how long to wait.
func RetryAfter(err error) (time.Duration, bool) {
	var le *limitedError
	if errors.As(err, &le) {
		return le.retry, true
	}
	return 0, false
}
