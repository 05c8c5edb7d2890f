package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// The statements in this file read or write whole tables on purpose (dumps, loads, emptiness
// checks) and run outside the trace hook, so the index test does not see them.

// Collections lists the tables, the child tables of alerts included.
func (s *Store) Collections(ctx context.Context) ([]string, error) {
	return slices.Clone(tables), nil
}

func knownTable(name string) bool { return slices.Contains(tables, name) }

// DumpCollection returns every row of a table as a JSON object of its columns, for the
// privacy checks that look for anything that should never have been stored.
func (s *Store) DumpCollection(ctx context.Context, name string) ([]string, error) {
	if !knownTable(name) {
		return nil, fmt.Errorf("dump %q: %w", name, store.ErrNotFound)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT * FROM `+name) // name is one of the tables
	if err != nil {
		return nil, wrapf("dump "+name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, wrapf("dump "+name, err)
	}
	out := []string{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, wrapf("dump "+name, err)
		}
		obj := make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				obj[c] = string(b)
			} else {
				obj[c] = vals[i]
			}
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("dump %s: %w", name, err)
		}
		out = append(out, string(b))
	}
	return out, wrapf("dump "+name, rows.Err())
}

// dumpAll streams the rows of query through scan into fn, one at a time.
func dumpAll[T any](ctx context.Context, s *Store, query string, scan func(scanner) (T, error), fn func(v any) error) error {
	rows, err := s.rdb.QueryContext(ctx, query)
	if err != nil {
		return wrapf("dump", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return wrapf("dump", err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return wrapf("dump", rows.Err())
}

// Dump calls fn with every record of a collection (one of store.TransferCollections) as its
// typed value, in id order.
func (s *Store) Dump(ctx context.Context, collection string, fn func(v any) error) error {
	switch collection {
	case store.ColReports:
		return dumpAll(ctx, s, `SELECT `+reportCols+` FROM reports ORDER BY id`, scanReport, fn)
	case store.ColAlerts:
		return dumpAll(ctx, s, `SELECT `+alertCols+` FROM alerts ORDER BY alerts.id`, scanAlert, fn)
	case store.ColSubscriptions:
		return dumpAll(ctx, s, `SELECT `+subscriptionCols+` FROM subscriptions ORDER BY id`, scanSubscription, fn)
	case store.ColDeliveries:
		return dumpAll(ctx, s, `SELECT `+deliveryCols+` FROM deliveries ORDER BY id`, scanDelivery, fn)
	case store.ColDeliveryClaims:
		return dumpAll(ctx, s, `SELECT id, job, epoch, owner, at FROM delivery_claims ORDER BY id`, scanClaim, fn)
	case store.ColModerators:
		return dumpAll(ctx, s, `SELECT `+moderatorCols+` FROM moderators ORDER BY id`, scanModerator, fn)
	case store.ColSessions:
		return dumpAll(ctx, s, `SELECT `+sessionCols+` FROM sessions ORDER BY id`, scanSession, fn)
	case store.ColAudit:
		return dumpAll(ctx, s, `SELECT `+auditCols+` FROM audit ORDER BY id`, scanAudit, fn)
	case store.ColSettings:
		return dumpAll(ctx, s, `SELECT key, value FROM settings ORDER BY key`, func(sc scanner) (store.Setting, error) {
			var v store.Setting
			err := sc.Scan(&v.Key, &v.Value)
			return v, err
		}, fn)
	case store.ColSpent:
		return dumpAll(ctx, s, `SELECT challenge, expires FROM spent_challenges ORDER BY challenge`, func(sc scanner) (store.SpentChallenge, error) {
			var v store.SpentChallenge
			var exp sql.NullInt64
			err := sc.Scan(&v.Challenge, &exp)
			v.Expires = fromMS(exp)
			return v, err
		}, fn)
	}
	return fmt.Errorf("dump %q: not a collection this engine transfers", collection)
}

// upsert returns the parts of an INSERT of cols into table that replaces the row with the same
// key: the statement is head, then one "(?, …)" group per row joined by commas, then tail.
func upsert(table, key, cols string) (head, tail string, ncols int) {
	names := strings.Split(cols, ",")
	var set []string
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
		if names[i] != key {
			set = append(set, names[i]+" = excluded."+names[i])
		}
	}
	return `INSERT INTO ` + table + ` (` + strings.Join(names, ", ") + `) VALUES `,
		` ON CONFLICT (` + key + `) DO UPDATE SET ` + strings.Join(set, ", "), len(names)
}

// maxParams bounds the parameters of one statement, well under SQLite's limit.
const maxParams = 999

// params returns n comma-separated "?" placeholders, for an IN list or a row of values.
func params(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// insertRows runs head + groups + tail for rows, as many rows per statement as maxParams
// allows: the driver parses each statement it runs, so one statement per row would spend more
// time parsing than inserting.
func insertRows(ctx context.Context, q querier, head, tail string, ncols int, rows [][]any) error {
	per := max(1, maxParams/ncols)
	group := "(" + params(ncols) + ")"
	for len(rows) > 0 {
		n := min(per, len(rows))
		args := make([]any, 0, n*ncols)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		query := head + strings.TrimSuffix(strings.Repeat(group+", ", n), ", ") + tail
		if _, err := q.ExecContext(ctx, query, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// deref returns *T for a T or a *T.
func deref[T any](v any) (*T, error) {
	switch x := v.(type) {
	case *T:
		return x, nil
	case T:
		return &x, nil
	}
	var zero T
	return nil, fmt.Errorf("load: got %T, want %T", v, &zero)
}

// loader is how Load writes the records of one collection: the table, its key and columns,
// and the arguments of a record's row.
type loader struct {
	table, key, cols string
	args             func(v any) ([]any, error)
}

// argsOf makes a loader's args from a function of the record, taking a T or a *T as Dump
// gave it.
func argsOf[T any](f func(*T) ([]any, error)) func(v any) ([]any, error) {
	return func(v any) ([]any, error) {
		r, err := deref[T](v)
		if err != nil {
			return nil, err
		}
		return f(r)
	}
}

// loaders are the collections Load writes row by row; alerts, three tables, have their own way.
var loaders = map[string]loader{
	store.ColReports: {"reports", "id", reportCols, argsOf(reportArgs)},
	store.ColSubscriptions: {"subscriptions", "id", subscriptionCols, argsOf(func(sub *store.Subscription) ([]any, error) {
		rec := *sub
		if rec.ID == "" {
			rec.ID = store.SubscriptionID(rec.Endpoint)
		}
		return subscriptionArgs(&rec)
	})},
	store.ColDeliveries: {"deliveries", "id", deliveryCols, argsOf(deliveryArgs)},
	store.ColDeliveryClaims: {"delivery_claims", "id", "id, job, epoch, owner, at", argsOf(func(cl *store.DeliveryClaim) ([]any, error) {
		return []any{cl.ID, cl.Job, cl.Epoch, cl.Owner, ms(cl.At)}, nil
	})},
	store.ColModerators: {"moderators", "id", moderatorCols, argsOf(func(m *store.Moderator) ([]any, error) {
		return moderatorArgs(m), nil
	})},
	store.ColSessions: {"sessions", "id", sessionCols, argsOf(func(sess *store.Session) ([]any, error) {
		return []any{sess.ID, sess.ModeratorID, boolInt(sess.Full), ms(sess.Created), ms(sess.LastSeen)}, nil
	})},
	store.ColAudit: {"audit", "id", auditCols, argsOf(func(e *store.AuditEntry) ([]any, error) {
		return []any{e.ID, ms(e.Time), e.Actor, e.Action, e.Target, e.Detail}, nil
	})},
	store.ColSettings: {"settings", "key", "key, value", argsOf(func(st *store.Setting) ([]any, error) {
		return []any{st.Key, st.Value}, nil
	})},
	store.ColSpent: {"spent_challenges", "challenge", "challenge, expires", argsOf(func(sc *store.SpentChallenge) ([]any, error) {
		return []any{sc.Challenge, ms(sc.Expires)}, nil
	})},
}

// Load stores records of one collection as Dump gave them, replacing records with the same id,
// all in one transaction with many rows per statement, so that a seed of a million rows in
// batches of thousands takes seconds.
func (s *Store) Load(ctx context.Context, collection string, records []any) error {
	if len(records) == 0 {
		return nil
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return wrapf("load "+collection, err)
	}
	if err := s.load(ctx, tx, collection, records); err != nil {
		_ = tx.Rollback()
		return err
	}
	return wrapf("load "+collection, tx.Commit())
}

func (s *Store) load(ctx context.Context, tx *sql.Tx, collection string, records []any) error {
	if collection == store.ColAlerts {
		// An alert is three tables: replace it whole (its child rows go by cascade).
		c := conn{s: &Store{}, q: tx} // untraced, like every statement here
		for _, v := range records {
			a, err := deref[report.Alert](v)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE id = ?`, a.ID); err != nil {
				return wrapf("load alerts", err)
			}
			if err := c.insertAlert(ctx, a); err != nil {
				return err
			}
		}
		return nil
	}
	l, ok := loaders[collection]
	if !ok {
		return fmt.Errorf("load %q: not a collection this engine transfers", collection)
	}
	head, tail, ncols := upsert(l.table, l.key, l.cols)
	rows := make([][]any, len(records))
	for i, v := range records {
		a, err := l.args(v)
		if err != nil {
			return fmt.Errorf("load %s: %w", collection, err)
		}
		rows[i] = a
	}
	if err := insertRows(ctx, tx, head, tail, ncols, rows); err != nil {
		return wrapf("load "+collection, err)
	}
	if collection == store.ColReports {
		return loadReportIdentifiers(ctx, tx, records)
	}
	return nil
}

// loadReportIdentifiers rebuilds the report_identifiers rows of loaded reports from their
// identifier_hmacs, so that a replaced report is linked by its new hashes only. Decided
// reports get no rows, as in linkIdentifiers.
func loadReportIdentifiers(ctx context.Context, tx *sql.Tx, records []any) error {
	var rows [][]any
	ids := make([]any, 0, len(records))
	for _, v := range records {
		r, err := deref[report.Report](v)
		if err != nil {
			return err
		}
		ids = append(ids, r.ID)
		if r.Status != report.StatusPending && r.Status != report.StatusNeedsInfo {
			continue
		}
		for _, h := range r.IdentifierHMACs {
			rows = append(rows, []any{h, r.ID})
		}
	}
	for chunk := range slices.Chunk(ids, maxParams) {
		q := `DELETE FROM report_identifiers WHERE report_id IN (` + params(len(chunk)) + `)`
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return wrapf("load report identifiers", err)
		}
	}
	head := `INSERT INTO report_identifiers (hmac, report_id) VALUES `
	return wrapf("load report identifiers", insertRows(ctx, tx, head, ` ON CONFLICT DO NOTHING`, 2, rows))
}

// Empty reports whether the database holds no record at all.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	for _, t := range tables {
		var found bool
		if err := s.rdb.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&found); err != nil {
			return false, wrapf("check "+t, err)
		}
		if found {
			return false, nil
		}
	}
	return true, nil
}

// Drop deletes every row of every table (the schema stays), overwriting them on disk.
func (s *Store) Drop(ctx context.Context) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return wrapf("drop", err)
	}
	for _, t := range slices.Backward(tables) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			_ = tx.Rollback()
			return wrapf("drop "+t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrapf("drop", err)
	}
	_ = s.checkpoint(ctx)
	return nil
}

// Backup writes a consistent copy of the database to dest, a file that must not exist yet,
// while the store keeps serving: VACUUM INTO reads one snapshot on a connection of its own,
// so writers are not held up. The copy is readable by the owner only.
func (s *Store) Backup(ctx context.Context, dest string) error {
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = s.vacuumInto(ctx, dest)
	if err == nil {
		err = syncFile(dest)
	}
	if err != nil {
		_ = os.Remove(dest)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func (s *Store) vacuumInto(ctx context.Context, dest string) error {
	db, err := sql.Open("sqlite", s.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, dest)
	return wrap(err)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
