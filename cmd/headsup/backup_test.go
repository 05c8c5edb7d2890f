package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBackupWhileServingRestoresAndServes backs up the database of a running server while
// clients keep submitting, then serves the copy from a new data folder: every report
// acknowledged before the backup started is there.
func TestBackupWhileServingRestoresAndServes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	ctx := context.Background()
	d := newDeployment(t, "sqlite")
	p := d.start(t, "HEADSUP_RATE_LIMITS=off")
	day := time.Now().UTC().Format(time.DateOnly)
	submit := func(p *serverProcess, i int) (string, bool) {
		status, body := p.do(t, "POST", "/api/v1/reports", drugReport(day, i))
		var r struct{ Receipt string }
		if status != 201 || json.Unmarshal(body, &r) != nil || r.Receipt == "" {
			return "", false
		}
		return r.Receipt, true
	}
	var before []string
	for i := range 50 {
		r, ok := submit(p, i)
		if !ok {
			t.Fatalf("submit %d failed", i)
		}
		before = append(before, r)
	}

	// Writes go on during the backup: it must neither block them nor fail because of them.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var during int
	wg.Go(func() {
		client := &http.Client{Timeout: 10 * time.Second}
		for i := 1000; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := client.Post(p.url+"/api/v1/reports", "application/json", strings.NewReader(mustMarshal(drugReport(day, i))))
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body) // the status is what counts
			resp.Body.Close()
			if resp.StatusCode == 201 {
				during++
			}
		}
	})
	dest := filepath.Join(t.TempDir(), "backup.db")
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"backup", dest}, d.getenv(), nil, &out, &errOut)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut.String())
	}
	if during == 0 {
		t.Error("no report was accepted while the backup ran")
	}
	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup's mode is %v; it holds raw reports, so only its owner may read it", fi.Mode().Perm())
	}
	if !strings.Contains(out.String(), "receipt.key") {
		t.Errorf("the output does not say that the receipt key is needed to restore:\n%s", out.String())
	}
	// Backing up onto an existing file is refused.
	var ue *usageError
	if err := run(ctx, []string{"backup", dest}, d.getenv(), nil, &bytes.Buffer{}, &bytes.Buffer{}); !errors.As(err, &ue) {
		t.Errorf("backup onto an existing file: %v, want a usage error", err)
	}
	p.terminate(t)

	// Restore as the output says: the file as headsup.db in an empty folder, with receipt.key.
	restored := newDeployment(t, "sqlite")
	copyFile(t, dest, filepath.Join(restored.dataDir, databaseFile))
	copyFile(t, filepath.Join(d.dataDir, "receipt.key"), filepath.Join(restored.dataDir, "receipt.key"))
	p2 := restored.start(t)
	for _, r := range before {
		if status, body := p2.do(t, "GET", "/api/v1/receipts/"+r, nil); status != 200 || !strings.Contains(string(body), `"status":"pending"`) {
			t.Fatalf("a report acknowledged before the backup is not in it: %d %s", status, body)
		}
	}
	if _, ok := submit(p2, 1); !ok {
		t.Fatal("the restored server does not take reports")
	}
}

func TestBackupRefusesMongoDB(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"MONGODB_URI": "mongodb://127.0.0.1:1/", "HEADSUP_RECEIPT_KEY": strings.Repeat("k", 40), "HEADSUP_DATA_DIR": t.TempDir()}[k]
	}
	err := run(context.Background(), []string{"backup", filepath.Join(t.TempDir(), "b.db")}, getenv, nil, &bytes.Buffer{}, &bytes.Buffer{})
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "mongodump") {
		t.Fatalf("backup with MONGODB_URI: %v, want a usage error pointing to mongodump", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
