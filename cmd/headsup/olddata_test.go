package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/headsup/headsup/store/mongodb"
	"github.com/headsup/headsup/store/mongodb/ferrettest"
)

// oldDataFolder makes a data folder as the FerretDB-based releases left it: their receipt key,
// and one SQLite file per database under ferretdb/.
func oldDataFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, oldEngineFolder), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"receipt.key":                     "0123456789abcdef0123456789abcdef\n",
		"ferretdb/headsup.sqlite":         "SQLite format 3\x00 …",
		"ferretdb/headsup.sqlite-wal":     "",
		"ferretdb/_ferretdb_state.sqlite": "SQLite format 3\x00 …",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOldDataFolderIsRefusedWithDirections: on a data folder of the FerretDB-based releases,
// serve and every command that opens the database stop with exit code 2 and say what to do,
// and nothing is created beside the old files.
func TestOldDataFolderIsRefusedWithDirections(t *testing.T) {
	ctx := context.Background()
	dir := oldDataFolder(t)
	getenv := func(k string) string {
		return map[string]string{"HEADSUP_DATA_DIR": dir, "HEADSUP_LOG_LEVEL": "error"}[k]
	}
	for _, args := range [][]string{
		{"serve"}, {}, {"moderator", "list"}, {"moderator", "add", "--name", "ana"}, {"vapid"}, {"purge"},
		{"export"}, {"import"}, {"backup", filepath.Join(t.TempDir(), "b.db")},
		{"migrate", "--to", "sqlite:" + t.TempDir()},
	} {
		var out, errOut bytes.Buffer
		err := run(ctx, args, getenv, strings.NewReader(""), &out, &errOut)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("headsup %v on an old data folder: %v, want a usage error (exit code 2)", args, err)
			continue
		}
		for _, want := range []string{"earlier Heads Up release", dir, "headsup export", "headsup import", "move the folder aside"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("headsup %v: the message does not say %q:\n%v", args, want, err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the old data folder now holds %v; nothing may be created beside the old files", names)
	}

	// An empty ferretdb/ (no database files) is nothing to lose: start normally.
	empty := t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, oldEngineFolder), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"vapid"}, func(k string) string { return map[string]string{"HEADSUP_DATA_DIR": empty}[k] }, nil, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Errorf("a data folder with an empty ferretdb/: %v", err)
	}
	// Once this release's database exists, the old folder left beside it is the operator's.
	if err := os.WriteFile(filepath.Join(dir, databaseFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"vapid"}, getenv, nil, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Errorf("a data folder with headsup.db and an old ferretdb/: %v", err)
	}
}

func TestBinaryExitsWithCode2OnOldDataFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := oldDataFolder(t)
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), "HEADSUP_DATA_DIR="+dir, "HEADSUP_ADDR=127.0.0.1:0", "HEADSUP_ADMIN_ADDR=127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit = %v, want code 2; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "headsup export") || strings.Contains(string(out), "running at") {
		t.Fatalf("want the directions and no start, got:\n%s", out)
	}
}

// TestOldDataFolderMovesUpWithMigrate carries everything over from a data folder of the
// FerretDB-based releases, as the refusal message directs: FerretDB 1.x serves the old folder
// (here in this test process; for an operator the ferretdb binary or image, SQLite handler),
// and migrate --from copies every collection from it into a new data folder.
func TestOldDataFolderMovesUpWithMigrate(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	old := t.TempDir()
	srv, err := ferrettest.Start(ctx, old, logger)
	if err != nil {
		t.Fatal(err)
	}
	s, err := mongodb.Open(ctx, srv.URI, "headsup") // the earlier releases' database name
	if err != nil {
		t.Fatal(err)
	}
	seedEveryCollection(t, s)
	want := dumpAll(t, s)
	if err := errors.Join(s.Close(ctx), srv.Stop(ctx)); err != nil {
		t.Fatal(err)
	}

	getenv := func(k string) string {
		return map[string]string{"HEADSUP_DATA_DIR": old, "HEADSUP_LOG_LEVEL": "error"}[k]
	}
	var ue *usageError
	if err := run(ctx, []string{"vapid"}, getenv, nil, &bytes.Buffer{}, &bytes.Buffer{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "migrate --from") {
		t.Fatalf("on the folder FerretDB wrote: %v, want the refusal with directions", err)
	}

	srv, err = ferrettest.Start(ctx, old, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stop FerretDB: %v", err)
		}
	}()
	next := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "--batch", "100", "--from", srv.URI, "--to", "sqlite:" + next}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("migrate from the old folder: %v\n%s%s", err, out.String(), errOut.String())
	}
	moved := &deployment{engine: "sqlite", dataDir: next}
	compareDumps(t, "old folder → SQLite", want, dumpAll(t, moved.open(t)))
}
