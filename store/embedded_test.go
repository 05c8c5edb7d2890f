package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestDatabaseLogsCarryNoAddresses(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(&redactingHandler{next: slog.NewTextHandler(&buf, nil), min: slog.LevelWarn})
	log.With("conn", "127.0.0.1:50432 -> 127.0.0.1:27017").WithGroup("g").
		Warn("Connection stopped from [::1]:4000", "peer", "10.1.2.3", "n", 5)
	log.Info("hidden below warning", "peer", "10.9.9.9")
	log.Warn("Response message:\n{\"errmsg\": \"hidden dump\"}")
	out := buf.String()
	for _, leak := range []string{"127.0.0.1", "::1", "10.1.2.3", "10.9.9.9", "hidden", "dump"} {
		if strings.Contains(out, leak) {
			t.Errorf("log line leaks %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "Connection stopped") || !strings.Contains(out, "component=database") {
		t.Errorf("the warning itself is lost: %s", out)
	}
	_ = context.Background()
}

// TestLookupsByIDUseAnIndex guards the work-around in IndexIDs: the query FerretDB sends for a
// lookup by _id must be answered from an index in every collection, or the embedded database
// slows down linearly with its size.
func TestLookupsByIDUseAnIndex(t *testing.T) {
	ctx := context.Background()
	e, err := StartEmbedded(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop(ctx)
	s, err := Open(ctx, e.URI, "idx")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := e.IndexIDs(ctx, "idx"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.dir, "idx.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		t.Fatal(err)
	}
	plans := map[string]string{}
	for rows.Next() {
		var name, table string
		_ = rows.Scan(&name, &table)
		plans[name] = table
	}
	rows.Close()
	for _, col := range collections {
		table, ok := plans[col]
		if !ok {
			t.Errorf("collection %s was not created at start-up", col)
			continue
		}
		var id, parent, notused int
		var detail string
		q := fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, table)
		if err := db.QueryRow(q, `"x"`).Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, "USING INDEX") {
			t.Errorf("%s: a lookup by _id is %q, not an index search", col, detail)
		}
	}
}
