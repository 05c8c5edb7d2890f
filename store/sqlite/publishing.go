package sqlite

import (
	"context"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// ApproveReport publishes a, queues its fan-out, records the approval on the report and
// appends entry to the audit log, in one transaction: all of it happens or none of it. The
// report must be claimable by moderator (else ErrConflict, or ErrNotFound when withdrawn), and
// then nothing is published.
func (s *Store) ApproveReport(ctx context.Context, reportID, moderator string, a *report.Alert, d store.Decision, entry store.AuditEntry) error {
	now := s.now()
	return s.write(ctx, func(c conn) error {
		if err := c.decide(ctx, now, reportID, moderator, d); err != nil {
			return err
		}
		if err := c.insertAlert(ctx, a); err != nil {
			return err
		}
		version := a.Version
		if version == 0 {
			version = 1
		}
		if err := c.enqueue(ctx, now, a.ID, version, false); err != nil {
			return err
		}
		return c.appendAudit(ctx, entry)
	})
}

// MergeReport counts a report in the published alert alertID, adds areas to it and records the
// decision and the audit entry, in one transaction. A retracted or missing alert is ErrConflict
// and changes nothing.
func (s *Store) MergeReport(ctx context.Context, reportID, moderator, alertID string, addAreas []string, d store.Decision, entry store.AuditEntry) (*report.Alert, error) {
	now := s.now()
	var a *report.Alert
	err := s.write(ctx, func(c conn) error {
		if err := c.decide(ctx, now, reportID, moderator, d); err != nil {
			return err
		}
		var err error
		if a, err = c.mergeInto(ctx, alertID, addAreas); err != nil {
			if err == store.ErrNotFound {
				return store.ErrConflict
			}
			return err
		}
		return c.appendAudit(ctx, entry)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
