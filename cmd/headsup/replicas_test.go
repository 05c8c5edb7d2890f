package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/headsup/headsup/altcha"
)

// allowances is what a service accepted from one client, by kind of request, when that client
// sent far more than any limit allows.
type allowances struct {
	unverified, verified, formReports, apiChecks, formChecks int
}

// verifiedFlood is how many reports with a valid proof of work the flood sends: all are
// accepted, however many replicas, because a proof is never refused for its address (a
// drop-in centre's wifi); a flood makes the proofs harder instead (altcha.Difficulty).
const verifiedFlood = 16

// What one replica alone allows a client at once (HEADSUP_REPLICAS unset): reports without a
// proof of work 2 (the issue saw 4 across two replicas), the API 120 requests, the forms 20
// posts. Reports through the API and the forms share one limit.
var oneReplica = allowances{unverified: 2, verified: verifiedFlood, formReports: 2, apiChecks: 120, formChecks: 20}

// flood sends, from one client address per kind of request, far more than any limit allows,
// alternating between the replicas as Caddy's round_robin does, through a trusted proxy as in
// docker-compose.yml. The clock is frozen, so nothing refills meanwhile. It returns the totals
// accepted across all replicas and fails unless every replica took its part.
func flood(t *testing.T, replicas []*app, client func(kind int) string) allowances {
	t.Helper()
	day := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	// send makes n requests, the i-th to replica i mod len(replicas), from the client of kind,
	// and counts those answered ok.
	send := func(kind, n, ok int, request func(b *browser, i int) int) int {
		t.Helper()
		total := 0
		per := make([]int, len(replicas))
		for i := range n {
			r := i % len(replicas)
			b := &browser{t: t, h: replicas[r].engine, remoteAddr: "172.18.0.9:41000",
				headers: map[string]string{"X-Forwarded-For": client(kind)}}
			switch code := request(b, i); code {
			case ok:
				total++
				per[r]++
			case http.StatusTooManyRequests:
			default:
				t.Fatalf("request %d of kind %d to replica %d: status %d", i, kind, r+1, code)
			}
		}
		for r, n := range per {
			if n == 0 {
				t.Fatalf("kind %d: replica %d accepted nothing (%v): is the client reaching every replica?", kind, r+1, per)
			}
		}
		return total
	}
	var got allowances
	got.unverified = send(0, 12, http.StatusCreated, func(b *browser, i int) int {
		return b.do("POST", "/api/v1/reports", nil, drugReport(day, i)).Code
	})
	got.verified = send(1, verifiedFlood, http.StatusCreated, func(b *browser, i int) int {
		ch, err := replicas[0].intake.Proofs.New() // the key is shared: any replica's proof verifies on every one
		if err != nil {
			t.Fatal(err)
		}
		n, _ := altcha.Solve(ch)
		report := drugReport(day, i)
		report["altcha"] = altcha.Payload(ch, n)
		return b.do("POST", "/api/v1/reports", nil, report).Code
	})
	got.formReports = send(2, 12, http.StatusOK, func(b *browser, i int) int {
		return b.do("POST", "/report/bad-batch", url.Values{"date": {day}, "area": {"ward-4"}, "sold_as": {"meth"},
			"details": {fmt.Sprintf("Report %d: cloudy shards, people awake for days.", i)}}, nil).Code
	})
	got.apiChecks = send(3, 300, http.StatusOK, func(b *browser, _ int) int {
		return b.do("POST", "/api/v1/check", nil, map[string]string{"type": "phone", "value": "202-555-0147"}).Code
	})
	got.formChecks = send(4, 60, http.StatusOK, func(b *browser, _ int) int {
		return b.do("POST", "/check", url.Values{"type": {"phone"}, "value": {"202-555-0147"}}, nil).Code
	})
	return got
}

// TestReplicasShareOneAllowance runs two replicas on one database, as docker-compose.yml does,
// with a client alternating between them: with HEADSUP_REPLICAS=2 they accept together no more
// than one replica alone accepts. It also pins that without the setting one replica behaves as
// before, and that two replicas that were not told of each other do multiply the limits (the
// issue), which is what shows the test reaches both.
func TestReplicasShareOneAllowance(t *testing.T) {
	engines := testEngines
	if testing.Short() {
		engines = []string{"sqlite"}
	}
	start := time.Now()
	frozen := func() time.Time { return start }
	opts := appOptions{Now: frozen, PoWMaxNumber: 1000}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			// Each scenario its own clients, so their buckets never meet.
			prefix := 0
			clients := func() func(kind int) string {
				prefix++
				return func(kind int) string { return fmt.Sprintf("2001:db8:%x:%x::7", prefix, kind) }
			}

			t.Run("HEADSUP_REPLICAS unset, one replica", func(t *testing.T) {
				d := newDeployment(t, engine)
				a := startApp(t, d.getenv("HEADSUP_TRUSTED_PROXIES=172.16.0.0/12"), opts)
				if a.cfg.Replicas != 1 {
					t.Fatalf("HEADSUP_REPLICAS unset: Replicas = %d, want 1", a.cfg.Replicas)
				}
				if got := flood(t, []*app{a}, clients()); got != oneReplica {
					t.Errorf("one replica accepted %+v, want %+v as before HEADSUP_REPLICAS existed", got, oneReplica)
				}
			})

			t.Run("two replicas, HEADSUP_REPLICAS=2", func(t *testing.T) {
				d := newDeployment(t, engine)
				getenv := d.getenv("HEADSUP_TRUSTED_PROXIES=172.16.0.0/12", "HEADSUP_REPLICAS=2")
				replicas := []*app{startApp(t, getenv, opts), startApp(t, getenv, opts)}
				got := flood(t, replicas, clients())
				for _, c := range []struct {
					what      string
					got, want int
				}{
					{"unverified reports", got.unverified, oneReplica.unverified},
					{"verified reports", got.verified, oneReplica.verified},
					{"reports through the form", got.formReports, oneReplica.formReports},
					{"checks through the API", got.apiChecks, oneReplica.apiChecks},
					{"checks through the form", got.formChecks, oneReplica.formChecks},
				} {
					if c.got > c.want {
						t.Errorf("%s: two replicas accepted %d together, one alone allows %d", c.what, c.got, c.want)
					}
				}
				// Each replica holds half of every allowance.
				if want := (allowances{unverified: 2, verified: verifiedFlood, formReports: 2, apiChecks: 120, formChecks: 20}); got != want {
					t.Errorf("two replicas accepted %+v, want %+v", got, want)
				}
				// The limits live in memory only: nothing in the database names the client.
				if engine == "sqlite" {
					noAddressIn(t, d.dataDir, "people awake for days", "2001:db8:", "172.18.0.9")
				}
			})

			t.Run("two replicas, HEADSUP_REPLICAS unset", func(t *testing.T) {
				d := newDeployment(t, engine)
				getenv := d.getenv("HEADSUP_TRUSTED_PROXIES=172.16.0.0/12")
				got := flood(t, []*app{startApp(t, getenv, opts), startApp(t, getenv, opts)}, clients())
				want := allowances{2 * oneReplica.unverified, verifiedFlood, 2 * oneReplica.formReports, 2 * oneReplica.apiChecks, 2 * oneReplica.formChecks}
				if got != want {
					t.Errorf("two replicas not told of each other accepted %+v, want twice one replica's %+v", got, want)
				}
			})
		})
	}
}

// noAddressIn fails if any file in dir holds one of addrs, or if none holds stored, text the
// test knows was written, which shows the files were read as they are.
func noAddressIn(t *testing.T, dir, stored string, addrs ...string) {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range files {
		if f.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		found = found || bytes.Contains(data, []byte(stored))
		for _, addr := range addrs {
			if bytes.Contains(data, []byte(addr)) {
				t.Errorf("%s holds the client address %s", f.Name(), addr)
			}
		}
	}
	if !found {
		t.Errorf("no file in %s holds %q, which was stored: is this the data folder?", dir, stored)
	}
}
