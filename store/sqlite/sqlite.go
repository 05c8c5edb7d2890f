// Package sqlite is the embedded storage engine, the default: one SQLite database file in the
// data folder, opened in-process (no listening socket), through modernc.org/sqlite, which is
// pure Go. It is the only package that imports the SQLite driver.
//
// The database runs in WAL mode with one writer connection and a small pool of read-only
// connections, so readers never wait for a writer. Every write runs in a transaction (BEGIN
// IMMEDIATE), and actions that write several records (approving a report, merging one) are one
// transaction. secure_delete overwrites deleted report text in the file, and the WAL is
// truncated after a withdrawal or a purge so the text does not linger there either. Every
// query the engine issues is served by an index; index_test.go checks each one's plan.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/store"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ store.Store = (*Store)(nil)

// Options tune how the database file is opened.
type Options struct {
	// Synchronous is SQLite's synchronous setting in WAL mode: "FULL" (the default when
	// empty) or "NORMAL".
	//
	// FULL syncs the WAL to disk at every commit: an acknowledged report survives a process
	// crash and a power loss or kernel panic.
	//
	// NORMAL syncs only at checkpoints: an acknowledged report survives a crash or kill -9 of
	// the process (the WAL is in the operating system's hands), but a power loss or kernel
	// panic may roll back the last transactions committed before it. The database itself
	// stays consistent either way.
	Synchronous string
}

// readConns is the size of the read pool: readers do not block each other or the writer in
// WAL mode, and two cores gain little from more.
const readConns = 4

// Store is one SQLite database file.
type Store struct {
	dsn   string  // the read DSN without query_only, for Backup
	sync  string  // the synchronous setting commits use: FULL or NORMAL
	wdb   *sql.DB // the one writer connection
	rdb   *sql.DB // read-only pool
	clock atomic.Pointer[func() time.Time]

	// trace, when set (tests), is called with every statement and its arguments before it
	// runs, so that a test can explain each query the engine issues.
	trace func(query string, args []any)

	group commitGroup // concurrent report inserts sharing one commit

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating it with mode 0600 if needed) the database file at path, whose folder
// must exist, and applies any migrations it has not had yet.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	syncMode := strings.ToUpper(opts.Synchronous)
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("sqlite: synchronous must be FULL or NORMAL, not %q", opts.Synchronous)
	}
	// Create the file first so that it (and the WAL and shared-memory files SQLite derives
	// from its mode) is readable by the owner only.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open database file: %w", err)
	}

	// busy_timeout comes first so that the pragmas after it wait for another process's lock.
	common := url.Values{}
	common.Add("_pragma", "busy_timeout(10000)")
	common.Add("_pragma", "journal_mode(WAL)")
	common.Add("_pragma", "synchronous("+syncMode+")")
	common.Add("_pragma", "secure_delete(ON)")
	common.Add("_pragma", "foreign_keys(ON)")

	// A file: URI, so that a '?' or '#' in the folder's name is part of the path, not a
	// parameter.
	name := "file:" + (&url.URL{Path: path}).EscapedPath()
	w := cloneValues(common)
	w.Set("_txlock", "immediate")
	wdb, err := sql.Open("sqlite", name+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	r := cloneValues(common)
	backupDSN := name + "?" + r.Encode()
	r.Add("_pragma", "query_only(1)")
	rdb, err := sql.Open("sqlite", name+"?"+r.Encode())
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	rdb.SetMaxOpenConns(readConns)
	rdb.SetMaxIdleConns(readConns)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)

	s := &Store{sync: syncMode, dsn: backupDSN, wdb: wdb, rdb: rdb}
	s.SetClock(time.Now)
	if err := s.migrate(ctx); err != nil {
		_ = rdb.Close()
		_ = wdb.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		_ = rdb.Close()
		_ = wdb.Close()
		return nil, err
	}
	return s, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Engine names this engine for logs and metrics.
func (s *Store) Engine() string { return "sqlite" }

// SetClock replaces the clock used for leases, expiry and timestamps. It is safe to call while
// other goroutines use the store, because tests move time under a running dispatcher.
func (s *Store) SetClock(now func() time.Time) { s.clock.Store(&now) }

func (s *Store) now() time.Time { return (*s.clock.Load())().UTC() }

// Ping checks that the database answers a read. It does not wait for the writer connection,
// so that a health check stays quick while a long write (a bulk load) runs.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Close checkpoints the WAL into the database file, truncating it, and closes every
// connection. The last connection to close removes the WAL file.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		rerr := s.rdb.Close()
		cerr := s.checkpoint(ctx)
		werr := s.wdb.Close()
		s.closeErr = errors.Join(rerr, cerr, werr)
	})
	return s.closeErr
}

// checkpoint copies the WAL into the database file and truncates it, so that page images
// holding deleted text do not stay in the WAL. It is best effort: while a reader still uses an
// older snapshot it waits a second at most, and the WAL is left for the next checkpoint.
func (s *Store) checkpoint(ctx context.Context) error {
	c, err := s.wdb.Conn(ctx)
	if err != nil {
		return wrap(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "PRAGMA busy_timeout = 1000"); err != nil {
		return wrap(err)
	}
	var busy, logFrames, done int
	err = c.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if _, rerr := c.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = 10000"); rerr != nil {
		// A connection with the wrong timeout must not go back to the pool.
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
	if err != nil && isBusy(err) {
		return nil
	}
	return wrap(err)
}

// wrap turns driver errors into the store's errors, so that callers never see the driver's.
func wrap(err error) error {
	var se *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrExists),
		errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrLeaseLost), errors.Is(err, store.ErrNotEmpty):
		return err
	case isUnique(err):
		return fmt.Errorf("%w: %w", store.ErrExists, err)
	case isBusy(err), errors.Is(err, context.DeadlineExceeded), errors.Is(err, sql.ErrConnDone),
		strings.Contains(err.Error(), "sql: database is closed"):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	case errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_INTERRUPT:
		// A query interrupted because its context ended.
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// wrapf wraps err and says what was being done; not-found and conflicts pass as they are.
func wrapf(what string, err error) error {
	err = wrap(err)
	if err == nil || err == store.ErrNotFound || err == store.ErrConflict || err == store.ErrLeaseLost {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// querier is what both a pool and a transaction offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs statements on a pool or in a transaction, telling the trace hook about each.
type conn struct {
	s *Store
	q querier
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if c.s.trace != nil {
		c.s.trace(query, args)
	}
	return c.q.ExecContext(ctx, query, args...)
}

// execN runs a statement and returns how many rows it changed.
func (c conn) execN(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if c.s.trace != nil {
		c.s.trace(query, args)
	}
	return c.q.QueryContext(ctx, query, args...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if c.s.trace != nil {
		c.s.trace(query, args)
	}
	return c.q.QueryRowContext(ctx, query, args...)
}

// read is the read-only pool.
func (s *Store) read() conn { return conn{s: s, q: s.rdb} }

// write runs fn in one transaction on the writer connection, committing if it returns nil.
func (s *Store) write(ctx context.Context, fn func(c conn) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	return s.inTx(tx, err, fn)
}

// inTx runs fn in the transaction tx just begun (or fails with beginErr), committing if fn
// returns nil and rolling back otherwise.
func (s *Store) inTx(tx *sql.Tx, beginErr error, fn func(c conn) error) error {
	if beginErr != nil {
		return wrapf("begin transaction", beginErr)
	}
	if err := fn(conn{s: s, q: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrapf("commit", err)
	}
	return nil
}

// writeUnsynced is write whose commit is not flushed to disk by itself: in WAL mode the next
// synced commit flushes it along with its own. Only records whose loss in a power cut is
// harmless go this way: a spent proof of work is written just before the report it came with,
// whose synced commit makes both durable, and if the power fails in between the reporter got no
// receipt and may send the same proof again. It saves one fsync per report.
func (s *Store) writeUnsynced(ctx context.Context, fn func(c conn) error) error {
	if s.sync != "FULL" {
		return s.write(ctx, fn)
	}
	// The setting belongs to the connection: hold it, so that no other write commits on it
	// while the setting is relaxed.
	wc, err := s.wdb.Conn(ctx)
	if err != nil {
		return wrapf("take the write connection", err)
	}
	defer wc.Close()
	if _, err := wc.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return wrapf("relax synchronous", err)
	}
	defer func() {
		if _, err := wc.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL"); err != nil {
			// A connection left unsynced must not serve another write: discard it.
			_ = wc.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := wc.BeginTx(ctx, nil)
	return s.inTx(tx, err, fn)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query and decodes every row with scan into a slice (empty, never nil).
func queryAll[T any](ctx context.Context, c conn, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, wrapf(what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrapf(what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(what, err)
	}
	return out, nil
}

// Times are stored as Unix milliseconds in UTC (the precision MongoDB keeps too); the zero
// time is NULL.

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// msTime is a time as JSON nested in a column: Unix milliseconds, 0 for the zero time.
type msTime int64

func toMSTime(t time.Time) msTime {
	if t.IsZero() {
		return 0
	}
	return msTime(t.UnixMilli())
}

func (m msTime) time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// noLimit turns a limit of zero or less, which means none, into SQLite's "no limit".
func noLimit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
