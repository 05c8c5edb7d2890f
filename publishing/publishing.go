// Package publishing is what moderators do to turn reports into public alerts and keep them
// right: approve, reject, merge, edit, retract and extend. Each is one call that makes every
// change the action needs in the store, writes its audit entry and, when it created a
// delivery job, wakes the dispatcher so the push leaves now rather than at its next poll.
// Failures come back as the domain errors below, for each front end to word once.
package publishing

import (
	"errors"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// The domain errors of publishing. store.ErrUnavailable passes through wrapped, for a 503.
var (
	// ErrNotFound means the report was withdrawn by its reporter, or the alert does not exist.
	ErrNotFound = errors.New("report or alert not found")
	// ErrConflict means someone changed the record first: the report was decided or its
	// lease lost, the alert was edited or retracted. Nothing was changed.
	ErrConflict = errors.New("changed by someone else")
	// ErrNotMergeable means the alert chosen for a merge is not a published alert of the
	// report's kind.
	ErrNotMergeable = errors.New("not a published alert of the same kind")
)

// Audit actions of publishing; the moderation pages list them with the others.
const (
	ActionApprove      = "approve"
	ActionReject       = "reject"
	ActionMerge        = "merge"
	ActionAlertEdit    = "alert_edit"
	ActionAlertRetract = "alert_retract"
	ActionAlertExtend  = "alert_extend"
)

// Notes the reporter reads on the receipt after an approval or a merge.
const (
	NoteApproved = "Thank you for reporting. An alert based on your report was published."
	NoteMerged   = "Thank you for reporting. Your report was added to an alert that was already published."
)

// Waker is told that a delivery job was created. The push dispatcher's Wake fits: without
// it, every approval waits for the dispatcher's next poll.
type Waker interface{ Wake() }

// Service holds what the publishing use cases need. The wiring function builds one for the
// moderation pages.
type Service struct {
	Store store.Store
	Areas []report.Area
	// IdentifierKey is the HMAC key checkable identifiers are stored under; the intake
	// check looks them up with the same key.
	IdentifierKey []byte
	// Waker, if set, is woken after every call that created a delivery job.
	Waker Waker
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) wake() {
	if s.Waker != nil {
		s.Waker.Wake()
	}
}

func (s *Service) auditEntry(actor, action, target, detail string) store.AuditEntry {
	return store.AuditEntry{ID: report.NewID(), Time: s.now(), Actor: actor, Action: action, Target: target, Detail: detail}
}

// domainError turns the store's record-level errors into this package's.
func domainError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrConflict):
		return ErrConflict
	}
	return err
}
