package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// filesContaining returns the files under dir whose bytes contain marker.
func filesContaining(t *testing.T, dir string, marker []byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, marker) {
			found = append(found, path)
		}
		return nil
	})
	ok(t, err, "read data folder")
	return found
}

// TestWithdrawnTextLeavesNoTrace checks that a withdrawn report's text, and a purged one's,
// is nowhere in the data folder once the store is closed: not in the database file (secure
// delete), not in the WAL (truncated by the checkpoint).
func TestWithdrawnTextLeavesNoTrace(t *testing.T) {
	for _, how := range []string{"withdrawn", "purged"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s, err := Open(ctx, filepath.Join(dir, "headsup.db"), Options{})
			ok(t, err, "open")
			now := testNow
			s.SetClock(func() time.Time { return now })
			marker := []byte("MARKER-" + how + "-3f9c1e7a")
			// Neighbours on the same pages, kept, so that the page is rewritten, not freed.
			for i := range 50 {
				ok(t, s.CreateReport(ctx, newReport(i, "an ordinary report that stays")), "create")
				if i == 25 {
					ok(t, s.CreateReport(ctx, newReport(100, "before "+string(marker)+strings.Repeat(" and more", 400))), "create marked")
				}
			}
			r := newReport(100, "")
			if how == "purged" {
				ok(t, s.AddFollowup(ctx, r.ReceiptHash, report.Followup{Day: report.Day(now), Text: "follow-up " + string(marker)}, nil), "follow-up")
			}
			// Make sure the text reached the database file, not only the WAL.
			ok(t, s.checkpoint(ctx), "checkpoint")
			if len(filesContaining(t, dir, marker)) == 0 {
				t.Fatal("the marker was never written: the test proves nothing")
			}
			switch how {
			case "withdrawn":
				_, err = s.DeleteReportByReceipt(ctx, r.ReceiptHash)
				ok(t, err, "withdraw")
			case "purged":
				ok(t, s.DecideReport(ctx, r.ID, "mod", store.Decision{Status: report.StatusRejected}), "decide")
				now = now.AddDate(0, 0, 31)
				n, err := s.PurgeDecidedReports(ctx, now.AddDate(0, 0, -30))
				ok(t, err, "purge")
				if n != 1 {
					t.Fatalf("purged %d reports, want 1", n)
				}
			}
			ok(t, s.Close(ctx), "close")
			if found := filesContaining(t, dir, marker); len(found) > 0 {
				t.Fatalf("the %s report's text is still in %v", how, found)
			}
		})
	}
}

// TestBackupWhileWriting copies the database while a writer keeps adding reports, then opens
// the copy and finds the data that was there before the backup began.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, dir := openTest(t, Options{})
	for i := range 200 {
		ok(t, s.CreateReport(ctx, newReport(i, "before the backup")), "create")
	}
	ok(t, s.CreateAlert(ctx, newAlert(1, report.BadDate, testNow, testNow.Add(time.Hour))), "alert")

	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		i := 1000
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := s.CreateReport(ctx, newReport(i, "during the backup")); err != nil {
				done <- err
				return
			}
			i++
		}
	}()
	dest := filepath.Join(dir, "backup.db")
	err := s.Backup(ctx, dest)
	close(stop)
	ok(t, <-done, "writer")
	ok(t, err, "backup")
	if err := s.Backup(ctx, dest); err == nil {
		t.Fatal("a backup over an existing file succeeded")
	}
	fi, err := os.Stat(dest)
	ok(t, err, "stat")
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}

	c, err := Open(ctx, dest, Options{})
	ok(t, err, "open the copy")
	defer c.Close(ctx)
	ids, err := c.AllReportIDs(ctx)
	ok(t, err, "ids")
	if len(ids) < 200 {
		t.Fatalf("the copy has %d reports, want at least 200", len(ids))
	}
	r, err := c.Report(ctx, "report-000007")
	ok(t, err, "report in copy")
	if r.BadDate.Details != "before the backup" {
		t.Fatalf("report in copy: %+v", r)
	}
	a, err := c.Alert(ctx, "alert-000001")
	ok(t, err, "alert in copy")
	if len(a.Identifiers) != 1 || len(a.Areas) != 2 {
		t.Fatalf("alert in copy: %+v", a)
	}
}

// TestMigrationsAtOpen opens the same file twice: the schema is created once and its version
// stays.
func TestMigrationsAtOpen(t *testing.T) {
	ctx := context.Background()
	// An awkward folder name: the path must not be read as a URI with parameters.
	folder := filepath.Join(t.TempDir(), "data?x=1#y %41")
	ok(t, os.Mkdir(folder, 0o700), "mkdir")
	path := filepath.Join(folder, "headsup.db")
	for i := range 2 {
		s, err := Open(ctx, path, Options{Synchronous: "NORMAL"})
		ok(t, err, "open")
		v, err := s.SchemaVersion(ctx)
		ok(t, err, "version")
		if v != len(migrations) {
			t.Fatalf("open %d: schema version %d, want %d", i+1, v, len(migrations))
		}
		if i == 0 {
			ok(t, s.PutSetting(ctx, "k", "v"), "put")
		} else if v, err := s.Setting(ctx, "k"); err != nil || v != "v" {
			t.Fatalf("setting after reopening: %q, %v", v, err)
		}
		var mode string
		ok(t, s.rdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode), "journal mode")
		if mode != "wal" {
			t.Fatalf("journal mode %q", mode)
		}
		ok(t, s.Close(ctx), "close")
	}
	fi, err := os.Stat(path)
	ok(t, err, "stat")
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, want 0600", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(folder)
	ok(t, err, "read folder")
	for _, e := range entries {
		if e.Name() != "headsup.db" {
			t.Errorf("unexpected file %q in the data folder", e.Name())
		}
	}

	// A database from a newer program is refused rather than misread.
	s, err := Open(ctx, path, Options{})
	ok(t, err, "open")
	_, err = s.wdb.ExecContext(ctx, "PRAGMA user_version = 999")
	ok(t, err, "set version")
	ok(t, s.Close(ctx), "close")
	if s, err := Open(ctx, path, Options{}); err == nil {
		_ = s.Close(ctx)
		t.Fatal("opened a database with a newer schema")
	}
}
