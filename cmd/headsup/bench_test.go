package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/config"
)

// benchServer runs the real app on a fresh embedded database behind a real TCP listener.
func benchServer(b *testing.B) (*app, *httptest.Server) {
	b.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"HEADSUP_DATA_DIR": b.TempDir(), "HEADSUP_LOG_LEVEL": "error"}[k]
	})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := newApp(context.Background(), cfg, log, appOptions{NoRateLimits: true, PoWMaxNumber: 1000})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.engine)
	b.Cleanup(func() { srv.Close(); a.stopWorkers(); a.close(context.Background()) })
	return a, srv
}

// drive sends n requests from `clients` concurrent clients and returns the rate and the 50th
// and 99th percentile latencies. newRequest builds request i; want is the expected status.
func drive(b *testing.B, n, clients int, want int, newRequest func(i int) *http.Request) (perSec float64, p50, p99 time.Duration) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	latencies := make([]time.Duration, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	var failed sync.Once
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				resp, err := client.Do(newRequest(i))
				if err != nil {
					failed.Do(func() { b.Errorf("request %d: %v", i, err) })
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					failed.Do(func() { b.Errorf("request %d: status %d, want %d", i, resp.StatusCode, want) })
				}
				latencies[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	return float64(n) / elapsed.Seconds(), latencies[n/2], latencies[n*99/100]
}

// BenchmarkReportIntake measures accepted reports per second from 50 concurrent clients with
// valid reports and solved proofs, against the same clients hitting /healthz as a baseline
// (the cost of HTTP alone on this machine). Target: ≥ 500 reports/s, p99 < 100 ms.
//
//	go test -run '^$' -bench ReportIntake -benchtime 3000x ./cmd/headsup
func BenchmarkReportIntake(b *testing.B) {
	a, srv := benchServer(b)
	bodies := make([][]byte, b.N)
	day := time.Now().UTC().Format(time.DateOnly)
	for i := range bodies {
		ch, err := a.intake.Proofs.New()
		if err != nil {
			b.Fatal(err)
		}
		n, ok := altcha.Solve(ch)
		if !ok {
			b.Fatal("unsolvable proof of work")
		}
		bodies[i], err = json.Marshal(map[string]any{"kind": "drug_alert", "altcha": altcha.Payload(ch, n), "fields": map[string]any{
			"date": day, "area": "ward-6", "details": "Blue pills sold as oxy; two overdoses near the station.", "sold_as": "pressed_oxy",
			"routes": []string{"swallowed"}, "effects": []string{"overdose"}, "fentanyl_strip": "positive",
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	const clients = 50
	b.ResetTimer()
	rate, p50, p99 := drive(b, b.N, clients, 201, func(i int) *http.Request {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/reports", bytes.NewReader(bodies[i]))
		req.Header.Set("Content-Type", "application/json")
		return req
	})
	b.StopTimer()
	reportAgainstBaseline(b, srv, clients, "reports/s", rate, p50, p99)
}

// BenchmarkMeta measures GET /api/v1/meta from 50 clients against /healthz on the same server.
// Target: ≥ 5,000 requests/s.
//
//	go test -run '^$' -bench Meta -benchtime 20000x ./cmd/headsup
func BenchmarkMeta(b *testing.B) {
	_, srv := benchServer(b)
	const clients = 50
	b.ResetTimer()
	rate, p50, p99 := drive(b, b.N, clients, 200, func(i int) *http.Request {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/meta", nil)
		if i%2 == 1 {
			req.Header.Set("Accept-Language", "es")
		}
		return req
	})
	b.StopTimer()
	reportAgainstBaseline(b, srv, clients, "requests/s", rate, p50, p99)
}

// reportAgainstBaseline measures /healthz with the same clients on the same server as the
// baseline (HTTP alone on this machine, now) and reports the figures with their ratio to it.
func reportAgainstBaseline(b *testing.B, srv *httptest.Server, clients int, unit string, rate float64, p50, p99 time.Duration) {
	base, _, _ := drive(b, b.N, clients, 200, func(int) *http.Request {
		req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
		return req
	})
	b.ReportMetric(rate, unit)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(base, "baseline-healthz/s")
	b.ReportMetric(rate/base, "ratio-to-baseline")
}
