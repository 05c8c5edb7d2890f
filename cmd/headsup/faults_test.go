package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headsup/headsup/store"
)

func drugReport(day string, i int) map[string]any {
	return map[string]any{"kind": "drug_alert", "fields": map[string]any{
		"date": day, "area": "ward-5", "details": fmt.Sprintf("Report %d: green pills, people falling out.", i), "sold_as": "pressed_benzo",
	}}
}

// TestKillDuringSubmissionsLosesNoAcknowledgedReport kills the server with SIGKILL while
// clients are submitting; every report that was answered 201 must be there after a restart.
func TestKillDuringSubmissionsLosesNoAcknowledgedReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	p := startServer(t, dir, "HEADSUP_RATE_LIMITS=off")
	day := time.Now().UTC().Format(time.DateOnly)
	var (
		mu       sync.Mutex
		receipts []string
		wg       sync.WaitGroup
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
				body, _ := json.Marshal(drugReport(day, w*100000+i))
				resp, err := client.Post(p.url+"/api/v1/reports", "application/json", strings.NewReader(string(body)))
				if err != nil {
					return // the server is gone
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 201 {
					var r struct{ Receipt string }
					_ = json.Unmarshal(data, &r)
					mu.Lock()
					receipts = append(receipts, r.Receipt)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	p.kill() // SIGKILL: no shutdown code runs
	close(stop)
	wg.Wait()
	if len(receipts) < 20 {
		t.Fatalf("only %d reports acknowledged before the kill; the test proves nothing", len(receipts))
	}
	p2 := startServer(t, dir, "HEADSUP_RATE_LIMITS=off")
	var missing atomic.Int64
	check := make(chan string)
	var checkers sync.WaitGroup
	for range 8 {
		checkers.Go(func() {
			for r := range check {
				if status, _ := p2.do(t, "GET", "/api/v1/receipts/"+r, nil); status != 200 {
					missing.Add(1)
				}
			}
		})
	}
	for _, r := range receipts {
		check <- r
	}
	close(check)
	checkers.Wait()
	if n := missing.Load(); n > 0 {
		t.Fatalf("%d of %d acknowledged reports lost after kill -9", n, len(receipts))
	}
	t.Logf("%d acknowledged reports all present after kill -9", len(receipts))
}

// TestDatabaseGoneMeans503ThenRecovery stops the database under a running server: requests get
// 503 with Retry-After and a clear message, nothing panics, and service resumes by itself.
func TestDatabaseGoneMeans503ThenRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dbDir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := store.StartEmbeddedAt(context.Background(), dbDir, addr, log)
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
	req, _ := http.NewRequest("POST", p.url+"/api/v1/reports", strings.NewReader(mustMarshal(drugReport(day, 2))))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(data), `"code":"unavailable"`) {
		t.Fatalf("with the database gone: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), data)
	}
	if status, _ := p.do(t, "GET", "/readyz", nil); status != 503 {
		t.Errorf("/readyz = %d with the database gone, want 503", status)
	}
	db, err = store.StartEmbeddedAt(context.Background(), dbDir, addr, log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop(context.Background())
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := p.do(t, "POST", "/api/v1/reports", drugReport(day, 3))
		if status == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not resume within 30s of the database returning: %d %s", status, body)
		}
		time.Sleep(500 * time.Millisecond)
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
