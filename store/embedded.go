package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // the driver FerretDB itself uses; only IndexIDs opens it directly
)

// Embedded is a FerretDB server running inside this process on a loopback port, keeping its data
// in SQLite files. It lets one binary run the whole product with nothing installed; it speaks the
// MongoDB wire protocol, so the rest of the code cannot tell it from MongoDB.
type Embedded struct {
	URI    string
	dir    string // where FerretDB keeps one SQLite file per database
	cancel context.CancelFunc
	done   chan struct{}
}

// StartEmbedded starts FerretDB with its data under dir. Its logs go to logger at warning level
// and above only, with anything shaped like a network address removed.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedAt(ctx, dir, "127.0.0.1:0", logger)
}

// StartEmbeddedAt is StartEmbedded on a chosen loopback address, so that tests can stop the
// database and bring it back where clients expect it.
func StartEmbeddedAt(ctx context.Context, dir, addr string, logger *slog.Logger) (*Embedded, error) {
	dbDir := filepath.Join(dir, "ferretdb")
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return nil, fmt.Errorf("create database folder %s: %w", dbDir, err)
	}
	abs, err := filepath.Abs(dbDir)
	if err != nil {
		return nil, err
	}
	// FerretDB's SQLite backend defaults to WAL; NORMAL synchronous keeps every committed write
	// across a process crash (kill -9) and only risks the last commits on power loss, at a
	// fraction of FULL's fsyncs.
	sqliteURL := (&url.URL{Scheme: "file", Path: abs + "/", RawQuery: "_pragma=synchronous(normal)"}).String()
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
		Logger:    slog.New(&redactingHandler{next: logger.Handler(), min: slog.LevelWarn}),
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded database in %s: %w", dbDir, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Embedded{cancel: cancel, done: make(chan struct{}), dir: abs}
	go func() {
		defer close(e.done)
		_ = fdb.Run(runCtx)
	}()
	e.URI = fdb.MongoDBURI() + "?maxPoolSize=" + strconv.Itoa(EmbeddedPoolSize) // blocks until bound
	return e, nil
}

// Stop stops the server and waits for it to close its files, up to the context's deadline.
func (e *Embedded) Stop(ctx context.Context) error {
	e.cancel()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return errors.New("embedded database did not stop in time")
	case <-time.After(15 * time.Second):
		return errors.New("embedded database did not stop in 15s")
	}
}

// redactingHandler drops FerretDB's records below min and strips address-shaped text, because
// FerretDB names each connection after its peer address and our rule is that no address is
// ever logged, even our own loopback ones (a log scanner cannot tell them apart). FerretDB calls
// With on its hot paths, so attributes are only recorded there and redacted when a record is
// actually written, which at warning level is rare.
type redactingHandler struct {
	next slog.Handler
	min  slog.Level
	ops  []handlerOp // WithAttrs and WithGroup calls, replayed on the rare record written
}

type handlerOp struct {
	group string
	attrs []slog.Attr
}

var addressPattern = regexp.MustCompile(`\[?(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\]?(?::\d+)?|\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?`)

func redact(s string) string { return addressPattern.ReplaceAllString(s, "[addr]") }

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	// FerretDB dumps whole wire messages at warning level whenever a command fails (the driver's
	// harmless endSessions at every shutdown, for one). Such a dump can quote a document, which
	// may hold what a reporter wrote; the error reaches our code through the driver anyway.
	if strings.HasPrefix(r.Message, "Response header:") || strings.HasPrefix(r.Message, "Response message:") {
		return nil
	}
	next := h.next.WithAttrs([]slog.Attr{slog.String("component", "database")})
	for _, op := range h.ops {
		if op.group != "" {
			next = next.WithGroup(op.group)
			continue
		}
		red := make([]slog.Attr, len(op.attrs))
		for i, a := range op.attrs {
			red[i] = redactAttr(a)
		}
		next = next.WithAttrs(red)
	}
	out := slog.NewRecord(r.Time, r.Level, redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return next.Handle(ctx, out)
}

func redactAttr(a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindGroup {
		var group []any
		for _, g := range a.Value.Group() {
			group = append(group, redactAttr(g))
		}
		return slog.Group(a.Key, group...)
	}
	return slog.String(a.Key, redact(a.Value.String()))
}

func (h *redactingHandler) with(op handlerOp) *redactingHandler {
	return &redactingHandler{next: h.next, min: h.min, ops: append(slices.Clip(h.ops), op)}
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(handlerOp{attrs: attrs})
}

func (h *redactingHandler) WithGroup(name string) slog.Handler { return h.with(handlerOp{group: name}) }

// EmbeddedPoolSize caps connections to the embedded database. SQLite takes one writer at a time
// and makes the others sleep and retry (busy_timeout), which turns many concurrent writers into a
// long latency tail; a few connections with the driver's FIFO queue in front are faster and fairer.
var EmbeddedPoolSize = 8

// IndexIDs makes lookups by _id use an index in every collection of database. FerretDB 1.24
// indexes _id on the expression _ferretdb_sjson->"_id" but queries with
// _ferretdb_sjson->'$._id', which SQLite does not recognise as the same, so every lookup,
// update and delete by _id scanned the whole table: 12 ms per update at 8,000 documents and
// linear beyond. This adds an index on the expression FerretDB actually queries with (measured
// on 50,000 rows: 13 ms per lookup before, 3 µs after). FerretDB does not know about the index,
// so it never lists or drops it; it goes with the table when a collection is dropped. Run it
// after Open, which creates every collection.
func (e *Embedded) IndexIDs(ctx context.Context, database string) error {
	path := filepath.Join(e.dir, database+".sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return fmt.Errorf("list tables in %s: %w", path, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_headsup_id", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index _id of %s: %w", t, err)
		}
	}
	return nil
}
