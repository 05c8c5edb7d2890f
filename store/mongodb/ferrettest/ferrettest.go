// Package ferrettest runs FerretDB inside a test binary, as the MongoDB-protocol server that
// exercises the MongoDB engine (store/mongodb) without installing anything. Only tests import
// it, so the product binary carries no FerretDB. FerretDB ignores indexes (the engine's own
// test checks its queries against its indexes instead) and runs an update as a read followed by
// a write, so two conditional updates of one document can both match; clients reach it through
// a proxy that runs one write command at a time, which gives the tests MongoDB's guarantee that
// a single-document write is atomic (see serialize.go).
package ferrettest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is a FerretDB server running inside this process on a loopback port, keeping its data
// in SQLite files under a test's folder.
type Server struct {
	// URI is the server's address as a MongoDB connection string.
	URI    string
	cancel context.CancelFunc
	done   chan struct{}
	proxy  *proxy
}

// poolSize caps the connections of each client of the server. SQLite takes one writer at a
// time and makes the others sleep and retry, so a few connections with the driver's queue in
// front keep concurrent tests from timing out.
const poolSize = "8"

// Start starts FerretDB with its data under dir. Its logs go to logger at warning level and
// above only, with anything shaped like a network address removed.
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	return StartAt(ctx, dir, "127.0.0.1:0", logger)
}

// StartAt is Start on a chosen loopback address, so that tests can stop the database and bring
// it back where clients expect it.
func StartAt(ctx context.Context, dir, addr string, logger *slog.Logger) (*Server, error) {
	dbDir := filepath.Join(dir, "ferretdb")
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return nil, fmt.Errorf("create database folder %s: %w", dbDir, err)
	}
	abs, err := filepath.Abs(dbDir)
	if err != nil {
		return nil, err
	}
	// NORMAL synchronous keeps every committed write across a process crash (kill -9), which the
	// crash tests need, at a fraction of FULL's fsyncs.
	sqliteURL := (&url.URL{Scheme: "file", Path: abs + "/", RawQuery: "_pragma=synchronous(normal)"}).String()
	// Clients connect to the proxy at addr; FerretDB listens on a port of its own behind it.
	px, err := listenProxy(addr)
	if err != nil {
		return nil, err
	}
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
		Logger:    slog.New(&redactingHandler{next: logger.Handler(), min: slog.LevelWarn}),
	})
	if err != nil {
		px.close()
		return nil, fmt.Errorf("start ferretdb in %s: %w", dbDir, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Server{cancel: cancel, done: make(chan struct{}), proxy: px}
	go func() {
		defer close(e.done)
		_ = fdb.Run(runCtx)
	}()
	backend, err := url.Parse(fdb.MongoDBURI()) // blocks until bound
	if err != nil {
		cancel()
		px.close()
		return nil, err
	}
	go px.serve(backend.Host)
	e.URI = "mongodb://" + px.addr() + "/?maxPoolSize=" + poolSize
	return e, nil
}

// Stop stops the server and waits for it to close its files, up to the context's deadline.
func (e *Server) Stop(ctx context.Context) error {
	e.proxy.close()
	e.cancel()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return errors.New("ferretdb did not stop in time")
	case <-time.After(15 * time.Second):
		return errors.New("ferretdb did not stop in 15s")
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
