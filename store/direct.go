package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/headsup/headsup/report"
)

// directReads reads subscriptions for a fan-out straight from the embedded database's SQLite
// file, read-only, instead of through FerretDB.
//
// FerretDB v1 filters in Go: for the fan-out's query it reads every subscription, decodes its
// JSON into its own document type (tracking each iterator in a pprof profile on the way) and
// re-encodes the matching ones as BSON for the driver to decode again: a third of the
// dispatcher's CPU with the fake push service on the same two cores (go run ./cmd/pushbench
// -cpuprofile). SQLite evaluates the same filter in SQL over the same rows 2.7 times faster
// (go test -run '^$' -bench SubscriptionWalk ./store: 32 against 87 µs per subscription), and walks them in true _id order over the _id index that IndexIDs adds, so a
// walk resumes exactly after its checkpoint as it does on MongoDB.
//
// The layout read here is FerretDB 1.24's SQLite backend (the version is pinned in go.mod): a
// table per collection, named in _ferretdb_collections, whose _ferretdb_sjson column holds the
// document as JSON with strings, numbers, booleans and arrays as themselves. A test compares
// this walk with FerretDB's own answer to the same filter, so an upgrade that changes the
// layout fails there. Only reads go this way; every write still goes through FerretDB.
type directReads struct {
	db *sql.DB
}

// ReadDirectly lets st, opened on database in this server, walk subscriptions by reading the
// SQLite file directly (see directReads). Run it after Open and IndexIDs.
func (e *Embedded) ReadDirectly(ctx context.Context, st *Store, database string) error {
	path := filepath.Join(e.dir, database+".sqlite")
	// query_only refuses writes on this connection, even by mistake; FerretDB stays the only
	// writer. WAL lets these reads run beside its writes without blocking either.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	d := &directReads{db: db}
	if _, err := d.table(ctx, colSubscriptions); err != nil {
		db.Close()
		return err
	}
	st.direct = d
	return nil
}

func (d *directReads) close() error { return d.db.Close() }

// table is the SQLite table FerretDB keeps a collection in. It is looked up once per walk
// rather than cached for the process, in case the collection is ever recreated.
func (d *directReads) table(ctx context.Context, collection string) (string, error) {
	var t string
	err := d.db.QueryRowContext(ctx, `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&t)
	if err != nil {
		return "", fmt.Errorf("find the table of %s: %w", collection, directErr(err))
	}
	return t, nil
}

// directWalk is one walk over the subscriptions matching a filter, a page per query.
type directWalk struct {
	d      *directReads
	query  string
	filter []any  // the filter's arguments, between the id and the limit
	after  string // the last id handed out
	none   bool   // the filter matches nothing: no query needed
}

// walk prepares a walk over the subscriptions matching m, in id order, after the given id.
func (d *directReads) walk(ctx context.Context, m SubscriptionMatch, after string) (*directWalk, error) {
	w := &directWalk{d: d, after: after}
	if len(m.Areas) == 0 {
		w.none = true // {$in: []} matches nothing
		return w, nil
	}
	table, err := d.table(ctx, colSubscriptions)
	if err != nil {
		return nil, err
	}
	// FerretDB's _id index (from IndexIDs) is on the JSON text of _id, quotes included: the
	// range and the order use the same expression so that SQLite walks the index. Ids are
	// base64url, which JSON never escapes, so the text order is the id order. Only what a push
	// needs is read: no token hash.
	w.query = `SELECT _ferretdb_sjson->>'$._id', _ferretdb_sjson->>'$.endpoint', _ferretdb_sjson->>'$.p256dh',
	_ferretdb_sjson->>'$.auth', _ferretdb_sjson->>'$.min_severity', _ferretdb_sjson->>'$.min_rank',
	_ferretdb_sjson->>'$.discreet', _ferretdb_sjson->>'$.lang'
FROM "` + table + `"
WHERE _ferretdb_sjson->'$._id' > json_quote(?)
	AND _ferretdb_sjson->>'$.min_rank' <= ?
	AND EXISTS (SELECT 1 FROM json_each(_ferretdb_sjson, '$.kinds') WHERE value = ?)
	AND EXISTS (SELECT 1 FROM json_each(_ferretdb_sjson, '$.areas') WHERE value IN (?` + strings.Repeat(",?", len(m.Areas)-1) + `))
ORDER BY _ferretdb_sjson->'$._id'
LIMIT ?`
	w.filter = []any{m.Severity.Rank(), string(m.Kind)}
	for _, a := range m.Areas {
		w.filter = append(w.filter, a)
	}
	return w, nil
}

// next returns up to n more subscriptions; none means the walk is complete.
func (w *directWalk) next(ctx context.Context, n int) ([]Subscription, error) {
	if w.none {
		return nil, nil
	}
	args := append(append([]any{w.after}, w.filter...), n)
	rows, err := w.d.db.QueryContext(ctx, w.query, args...)
	if err != nil {
		return nil, fmt.Errorf("walk subscriptions: %w", directErr(err))
	}
	defer rows.Close()
	out := make([]Subscription, 0, n)
	for rows.Next() {
		var s Subscription
		var discreet sql.NullBool
		var lang, sev sql.NullString
		if err := rows.Scan(&s.ID, &s.Endpoint, &s.P256dh, &s.Auth, &sev, &s.MinRank, &discreet, &lang); err != nil {
			return nil, fmt.Errorf("read subscription: %w", err)
		}
		s.MinSeverity, s.Discreet, s.Lang = report.Severity(sev.String), discreet.Bool, lang.String
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("walk subscriptions: %w", directErr(err))
	}
	if len(out) > 0 {
		w.after = out[len(out)-1].ID
	}
	return out, nil
}

// directErr marks failures to reach the file as ErrUnavailable, like the driver's.
func directErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// Open opens database on this server with the embedded database's work-arounds in place: the
// _id index FerretDB queries with (IndexIDs) and direct reads for fan-outs (ReadDirectly).
func (e *Embedded) Open(ctx context.Context, database string) (*Store, error) {
	s, err := Open(ctx, e.URI, database)
	if err != nil {
		return nil, err
	}
	if err = e.IndexIDs(ctx, database); err == nil {
		err = e.ReadDirectly(ctx, s, database)
	}
	if err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}
	return s, nil
}
