package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/headsup/headsup/store"
)

const auditCols = `id, time, actor, action, target, detail`

func scanAudit(sc scanner) (store.AuditEntry, error) {
	var e store.AuditEntry
	var t sql.NullInt64
	err := sc.Scan(&e.ID, &t, &e.Actor, &e.Action, &e.Target, &e.Detail)
	e.Time = fromMS(t)
	return e, err
}

func (c conn) appendAudit(ctx context.Context, e store.AuditEntry) error {
	_, err := c.exec(ctx, `INSERT INTO audit (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, ms(e.Time), e.Actor, e.Action, e.Target, e.Detail)
	return wrapf("append audit entry", err)
}

// AppendAudit adds an entry.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	return s.write(ctx, func(c conn) error { return c.appendAudit(ctx, e) })
}

// AuditLog returns entries matching f, newest first. Each combination of filters has an index
// that starts with its equality columns and continues with (time, id), so a page is read in
// order from the index whatever the size of the log.
func (s *Store) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	var where []string
	var args []any
	index := "audit_time"
	switch {
	case f.Actor != "" && f.Action != "":
		index = "audit_actor_action_time"
	case f.Actor != "":
		index = "audit_actor_time"
	case f.Action != "":
		index = "audit_action_time"
	}
	if f.Actor != "" {
		where = append(where, "actor = ?")
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	if !f.From.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where = append(where, "time < ?")
		args = append(args, f.To.UnixMilli())
	}
	q := `SELECT ` + auditCols + ` FROM audit INDEXED BY ` + index
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q += ` ORDER BY time DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, limit, max(f.Skip, 0))
	return queryAll(ctx, s.read(), "read audit log", scanAudit, q, args...)
}
