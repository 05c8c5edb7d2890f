// Package intake is what reporters and readers do, whichever front end they came through (the
// JSON API or the plain HTML forms that work without JavaScript): submit a report, see its
// status with the receipt code, add information, withdraw it, and check an identifier against
// published alerts. The rules (validation, proof of work, rate limits, receipts) live here
// once, and failures come back as the domain errors in errors.go for each front end to word.
package intake

import (
	"context"
	"errors"
	"time"

	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// Service holds what the intake use cases need; the wiring function builds one and every
// front end shares it, so a limit spent through the API is spent for the forms too.
type Service struct {
	Store store.Store
	// Alerts is where checks look; it may be a cache in front of Store, nil means Store.
	Alerts   store.Alerts
	Areas    []report.Area
	Proofs   *altcha.Issuer
	Receipts ReceiptKey
	// IdentifierKey is the HMAC key checkable identifiers are stored under by moderators.
	IdentifierKey []byte
	// PhoneRegion is the country phone numbers without a country code belong to; /check
	// and the identifier hashes of reports normalise with it, as moderators do.
	PhoneRegion string
	// Unverified limits reports sent without a proof of work (JavaScript off), per address.
	// A report with a valid, unspent proof is never limited per address, since many people
	// may share one (a drop-in centre's wifi, an outreach tablet): a flood makes the proof
	// dearer instead (altcha's adaptive difficulty).
	Unverified *ratelimit.Limiter
	Now        func() time.Time
	// Accepted, if set, is told the kind of every stored report (metrics); nothing else.
	Accepted func(kind string, verified bool)
}

// Submission is a report as a client sends it.
type Submission struct {
	Kind   string
	Fields []byte // the JSON object of fields
	Proof  string // the ALTCHA payload, empty without JavaScript
	// FormToken is the token of the report form the submission came from (formtoken.go),
	// which makes sending the same form again show the same receipt; empty from the API.
	FormToken string
}

// Receipt is what a reporter gets back once: the code is never stored in the clear.
type Receipt struct {
	ID     string
	Code   string
	Status report.Status
	// Again says the same form had already sent this report: nothing new was stored. Code is
	// empty when the form is older than FormTokenTTL (the code is not shown again then).
	Again     bool
	Submitted time.Time // the day, for a receipt shown again
}

// Submit validates, checks the proof or, without one, the rate limit, and stores a report.
// client is the rate-limit key of the sender (web.ClientKey), used only in memory, never stored
// or logged.
func (s *Service) Submit(ctx context.Context, client string, sub Submission) (Receipt, error) {
	form, sent, err := s.openForm(ctx, sub)
	if err != nil {
		return Receipt{}, err
	}
	if sent != nil { // sent before: its proof is spent and it must not be stored twice
		return *sent, nil
	}
	r, err := report.Decode(sub.Kind, sub.Fields, s.Areas, s.Now())
	if err != nil {
		return Receipt{}, err
	}
	if sub.Proof == "" {
		if ok, retry := s.Unverified.Allow(client); !ok {
			return Receipt{}, &RateLimitedError{Retry: retry}
		}
	} else {
		switch err := s.Proofs.Redeem(ctx, s.Store, sub.Proof); {
		case errors.Is(err, altcha.ErrReplayed):
			sent, err := s.resent(ctx, form)
			if sent != nil {
				return *sent, nil
			}
			return Receipt{}, err
		case errors.Is(err, store.ErrUnavailable):
			return Receipt{}, err
		case err != nil:
			return Receipt{}, ErrBadProof
		}
		r.Verified = true
	}
	return s.createFrom(ctx, r, form)
}

// ActionStaffEntered is the audit action of a report filed by outreach staff.
const ActionStaffEntered = "report.staff_entered"

// SubmitForStaff stores a report that signed-in staff (an outreach worker, a moderator) typed
// in on someone's behalf: no proof of work and no per-address limit, since the account is the
// accountability. The report is marked StaffEntered but does not name staff; the audit log
// does, with an entry written first, so that no staff-entered report exists without one.
func (s *Service) SubmitForStaff(ctx context.Context, staff string, sub Submission) (Receipt, error) {
	r, err := report.Decode(sub.Kind, sub.Fields, s.Areas, s.Now())
	if err != nil {
		return Receipt{}, err
	}
	r.ID = report.NewID()
	r.StaffEntered = true
	if err := s.Store.AppendAudit(ctx, store.AuditEntry{
		ID: report.NewID(), Time: s.Now(), Actor: staff, Action: ActionStaffEntered, Target: r.ID, Detail: string(r.Kind),
	}); err != nil {
		return Receipt{}, err
	}
	return s.create(ctx, r)
}

// create gives a decoded report its receipt and stores it.
func (s *Service) create(ctx context.Context, r *report.Report) (Receipt, error) {
	return s.createFrom(ctx, r, nil)
}

// createFrom is create for a report sent with a form token: its code comes from the form,
// and the form is marked used first.
func (s *Service) createFrom(ctx context.Context, r *report.Report, form *sentForm) (Receipt, error) {
	code := newReceipt()
	if form != nil {
		sent, err := s.claim(ctx, form)
		if sent != nil {
			return *sent, nil
		}
		if err != nil {
			return Receipt{}, err
		}
		code = form.code
	}
	hash, _ := s.Receipts.Hash(code)
	if r.ID == "" {
		r.ID = report.NewID()
	}
	r.ReceiptHash = hash
	r.Status = report.StatusPending
	r.SubmittedDay = report.Day(s.Now())
	// Keyed hashes of every identifier in the fields and the free text, so that a repeat
	// aggressor's reports and alerts link up without the values being searchable.
	r.IdentifierHMACs = report.IdentifierHMACs(s.IdentifierKey, s.PhoneRegion, r)
	if err := s.Store.CreateReport(ctx, r); err != nil {
		// Only a clash with a report of the same form is worth waiting for; any other failure
		// answers at once.
		if errors.Is(err, store.ErrExists) && form != nil {
			if sent := s.sentMeanwhile(ctx, form); sent != nil {
				return *sent, nil
			}
		}
		return Receipt{}, err
	}
	if s.Accepted != nil {
		s.Accepted(string(r.Kind), r.Verified)
	}
	return Receipt{ID: r.ID, Code: code, Status: r.Status}, nil
}

// Status is a report as its reporter may see it: never its raw text, which only moderators
// read.
type Status struct {
	Status    report.Status
	Kind      report.Kind
	Submitted time.Time // the day only
	// AlertID is the published alert the report became or was merged into, or "".
	AlertID   string
	Followups int
	// CanAdd says whether the reporter may still add information.
	CanAdd bool
	// Asked says the moderators wait for the reporter's answer (a question, or a rejection
	// that invites more): the note is what they ask, and adding information answers it.
	Asked bool
	// Answered says the reporter answered a question and the report is back in the queue.
	Answered bool
	// note is the moderator's note to the reporter as stored (a stock note's code and the
	// moderator's words); NoteIn words it for a reader.
	note string
}

// NoteIn is the moderator's note as a reporter reading lang sees it: a stock reason or
// question in lang, the moderator's own words as written (report.NoteText).
func (st *Status) NoteIn(lang string) string { return report.NoteText(lang, st.note) }

// Status returns the status of the report a receipt code belongs to.
func (s *Service) Status(ctx context.Context, code string) (*Status, error) {
	r, err := s.byReceipt(ctx, code)
	if err != nil {
		return nil, err
	}
	shown := r.Status
	if r.Status == report.StatusNeedsInfo && report.NoteInvitesMore(r.Note) {
		// A rejection for want of information waits for more like a question does, but
		// the reporter is told plainly that it was not published.
		shown = report.StatusRejected
	}
	return &Status{
		Status: shown, Kind: r.Kind, Submitted: r.SubmittedDay, note: r.Note,
		AlertID: linkedAlertID(r), Followups: len(r.Followups), CanAdd: acceptsFollowups(r),
		Asked: r.Status == report.StatusNeedsInfo, Answered: r.Answered && r.Status == report.StatusPending,
	}, nil
}

func (s *Service) byReceipt(ctx context.Context, code string) (*report.Report, error) {
	hash, ok := s.Receipts.Hash(code)
	if !ok {
		return nil, ErrNotFound
	}
	r, err := s.Store.ReportByReceipt(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return r, err
}

// AddFollowup adds information to a pending or approved report.
func (s *Service) AddFollowup(ctx context.Context, code, text string) error {
	clean, verr := report.ValidateFollowup(text)
	if verr != nil {
		return verr
	}
	r, err := s.byReceipt(ctx, code)
	if err != nil {
		return err
	}
	if !acceptsFollowups(r) {
		return ErrClosed
	}
	// A number written only in a follow-up links the report like one in the form.
	hmacs := report.TextHMACs(s.IdentifierKey, s.PhoneRegion, clean)
	err = s.Store.AddFollowup(ctx, r.ReceiptHash, report.Followup{Day: report.Day(s.Now()), Text: clean}, hmacs)
	if errors.Is(err, store.ErrNotFound) { // decided or withdrawn in between
		return ErrClosed
	}
	return err
}

// acceptsFollowups reports whether the reporter may still add information: only while the
// report is pending, approved or waiting for their answer, and its raw text not yet purged.
func acceptsFollowups(r *report.Report) bool {
	switch r.Status {
	case report.StatusPending, report.StatusApproved, report.StatusNeedsInfo:
		return !r.Purged
	}
	return false
}

// linkedAlertID is the alert a reporter's receipt may point to, or "": a report that was
// approved or merged into a published alert.
func linkedAlertID(r *report.Report) string {
	if r.Status == report.StatusApproved || r.Status == report.StatusMerged {
		return r.AlertID
	}
	return ""
}

// Withdraw deletes the raw report at once. An alert a moderator already published stays.
func (s *Service) Withdraw(ctx context.Context, code string) error {
	hash, ok := s.Receipts.Hash(code)
	if !ok {
		return ErrNotFound
	}
	_, err := s.Store.DeleteReportByReceipt(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}
