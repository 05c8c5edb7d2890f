package sqlite

import (
	"context"
	"errors"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// AlertsWithIdentifiers returns the alerts holding identifiers, in id order after afterID.
// The page's ids come from the primary key of alert_identifiers, (alert_id, seq), so a page
// costs its own rows whatever the history, and alerts without identifiers are never read.
func (s *Store) AlertsWithIdentifiers(ctx context.Context, afterID string, limit int) ([]report.Alert, error) {
	return queryAll(ctx, s.read(), "list alerts with identifiers", scanAlert, `SELECT `+alertCols+` FROM alerts
		WHERE alerts.id IN (SELECT DISTINCT alert_id FROM alert_identifiers WHERE alert_id > ? ORDER BY alert_id LIMIT ?)
		ORDER BY alerts.id`, afterID, store.WalkLimit(limit))
}

// ReplaceAlertIdentifiers replaces the identifiers of each alert listed, all in one
// transaction: one commit for a page of an upgrade rather than one per alert. secure_delete
// overwrites the rows it replaces, and the WAL is truncated afterwards, so values that are no
// longer to be kept (a checkable-only number) do not stay on disk.
func (s *Store) ReplaceAlertIdentifiers(ctx context.Context, changes []store.AlertIdentifiers) error {
	if len(changes) == 0 {
		return nil
	}
	err := s.write(ctx, func(c conn) error {
		for _, ch := range changes {
			var one int
			err := c.queryRow(ctx, `SELECT 1 FROM alerts WHERE id = ?`, ch.AlertID).Scan(&one)
			if err = wrapf("replace alert identifiers", err); errors.Is(err, store.ErrNotFound) {
				continue // gone: nothing to replace
			} else if err != nil {
				return err
			}
			if _, err := c.exec(ctx, `DELETE FROM alert_identifiers WHERE alert_id = ?`, ch.AlertID); err != nil {
				return wrapf("replace alert identifiers", err)
			}
			for i, id := range ch.Identifiers {
				if _, err := c.exec(ctx, `INSERT INTO alert_identifiers (alert_id, seq, type, value, hmac, public, hint) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					ch.AlertID, i, id.Type, id.Value, id.HMAC, boolInt(id.Public), id.Hint); err != nil {
					return wrapf("replace alert identifiers", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_ = s.checkpoint(ctx)
	return nil
}
