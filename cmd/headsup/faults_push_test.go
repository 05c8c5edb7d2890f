package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/push/pushtest"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

func subscribeAll(t *testing.T, s store.Store, subs []pushtest.Subscription) {
	t.Helper()
	docs := make([]store.Subscription, len(subs))
	for i, sub := range subs {
		docs[i] = store.Subscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, TokenHash: "unused",
			Kinds: []report.Kind{report.DrugAlert}, Areas: []string{"ward-7"}, MinSeverity: report.SeverityInfo, MinRank: 1, Discreet: i%2 == 0, Lang: "en"}
	}
	for start := 0; start < len(docs); start += 500 {
		if err := s.InsertSubscriptions(context.Background(), docs[start:min(start+500, len(docs))]); err != nil {
			t.Fatal(err)
		}
	}
}

func publish(t *testing.T, s store.Store) string {
	t.Helper()
	now := time.Now().UTC()
	a := &report.Alert{ID: report.NewID(), Version: 1, Kind: report.DrugAlert, Severity: report.SeverityDanger,
		Title: "Xylazine in dope, Ward 7", Body: "Wounds and long blackouts.", Areas: []string{"ward-7"},
		IncidentDay: report.Day(now), Published: now, Updated: now, Expires: now.Add(14 * 24 * time.Hour),
		Status: report.AlertPublished, ReportCount: 1}
	if err := s.CreateAlert(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueDelivery(context.Background(), a.ID, 1, false); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKillDuringFanOut kills the server with SIGKILL in the middle of pushing an alert; after a
// restart every matching subscription has it at least once, and the duplicates are bounded by
// what one checkpoint covers (batch × batches in flight: 1,500 by default).
func TestKillDuringFanOut(t *testing.T) {
	onEveryEngine(t, killDuringFanOut)
}

func killDuringFanOut(t *testing.T, d *deployment) {
	fake := pushtest.New(pushtest.Options{Delay: 5 * time.Millisecond})
	defer fake.Close()
	host, _, err := net.SplitHostPort(strings.TrimPrefix(fake.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	insecure := "HEADSUP_PUSH_INSECURE_HOSTS=" + host
	p := d.start(t, insecure)
	const n = 3000
	subs := fake.Mint(n)
	db := d.open(t)
	subscribeAll(t, db, subs)
	publish(t, db)

	waitUntil(t, 60*time.Second, "the fan-out to start", func() bool { return fake.Count() >= n/4 })
	p.kill()
	before := fake.Count()
	if before >= n {
		t.Fatalf("the fan-out finished (%d) before the kill; the test proves nothing", before)
	}
	// The dead dispatcher's lease (30 s) must lapse before the new one takes the job over.
	d.start(t, insecure)
	waitUntil(t, 120*time.Second, "every subscription to get the alert", func() bool { return fake.Distinct() >= n })
	time.Sleep(2 * time.Second) // let stragglers land before counting duplicates
	dups := fake.Count() - n
	t.Logf("killed after %d pushes; %d subscriptions reached, %d duplicates", before, fake.Distinct(), dups)
	if dups > 1500 {
		t.Fatalf("%d duplicates, more than one checkpoint's worth (1500)", dups)
	}
}

// TestHangingPushServiceDoesNotStall sends an alert to subscriptions on two push services, one
// of which accepts connections and never answers. The other one's subscriptions all get the
// alert, and the public API keeps answering quickly, while the hanging requests wait for their
// timeout.
func TestHangingPushServiceDoesNotStall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	fake := pushtest.New(pushtest.Options{})
	defer fake.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)
	host, _, err := net.SplitHostPort(strings.TrimPrefix(fake.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	d := newDeployment(t, "sqlite")
	p := d.start(t, "HEADSUP_PUSH_INSECURE_HOSTS="+host)
	good := fake.Mint(400)
	bad := make([]pushtest.Subscription, 200)
	for i := range bad {
		bad[i] = fake.Subscription(10000 + i)
		bad[i].Endpoint = hanging.URL + "/push/" + bad[i].Endpoint[strings.LastIndex(bad[i].Endpoint, "/")+1:]
	}
	db := d.open(t)
	subscribeAll(t, db, append(good, bad...))
	publish(t, db)

	start := time.Now()
	waitUntil(t, 15*time.Second, "the healthy push service's subscriptions", func() bool { return fake.Distinct() >= len(good) })
	t.Logf("all %d healthy subscriptions reached in %s while %d requests hang", len(good), time.Since(start).Round(time.Millisecond), len(bad))
	var worst time.Duration
	for range 20 {
		t0 := time.Now()
		if status, _ := p.do(t, "GET", "/api/v1/alerts", nil); status != 200 {
			t.Fatalf("alerts: %d", status)
		}
		worst = max(worst, time.Since(t0))
	}
	if worst > time.Second {
		t.Fatalf("the public API slowed to %s while pushes hang", worst)
	}
}
