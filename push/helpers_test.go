package push

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/push/pushtest"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// testEnv is a push service on its own database, sending to a fake push service over HTTPS
// and HTTP/2 that verifies VAPID and decrypts every message.
type testEnv struct {
	t    *testing.T
	fake *pushtest.Server
	st   store.Store
	svc  *Service
	logs *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const testBaseURL = "https://alerts.example.org"

func newTestEnv(t *testing.T, fo pushtest.Options) *testEnv {
	t.Helper()
	return newTestEnvOn(t, fo, storetest.New(t))
}

// newTestEnvOn is newTestEnv on a given engine's database, for tests whose outcome depends on
// how the engine walks and deletes subscriptions.
func newTestEnvOn(t *testing.T, fo pushtest.Options, st store.Store) *testEnv {
	t.Helper()
	fo.TLS = true
	fake := pushtest.New(fo)
	t.Cleanup(fake.Close)
	keys, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(fake.Certificate())
	client := NewHTTPClient(&tls.Config{RootCAs: pool})
	t.Cleanup(client.CloseIdleConnections)
	logs := &syncBuffer{}
	svc := New(Options{
		Store:         st,
		Keys:          keys,
		Subject:       "mailto:ops@example.org",
		Services:      []string{"fcm.googleapis.com", "push.services.mozilla.com"},
		InsecureHosts: []string{"127.0.0.1"},
		Areas:         report.DefaultAreas(),
		BaseURL:       testBaseURL,
		Log:           slog.New(slog.NewTextHandler(io.MultiWriter(logs, testWriter{t}), nil)),
		HTTPClient:    client,
	})
	return &testEnv{t: t, fake: fake, st: st, svc: svc, logs: logs}
}

// testWriter sends log lines to t.Log, so a failing test shows what the dispatcher said.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

type prefs struct {
	kinds    []report.Kind
	areas    []string
	min      report.Severity
	discreet bool
	lang     string
}

// subscribe subscribes fake subscription i through the service, as the API does.
func (e *testEnv) subscribe(i int, p prefs) string {
	e.t.Helper()
	sub := e.fake.Subscription(i)
	in := SubscriptionInput{Endpoint: sub.Endpoint, Keys: &SubscriptionKeys{P256dh: sub.P256dh, Auth: sub.Auth},
		Kinds: p.kinds, Areas: p.areas, Discreet: &p.discreet, Lang: p.lang}
	if p.min != "" {
		in.MinSeverity = &p.min
	}
	id, _, err := e.svc.Subscribe(context.Background(), in)
	if err != nil {
		e.t.Fatalf("subscribe %d: %v", i, err)
	}
	return id
}

// subscribeMany inserts n matching-everything subscriptions from first on, in bulk.
func (e *testEnv) subscribeMany(first, n int) {
	e.t.Helper()
	subs := make([]store.Subscription, n)
	for i := range subs {
		f := e.fake.Subscription(first + i)
		subs[i] = store.Subscription{Endpoint: f.Endpoint, P256dh: f.P256dh, Auth: f.Auth, TokenHash: "x",
			Kinds: report.Kinds, Areas: []string{"ward-1", "ward-2"}, MinSeverity: report.SeverityInfo, Lang: "en"}
	}
	if err := e.st.InsertSubscriptions(context.Background(), subs); err != nil {
		e.t.Fatal(err)
	}
}

// publish stores a published alert and queues its delivery job, as moderation does.
func (e *testEnv) publish(kind report.Kind, sev report.Severity, areas []string, title, body string) *report.Alert {
	e.t.Helper()
	now := time.Now()
	a := &report.Alert{ID: report.NewID(), Version: 1, Kind: kind, Severity: sev, Title: title, Body: body,
		Areas: areas, IncidentDay: report.Day(now), Published: now, Updated: now,
		Expires: now.Add(report.DefaultExpiry(kind)), Status: report.AlertPublished, ReportCount: 1}
	if err := e.st.CreateAlert(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.EnqueueDelivery(context.Background(), a.ID, a.Version, false); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *testEnv) dispatcher(o DispatcherOptions) *Dispatcher {
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.RetryBase == 0 {
		o.RetryBase = 50 * time.Millisecond
	}
	return e.svc.NewDispatcher(o)
}

// waitDone waits for the job to be done and returns it.
func (e *testEnv) waitDone(jobID string, timeout time.Duration) *store.Delivery {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d, err := e.st.Delivery(context.Background(), jobID)
		if err != nil {
			e.t.Fatal(err)
		}
		if d.State == store.DeliveryDone {
			return d
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s not done after %v: %+v; fake stats %+v", jobID, timeout, d, e.fake.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jobID(a *report.Alert) string { return a.ID + "." + strconv.Itoa(a.Version) }
