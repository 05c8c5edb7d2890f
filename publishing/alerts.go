package publishing

import (
	"context"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// Edit saves ch as a new version of an alert that is still at fromVersion (else ErrConflict:
// a stale page's edit is refused, not merged) and, with repush, pushes the new version again.
// The store writes the version, its push and the audit entry as one, so a crash loses neither
// the push nor the record. The caller has validated ch.
func (s *Service) Edit(ctx context.Context, moderator, alertID string, fromVersion int, ch store.AlertChange, repush bool) (*report.Alert, error) {
	detail := "edited"
	if repush {
		detail = "repushed"
	}
	updated, err := s.Store.EditPublishedAlert(ctx, alertID, fromVersion, ch, repush, s.auditEntry(moderator, ActionAlertEdit, alertID, detail))
	if err != nil {
		return nil, domainError(err)
	}
	if repush {
		s.wake()
	}
	return updated, nil
}

// Retract withdraws an alert from the public as a new version and pushes the retraction to
// everyone who got it. An alert already retracted is ErrConflict. The store writes the
// retraction, its push and its audit entry as one, so a crash cannot lose the push.
func (s *Service) Retract(ctx context.Context, moderator, alertID string) (*report.Alert, error) {
	a, err := s.Store.RetractPublishedAlert(ctx, alertID, s.auditEntry(moderator, ActionAlertRetract, alertID, ""))
	if err != nil {
		return nil, domainError(err)
	}
	s.wake()
	return a, nil
}

// Extend moves an alert's expiry and records who did; it is not a new version and pushes
// nothing. A retracted alert is ErrConflict.
func (s *Service) Extend(ctx context.Context, moderator, alertID string, expires time.Time) (*report.Alert, error) {
	entry := s.auditEntry(moderator, ActionAlertExtend, alertID, "until="+expires.UTC().Format(time.DateOnly))
	a, err := s.Store.ExtendPublishedAlert(ctx, alertID, expires, entry)
	if err != nil {
		return nil, domainError(err)
	}
	return a, nil
}
