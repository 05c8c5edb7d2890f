package sqlite

import (
	"context"
	"time"

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

// RetractPublishedAlert withdraws a published alert as a new version, queues the retraction's
// push and appends entry to the audit log, in one transaction (changeAudited).
func (s *Store) RetractPublishedAlert(ctx context.Context, id string, entry store.AuditEntry) (*report.Alert, error) {
	now := s.now()
	return s.changeAudited(ctx, id, entry, func(c conn) (*report.Alert, error) {
		a, err := c.changeAlert(ctx, id, nil, retractQuery, ms(now), id)
		if err != nil {
			return nil, err
		}
		return a, c.enqueue(ctx, now, id, a.Version, true)
	})
}

// EditPublishedAlert applies ch as a new version of a published alert still at fromVersion,
// queues the new version's push when repush is set and appends entry to the audit log, in one
// transaction (changeAudited).
func (s *Store) EditPublishedAlert(ctx context.Context, id string, fromVersion int, ch store.AlertChange, repush bool, entry store.AuditEntry) (*report.Alert, error) {
	now := s.now()
	return s.changeAudited(ctx, id, entry, func(c conn) (*report.Alert, error) {
		a, err := c.updateAlert(ctx, now, id, fromVersion, ch)
		if err != nil || !repush {
			return a, err
		}
		return a, c.enqueue(ctx, now, id, a.Version, false)
	})
}

// ExtendPublishedAlert moves a published alert's expiry and appends entry to the audit log, in
// one transaction (changeAudited).
func (s *Store) ExtendPublishedAlert(ctx context.Context, id string, expires time.Time, entry store.AuditEntry) (*report.Alert, error) {
	return s.changeAudited(ctx, id, entry, func(c conn) (*report.Alert, error) {
		return c.changeAlert(ctx, id, nil, extendQuery, ms(expires), id)
	})
}

// changeAudited runs change on alert id and appends entry to the audit log in one transaction.
// A call whose entry is logged already committed before (its reply was lost): it changes
// nothing more and returns the alert as it is.
func (s *Store) changeAudited(ctx context.Context, id string, entry store.AuditEntry, change func(c conn) (*report.Alert, error)) (*report.Alert, error) {
	var a *report.Alert
	err := s.write(ctx, func(c conn) error {
		var err error
		if c.hasAudit(ctx, entry) {
			a, err = c.alert(ctx, id)
			return err
		}
		if a, err = change(c); err != nil {
			return err
		}
		return c.appendAudit(ctx, entry)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// DecideReportAudited records a decision and appends entry to the audit log, in one
// transaction; a call whose entry is logged already changes nothing more.
func (s *Store) DecideReportAudited(ctx context.Context, id, moderator string, d store.Decision, entry store.AuditEntry) error {
	now := s.now()
	return s.write(ctx, func(c conn) error {
		if c.hasAudit(ctx, entry) {
			return nil
		}
		if err := c.decide(ctx, now, id, moderator, d); err != nil {
			return err
		}
		return c.appendAudit(ctx, entry)
	})
}

// hasAudit reports whether entry is in the log already, under its id and for its target.
func (c conn) hasAudit(ctx context.Context, entry store.AuditEntry) bool {
	var actor, target string
	err := c.queryRow(ctx, `SELECT actor, target FROM audit WHERE id = ?`, entry.ID).Scan(&actor, &target)
	return err == nil && actor == entry.Actor && target == entry.Target
}
