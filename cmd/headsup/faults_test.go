package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/store/mongodb/ferrettest"
)

func drugReport(day string, i int) map[string]any {
	return map[string]any{"kind": "drug_alert", "fields": map[string]any{
		"date": day, "area": "ward-5", "details": fmt.Sprintf("Report %d: green pills, people falling out.", i), "sold_as": "pressed_benzo",
	}}
}

// TestKillDuringSubmissionsLosesNoAcknowledgedReport kills the server with SIGKILL while
// clients are submitting; every report that was answered 201 must be there after a restart.
// On SQLite this is the engine's own durability (the commit is in the WAL before the answer);
// on MongoDB it is the write concern (the server acknowledged it before the answer).
func TestKillDuringSubmissionsLosesNoAcknowledgedReport(t *testing.T) {
	onEveryEngine(t, killDuringSubmissions)
}

func killDuringSubmissions(t *testing.T, d *deployment) {
	p := d.start(t, "HEADSUP_RATE_LIMITS=off")
	day := time.Now().UTC().Format(time.DateOnly)
	type ack struct{ ID, Receipt string }
	var (
		mu   sync.Mutex
		acks []ack
		wg   sync.WaitGroup
	)
	stop := make(chan struct{})
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body, err := json.Marshal(drugReport(day, w*100000+i))
				if err != nil {
					panic(err)
				}
				resp, err := client.Post(p.url+"/api/v1/reports", "application/json", bytes.NewReader(body))
				if err != nil {
					return // the server is gone
				}
				data, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 201 {
					continue // not acknowledged: nothing was promised
				}
				var r ack
				if err := json.Unmarshal(data, &r); err != nil || r.ID == "" || r.Receipt == "" {
					t.Errorf("a 201 without an id and a receipt: %s", data)
					return
				}
				mu.Lock()
				acks = append(acks, r)
				mu.Unlock()
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	p.kill() // SIGKILL: no shutdown code runs
	close(stop)
	wg.Wait()
	if len(acks) < 20 {
		t.Fatalf("only %d reports acknowledged before the kill; the test proves nothing", len(acks))
	}
	p2 := d.start(t, "HEADSUP_RATE_LIMITS=off")
	// Every acknowledged report is stored: one query for all of them (a receipt lookup each
	// costs a collection scan on FerretDB, which would make this test take minutes there).
	ids, err := d.open(t).AllReportIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, id := range ids {
		stored[id] = true
	}
	missing := 0
	for _, a := range acks {
		if !stored[a.ID] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged reports lost after kill -9", missing, len(acks))
	}
	// And the reporters can still use their receipts: the last ones acknowledged, which were
	// closest to the kill, through the restarted server.
	for _, a := range acks[max(0, len(acks)-30):] {
		if status, body := p2.do(t, "GET", "/api/v1/receipts/"+a.Receipt, nil); status != 200 {
			t.Fatalf("receipt of acknowledged report %s after the restart: %d %s", a.ID, status, body)
		}
	}
	t.Logf("%d acknowledged reports all present after kill -9", len(acks))
}

// TestDatabaseGoneMeans503ThenRecovery takes the database away from a running server: requests
// that need it get 503 with Retry-After and a clear message, nothing panics, and service resumes
// by itself when the database is back.
//
// On MongoDB the server is stopped and started again at the same address. SQLite has no server
// to stop: the database is a file in the process. What can take it away is another process
// holding its write lock (an operator's sqlite3 shell left in a transaction, a file-level backup
// tool): then writes wait for the busy timeout and fail, while reads go on from the WAL. So on
// SQLite a write must answer 503 and the public pages must keep working. (/readyz is not
// asserted there: its ping may queue behind a write that waits for the lock.)
func TestDatabaseGoneMeans503ThenRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	t.Run("mongodb", databaseGoneMongo)
	t.Run("sqlite", databaseLockedSQLite)
}

func databaseGoneMongo(t *testing.T) {
	dbDir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	log := testkit.DiscardLogger()
	db, err := ferrettest.StartAt(context.Background(), dbDir, addr, log)
	if err != nil {
		t.Fatal(err)
	}
	p := startServer(t, t.TempDir(), "MONGODB_URI=mongodb://"+addr+"/", "HEADSUP_RECEIPT_KEY="+strings.Repeat("k", 40), "HEADSUP_RATE_LIMITS=off")
	day := time.Now().UTC().Format(time.DateOnly)
	if status, body := p.do(t, "POST", "/api/v1/reports", drugReport(day, 1)); status != 201 {
		t.Fatalf("before: %d %s", status, body)
	}
	if err := db.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	expectUnavailable(t, p, drugReport(day, 2))
	if status, _ := p.do(t, "GET", "/readyz", nil); status != 503 {
		t.Errorf("/readyz = %d with the database gone, want 503", status)
	}
	db, err = ferrettest.StartAt(context.Background(), dbDir, addr, log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Stop(context.Background()); err != nil {
			t.Errorf("stop the database: %v", err)
		}
	}()
	expectRecovery(t, p, drugReport(day, 3))
}

func databaseLockedSQLite(t *testing.T) {
	d := newDeployment(t, "sqlite")
	p := d.start(t, "HEADSUP_RATE_LIMITS=off")
	day := time.Now().UTC().Format(time.DateOnly)
	if status, body := p.do(t, "POST", "/api/v1/reports", drugReport(day, 1)); status != 201 {
		t.Fatalf("before: %d %s", status, body)
	}
	release := holdWriteLock(t, filepath.Join(d.dataDir, databaseFile))
	expectUnavailable(t, p, drugReport(day, 2))
	for _, path := range []string{"/", "/alerts", "/api/v1/alerts"} {
		if status, body := p.do(t, "GET", path, nil); status != 200 {
			t.Errorf("GET %s = %d while another process holds the write lock, want 200 (reads do not need it): %s", path, status, body)
		}
	}
	release()
	expectRecovery(t, p, drugReport(day, 3))
}

// holdWriteLock takes SQLite's write lock on the database file from this process, as another
// program would, until release is called. database/sql finds the driver registered by the
// SQLite engine, which the test binary links; this package imports no driver of its own.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Errorf("release the write lock: %v", err)
			}
			if err := errors.Join(conn.Close(), db.Close()); err != nil {
				t.Errorf("close the locking connection: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// expectUnavailable submits a report with the database unusable: the answer is a 503 with
// Retry-After and the API's "unavailable" error, never a 500 or a hang.
func expectUnavailable(t *testing.T, p *serverProcess, report map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", p.url+"/api/v1/reports", strings.NewReader(mustMarshal(report)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, data := send(t, &http.Client{Timeout: 45 * time.Second}, req)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(data), `"code":"unavailable"`) {
		t.Fatalf("with the database gone: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), data)
	}
}

// expectRecovery waits for the server to accept reports again by itself, and checks that it
// never panicked.
func expectRecovery(t *testing.T, p *serverProcess, report map[string]any) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := p.do(t, "POST", "/api/v1/reports", report)
		if status == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not resume within 30s of the database returning: %d %s", status, body)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if status, _ := p.do(t, "GET", "/readyz", nil); status != 200 {
		t.Errorf("/readyz = %d after recovery", status)
	}
	if strings.Contains(p.stderr.String(), "panic") {
		t.Fatalf("the server panicked:\n%s", p.stderr)
	}
}

func mustMarshal(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}
