package push

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headsup/headsup/push/pushtest"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// releaseRecorder remembers the checkpoint one owner wrote when it gave its job back.
type releaseRecorder struct {
	store.Store
	owner    string
	mu       sync.Mutex
	released *store.Delivery
}

func (s *releaseRecorder) SaveDeliveryProgress(ctx context.Context, owner string, d *store.Delivery, leaseUntil time.Time) error {
	err := s.Store.SaveDeliveryProgress(ctx, owner, d, leaseUntil)
	if err == nil && owner == s.owner && leaseUntil.IsZero() {
		s.mu.Lock()
		c := *d
		s.released = &c
		s.mu.Unlock()
	}
	return err
}

func (s *releaseRecorder) lastRelease() *store.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.released
}

// TestStopDrainsBeforeHandingOver is a rolling restart: dispatcher A is stopped in the middle
// of a fan-out while B runs beside it on the same database. A waits for its pushes in flight
// up to its drain deadline and checkpoints what was answered, so B re-sends at most what was
// still unanswered then, and nobody is missed.
func TestStopDrainsBeforeHandingOver(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		delay, drain time.Duration
	}{
		{"every push answered by the deadline", 50 * time.Millisecond, 20 * time.Second},
		{"deadline passes with pushes in flight", time.Second, 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &releaseRecorder{Store: storetest.New(t), owner: "a"}
			e := newTestEnvOn(t, pushtest.Options{Delay: tc.delay, NoPayloads: true}, rec)
			const n = 3000
			e.subscribeMany(0, n)
			al := e.publish(report.DrugAlert, report.SeverityWarning, []string{"ward-1"}, "t", "b")
			// A push service that answers late makes retries, and a retry may be a duplicate
			// whatever the drain does; they are counted to be allowed for.
			var retries atomic.Int64
			countRetries := func(o string) {
				if o == "retry" {
					retries.Add(1)
				}
			}
			a := e.dispatcher(DispatcherOptions{Owner: "a", Drain: tc.drain, Outcome: countRetries})
			a.Start(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := e.fake.WaitFor(ctx, n/4); err != nil {
				t.Fatal(err)
			}
			b := e.dispatcher(DispatcherOptions{Owner: "b", Outcome: countRetries})
			b.Start(context.Background())
			defer b.Stop()
			// Stop A while pushes are on the wire, so that the drain has something to wait for.
			for inFlight(a) < 100 {
				if ctx.Err() != nil {
					t.Fatal("A never had 100 pushes in flight")
				}
				time.Sleep(time.Millisecond)
			}

			stopping := time.Now()
			a.Stop()
			took := time.Since(stopping)
			released := rec.lastRelease()
			if released == nil || released.State == store.DeliveryDone {
				t.Fatalf("A finished the job before it was stopped (%+v); the test proves nothing", released)
			}
			job := e.waitDone(jobID(al), 90*time.Second)

			var unanswered int64 // kept for retry without an attempt: abandoned at the deadline
			for _, rt := range released.Retries {
				if rt.Attempts == 0 {
					unanswered++
				}
			}
			if released.Done()+released.Retrying != released.Reached {
				t.Errorf("A's last checkpoint: %d with an outcome + %d to retry != %d reached: the walk passed pushes it neither answered nor kept",
					released.Done(), released.Retrying, released.Reached)
			}
			if missed := n - e.fake.Distinct(); missed != 0 {
				t.Fatalf("%d subscriptions never received the alert", missed)
			}
			dups := e.fake.Count() - e.fake.Distinct()
			if int64(dups) > unanswered+retries.Load() {
				t.Errorf("%d duplicates, more than the %d pushes unanswered at A's deadline (and %d retries)", dups, unanswered, retries.Load())
			}
			// The process has 10 s to shut down. Unwinding a thousand cancelled pushes under the
			// race detector on a loaded machine took 5 s once; what must hold is the budget.
			if took > tc.drain+9*time.Second {
				t.Errorf("Stop took %v with a drain deadline of %v: past the 10 s shutdown", took, tc.drain)
			}
			if tc.drain < tc.delay && unanswered == 0 {
				t.Errorf("no push was unanswered at a %v deadline with %v answers; the deadline was not exercised", tc.drain, tc.delay)
			}
			if job.Claims != 2 || job.Sent != n {
				t.Errorf("claims %d sent %d, want 2 and %d", job.Claims, job.Sent, n)
			}
			t.Logf("A stopped in %v after %d pushes; %d unanswered at its deadline, %d retries, %d duplicates",
				took.Round(time.Millisecond), released.Sent, unanswered, retries.Load(), dups)
		})
	}
}

// TestHostNoLongerAllowedIsRefused: a subscription made while its push service was allowed
// gets nothing once the operator removes it from the allowlist, and is deleted; the others
// are unaffected, and the log names the host once, never the endpoint.
func TestHostNoLongerAllowedIsRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, pushtest.Options{NoPayloads: true})      // https, stays allowed by host:port
	dropped := pushtest.New(pushtest.Options{NoPayloads: true}) // plain http, allowed at first
	t.Cleanup(dropped.Close)

	var kept, gone []string
	for i := range 5 {
		kept = append(kept, e.subscribe(i, prefs{areas: []string{"ward-1"}}))
	}
	for i := range 3 {
		sub := dropped.Subscription(i)
		id, _, err := e.svc.Subscribe(context.Background(), SubscriptionInput{Endpoint: sub.Endpoint,
			Keys: &SubscriptionKeys{P256dh: sub.P256dh, Auth: sub.Auth}, Areas: []string{"ward-1"}})
		if err != nil {
			t.Fatalf("subscribe while %s is allowed: %v", dropped.URL(), err)
		}
		gone = append(gone, id)
	}

	// The operator narrows HEADSUP_PUSH_INSECURE_HOSTS to the https service's host:port.
	keptURL, err := url.Parse(e.fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	droppedURL, err := url.Parse(dropped.URL())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(e.fake.Certificate())
	client := NewHTTPClient(&tls.Config{RootCAs: pool})
	t.Cleanup(client.CloseIdleConnections)
	logs := &syncBuffer{}
	svc := New(Options{Store: e.st, Keys: e.svc.keys, Subject: "mailto:ops@example.org",
		Services: []string{"fcm.googleapis.com"}, InsecureHosts: []string{keptURL.Host},
		Areas: report.DefaultAreas(), BaseURL: testBaseURL, HTTPClient: client,
		Log: slog.New(slog.NewTextHandler(io.MultiWriter(logs, testWriter{t}), nil))})

	al := e.publish(report.BadDate, report.SeverityWarning, []string{"ward-1"}, "t", "b")
	d := svc.NewDispatcher(DispatcherOptions{Poll: 20 * time.Millisecond})
	d.Start(context.Background())
	defer d.Stop()
	job := e.waitDone(jobID(al), 20*time.Second)

	if n := dropped.Count(); n != 0 {
		t.Errorf("the host no longer allowed received %d pushes", n)
	}
	if e.fake.Distinct() != len(kept) {
		t.Errorf("%d of the %d allowed subscriptions received the alert", e.fake.Distinct(), len(kept))
	}
	for _, id := range gone {
		if _, err := e.st.Subscription(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("subscription on the host no longer allowed still stored: %v", err)
		}
	}
	for _, id := range kept {
		if _, err := e.st.Subscription(context.Background(), id); err != nil {
			t.Errorf("allowed subscription deleted: %v", err)
		}
	}
	if job.Sent != int64(len(kept)) || job.Failed != int64(len(gone)) || job.Gone != 0 {
		t.Errorf("sent %d failed %d gone %d, want %d, %d, 0", job.Sent, job.Failed, job.Gone, len(kept), len(gone))
	}
	out := logs.String()
	if n := strings.Count(out, "no longer allowed"); n != 1 {
		t.Errorf("%d log lines about the host no longer allowed, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "host="+droppedURL.Host) || !strings.Contains(out, "refused_host=3") {
		t.Errorf("logs do not name the host and count its refusals:\n%s", out)
	}
	if strings.Contains(out, "/push/") {
		t.Errorf("logs show an endpoint:\n%s", out)
	}
}

// inFlight is how many pushes d has on the wire.
func inFlight(d *Dispatcher) int {
	d.inflight.mu.Lock()
	defer d.inflight.mu.Unlock()
	return d.inflight.inFlight()
}
