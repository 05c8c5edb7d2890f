package push

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/push/pushtest"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestFanOut sends one alert to a mix of subscriptions and checks what each browser could
// read: the fake decrypts every message with the subscription's own keys. It runs on every
// engine: which subscriptions a walk finds, and that a gone one is deleted, is each engine's own.
func TestFanOut(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			testFanOut(t, newTestEnvOn(t, pushtest.Options{}, eng.New(t)))
		})
	}
}

func testFanOut(t *testing.T, e *testEnv) {
	ward1 := []string{"ward-1"}
	var (
		detailed, discreet, none, gone, flaky []int
		ids                                   = map[int]string{}
	)
	add := func(list *[]int, i int, p prefs) {
		*list = append(*list, i)
		ids[i] = e.subscribe(i, p)
	}
	for i := 0; i < 6; i++ {
		add(&detailed, i, prefs{kinds: []report.Kind{report.DrugAlert}, areas: ward1, lang: "en"})
	}
	add(&detailed, 6, prefs{areas: []string{"ward-5", "ward-2"}, min: report.SeverityWarning, lang: "en"}) // all kinds, second area
	for i := 10; i < 14; i++ {
		add(&discreet, i, prefs{kinds: report.Kinds, areas: ward1, discreet: true, lang: "es"})
	}
	add(&discreet, 14, prefs{areas: ward1, discreet: true, lang: "en"})
	add(&none, 20, prefs{kinds: []report.Kind{report.BadDate}, areas: ward1})                               // other kind
	add(&none, 21, prefs{kinds: []report.Kind{report.DrugAlert}, areas: []string{"ward-3"}})                // other area
	add(&none, 22, prefs{kinds: []report.Kind{report.DrugAlert}, areas: ward1, min: report.SeverityDanger}) // too minor
	for i := 30; i < 33; i++ {
		add(&gone, i, prefs{areas: ward1})
	}
	e.fake.Fail(30, 410, 0, 0)
	e.fake.Fail(31, 404, 0, 0)
	e.fake.Fail(32, 410, 0, 0)
	for i := 40; i < 43; i++ {
		add(&flaky, i, prefs{areas: ward1, lang: "en"})
	}
	e.fake.Fail(40, 503, time.Second, 2) // twice, asking for a second's pause
	e.fake.Fail(41, 429, 0, 1)           // rate limited once, no Retry-After: our backoff
	e.fake.Fail(42, 500, 0, 3)

	a := e.publish(report.DrugAlert, report.SeverityWarning, []string{"ward-1", "ward-2"},
		"Blue pills sold as oxy contain fentanyl", "Three overdoses near the park on Friday. Carry naloxone.")
	d := e.dispatcher(DispatcherOptions{Batch: 4, Workers: 8})
	d.Start(context.Background())
	defer d.Stop()
	job := e.waitDone(jobID(a), 30*time.Second)

	want := Payload{ID: a.ID, Kind: a.Kind, Severity: a.Severity, Title: a.Title, Body: a.Body, URL: testBaseURL + "/alerts/" + a.ID}
	var topic string
	check := func(i int, want Payload) {
		t.Helper()
		msgs := e.fake.Received(i)
		if len(msgs) != 1 {
			t.Fatalf("subscription %d received %d messages, want 1", i, len(msgs))
		}
		m := msgs[0]
		var got Payload
		dec := json.NewDecoder(strings.NewReader(string(m.Payload)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("subscription %d: payload %q: %v", i, m.Payload, err)
		}
		if got != want {
			t.Errorf("subscription %d got\n %+v\nwant\n %+v", i, got, want)
		}
		if m.Urgency != "normal" || m.TTL <= 0 || m.TTL > int(report.DefaultExpiry(report.DrugAlert)/time.Second) {
			t.Errorf("subscription %d: Urgency %q TTL %d", i, m.Urgency, m.TTL)
		}
		if topic == "" {
			topic = m.Topic
		}
		if len(m.Topic) != 22 || m.Topic != topic || strings.Contains(m.Topic, a.ID) {
			t.Errorf("subscription %d: topic %q (first %q)", i, m.Topic, topic)
		}
		if m.VAPIDKey != e.svc.PublicKey() || m.Subscriber != "mailto:ops@example.org" || m.Proto != "HTTP/2.0" {
			t.Errorf("subscription %d: key %q subscriber %q proto %s", i, m.VAPIDKey, m.Subscriber, m.Proto)
		}
	}
	for _, i := range append(append([]int{}, detailed...), flaky...) {
		check(i, want)
	}
	for _, i := range discreet {
		lang := "es"
		if i == 14 {
			lang = "en"
		}
		check(i, Payload{ID: a.ID, Title: catalog.Text(lang, "push.neutral.title"), Body: catalog.Text(lang, "push.neutral.body"), URL: want.URL})
		if p := string(e.fake.Received(i)[0].Payload); strings.Contains(p, "fentanyl") || strings.Contains(p, "drug") {
			t.Errorf("discreet subscription %d received %s", i, p)
		}
	}
	for _, i := range append(append([]int{}, none...), gone...) {
		if n := e.fake.CountFor(i); n != 0 {
			t.Errorf("subscription %d should receive nothing, got %d", i, n)
		}
	}
	for _, i := range gone {
		if _, err := e.st.Subscription(context.Background(), ids[i]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("gone subscription %d still stored: %v", i, err)
		}
	}
	for _, i := range none {
		if _, err := e.st.Subscription(context.Background(), ids[i]); err != nil {
			t.Errorf("subscription %d was deleted: %v", i, err)
		}
	}
	matched := int64(len(detailed) + len(discreet) + len(gone) + len(flaky))
	if job.Sent != matched-3 || job.Gone != 3 || job.Failed != 0 || job.Retrying != 0 || job.Total != matched || job.Percent() != 100 {
		t.Errorf("job counters: total %d sent %d gone %d failed %d retrying %d", job.Total, job.Sent, job.Gone, job.Failed, job.Retrying)
	}
	if len(job.Retries) != 0 {
		t.Errorf("retries left: %+v", job.Retries)
	}
}

// TestRefusalsAreReportedNotDeleted: 401/403 mean our credentials are wrong, 413 that our
// payload is; neither is the subscriber's fault, so nothing is deleted and the operator is told.
func TestRefusalsAreReportedNotDeleted(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, pushtest.Options{})
	ids := map[int]string{}
	for i := 0; i < 4; i++ {
		ids[i] = e.subscribe(i, prefs{areas: []string{"ward-1"}})
	}
	e.fake.Fail(0, 401, 0, 0)
	e.fake.Fail(1, 403, 0, 0)
	e.fake.Fail(2, 413, 0, 0)
	a := e.publish(report.BadDate, report.SeverityDanger, []string{"ward-1"}, "Client with a knife", "Grey van.")
	d := e.dispatcher(DispatcherOptions{})
	d.Start(context.Background())
	defer d.Stop()
	job := e.waitDone(jobID(a), 20*time.Second)
	if job.Sent != 1 || job.Failed != 3 || job.Gone != 0 {
		t.Errorf("sent %d failed %d gone %d", job.Sent, job.Failed, job.Gone)
	}
	for i := 0; i < 3; i++ {
		if _, err := e.st.Subscription(context.Background(), ids[i]); err != nil {
			t.Errorf("subscription %d deleted after a %d: %v", i, []int{401, 403, 413}[i], err)
		}
	}
	logs := e.logs.String()
	for _, s := range []string{"VAPID credentials", "status=401", "status=403", "payload too large"} {
		if !strings.Contains(logs, s) {
			t.Errorf("logs do not mention %q:\n%s", s, logs)
		}
	}
	if m := e.fake.Received(3); len(m) != 1 || m[0].Urgency != "high" {
		t.Errorf("danger alert: %+v", m)
	}
}

// TestRetractionSaysWithdrawn: a retracted alert's job tells its subscribers it was withdrawn,
// and the job of the version it replaced sends nothing more.
func TestRetractionSaysWithdrawn(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, pushtest.Options{})
	e.subscribe(0, prefs{areas: []string{"ward-1"}, lang: "es"})
	a := e.publish(report.DrugAlert, report.SeverityInfo, []string{"ward-1"}, "Tan powder", "Sold as heroin.")
	r, err := e.st.RetractAlert(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.EnqueueDelivery(context.Background(), a.ID, r.Version, true); err != nil {
		t.Fatal(err)
	}
	d := e.dispatcher(DispatcherOptions{})
	d.Start(context.Background())
	defer d.Stop()
	old := e.waitDone(jobID(a), 20*time.Second)
	retraction := e.waitDone(jobID(r), 20*time.Second)
	if old.Sent != 0 || old.Note == "" || retraction.Sent != 1 {
		t.Fatalf("old job %+v; retraction job %+v", old, retraction)
	}
	msgs := e.fake.Received(0)
	var got Payload
	if len(msgs) != 1 || json.Unmarshal(msgs[0].Payload, &got) != nil {
		t.Fatalf("received %+v", msgs)
	}
	if !got.Retracted || got.Title != "Alerta retirada" || !strings.Contains(got.Body, "Tan powder") || msgs[0].Urgency != "low" {
		t.Errorf("retraction payload %+v urgency %q", got, msgs[0].Urgency)
	}
}

// TestCrashResumesFromCheckpoint stops a dispatcher in the middle of a job and lets a fresh
// one finish it: every subscription gets the alert at least once, and no more pushes are
// repeated than were in flight beyond the last checkpoint.
func TestCrashResumesFromCheckpoint(t *testing.T) {
	for _, tc := range []struct {
		name            string
		batch, pipeline int
	}{
		{"one batch in flight", 20, 1},
		{"pipelined", 20, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, pushtest.Options{Delay: 15 * time.Millisecond, NoPayloads: true})
			const n = 200
			e.subscribeMany(0, n)
			a := e.publish(report.DrugAlert, report.SeverityWarning, []string{"ward-1"}, "t", "b")
			o := DispatcherOptions{Batch: tc.batch, Pipeline: tc.pipeline}
			first := e.dispatcher(o)
			first.Start(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := e.fake.WaitFor(ctx, n/3); err != nil {
				t.Fatal(err)
			}
			first.Stop()
			mid, err := e.st.Delivery(context.Background(), jobID(a))
			if err != nil {
				t.Fatal(err)
			}
			if mid.State == store.DeliveryDone || mid.LeaseOwner != "" || mid.Sent == 0 {
				t.Fatalf("after stop: state %s owner %q sent %d", mid.State, mid.LeaseOwner, mid.Sent)
			}
			beforeResume := e.fake.Count()

			second := e.dispatcher(o)
			second.Start(context.Background())
			defer second.Stop()
			job := e.waitDone(jobID(a), 30*time.Second)
			if e.fake.Distinct() != n {
				t.Fatalf("%d of %d subscriptions received the alert", e.fake.Distinct(), n)
			}
			dups := e.fake.Count() - e.fake.Distinct()
			if bound := tc.batch * tc.pipeline; dups > bound {
				t.Errorf("%d duplicates, more than the %d pushes that may be in flight beyond a checkpoint", dups, bound)
			}
			if job.Claims != 2 || job.Sent != n {
				t.Errorf("claims %d sent %d", job.Claims, job.Sent)
			}
			t.Logf("stopped after %d (checkpoint %d), %d duplicates", beforeResume, mid.Sent, dups)
		})
	}
}

// TestLapsedLeaseIsTakenOver: a dispatcher that died holding a job (it never released the
// lease) delays the job by at most the lease; then another dispatcher takes it over.
func TestLapsedLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, pushtest.Options{NoPayloads: true})
	e.subscribeMany(0, 30)
	a := e.publish(report.DrugAlert, report.SeverityWarning, []string{"ward-2"}, "t", "b")
	ghost, err := e.st.ClaimDelivery(context.Background(), "crashed", 400*time.Millisecond)
	if err != nil || ghost.ID != jobID(a) {
		t.Fatalf("claim: %v %v", ghost, err)
	}
	start := time.Now()
	reported := make(chan time.Duration, 1)
	d := e.dispatcher(DispatcherOptions{JobDone: func(took time.Duration) { reported <- took }})
	d.Start(context.Background())
	defer d.Stop()
	time.Sleep(200 * time.Millisecond)
	if e.fake.Count() != 0 {
		t.Fatal("a job with a live lease was worked by another dispatcher")
	}
	job := e.waitDone(jobID(a), 10*time.Second)
	if took := time.Since(start); took < 400*time.Millisecond || job.Claims != 2 || e.fake.Distinct() != 30 {
		t.Errorf("took %v, claims %d, delivered %d", took, job.Claims, e.fake.Distinct())
	}
	// The job started when the crashed dispatcher claimed it, and its duration counts the
	// time lost to the crash.
	if !job.Started.Equal(ghost.Started) || ghost.Started.IsZero() {
		t.Errorf("started %v, want the first claim's %v", job.Started, ghost.Started)
	}
	want := job.Finished.Sub(job.Started) // as stored, to the millisecond
	if took := <-reported; took < 400*time.Millisecond || (took-want).Abs() > 2*time.Millisecond {
		t.Errorf("reported fan-out duration %v, want the %v from the first claim to the end", took, want)
	}
	// The crashed dispatcher, coming back, must not overwrite the new owner's record.
	ghost.Sent = 999
	if err := e.st.SaveDeliveryProgress(context.Background(), "crashed", ghost, time.Now().Add(time.Minute)); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("stale owner's checkpoint: %v", err)
	}
}

// TestTwoDispatchersNeverShareAJob runs two dispatchers on one database over several jobs and
// records, from inside each, when it works which job.
func TestTwoDispatchersNeverShareAJob(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, pushtest.Options{Delay: 5 * time.Millisecond, NoPayloads: true})
	const subs, jobs = 40, 8
	e.subscribeMany(0, subs)
	var (
		mu       sync.Mutex
		active   = map[string]int{}
		overlaps []string
		worked   = map[string]int{}
	)
	hook := func(name string) func(string, bool) {
		return func(job string, working bool) {
			mu.Lock()
			defer mu.Unlock()
			if working {
				active[job]++
				worked[name]++
				if active[job] > 1 {
					overlaps = append(overlaps, job)
				}
			} else {
				active[job]--
			}
		}
	}
	var ds []*Dispatcher
	for _, name := range []string{"a", "b"} {
		d := e.dispatcher(DispatcherOptions{Owner: name, Batch: 10, Pipeline: 1})
		d.onWork = hook(name)
		ds = append(ds, d)
	}
	var alerts []*report.Alert
	for range jobs {
		alerts = append(alerts, e.publish(report.BadDate, report.SeverityWarning, []string{"ward-1"}, "t", "b"))
	}
	for _, d := range ds {
		d.Start(context.Background())
		defer d.Stop()
	}
	for _, a := range alerts {
		e.waitDone(jobID(a), 30*time.Second)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(overlaps) > 0 {
		t.Fatalf("jobs worked by both dispatchers at once: %v", overlaps)
	}
	if worked["a"] == 0 || worked["b"] == 0 {
		t.Errorf("both dispatchers should have worked (a %d, b %d): the test proves nothing otherwise", worked["a"], worked["b"])
	}
	// Without crashes, exactly once: every subscription got every alert once.
	if e.fake.Count() != subs*jobs || e.fake.Distinct() != subs {
		t.Errorf("count %d distinct %d, want %d and %d", e.fake.Count(), e.fake.Distinct(), subs*jobs, subs)
	}
}

func TestPayloadIsSmall(t *testing.T) {
	t.Parallel()
	a := &report.Alert{ID: report.NewID(), Kind: report.BadDate, Severity: report.SeverityDanger,
		Title: strings.Repeat("ñ\"<", 300), Body: strings.Repeat("é\u2028x\"", 2000)}
	for _, discreet := range []bool{false, true} {
		for _, retraction := range []bool{false, true} {
			p := buildPayload(a, retraction, discreet, "es", testBaseURL)
			var got Payload
			if len(p) > MaxPayload || json.Unmarshal(p, &got) != nil || got.URL == "" {
				t.Errorf("discreet %v retraction %v: %d bytes: %.80s", discreet, retraction, len(p), p)
			}
		}
	}
}

// TestResumeAfterDeletedSubscription: a job resumes strictly after its checkpoint even when the
// subscription it names was deleted since (its push service said 410): nobody before it is sent
// to again and nobody after it is skipped. It runs on every engine, each walking its own way.
func TestResumeAfterDeletedSubscription(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvOn(t, pushtest.Options{NoPayloads: true}, eng.New(t))
			const n = 30
			e.subscribeMany(0, n)
			byID := map[string]int{}
			var ids []string
			for i := range n {
				id := store.SubscriptionID(e.fake.Subscription(i).Endpoint)
				byID[id] = i
				ids = append(ids, id)
			}
			slices.Sort(ids)
			a := e.publish(report.DrugAlert, report.SeverityWarning, []string{"ward-1"}, "t", "b")
			ctx := context.Background()

			// A dispatcher checkpointed after the 10th subscription and stopped; that
			// subscription was then deleted.
			job, err := e.st.ClaimDelivery(ctx, "earlier", time.Minute)
			if err != nil || job.ID != jobID(a) {
				t.Fatalf("claim: %v %v", job, err)
			}
			job.State, job.Position, job.Reached, job.Sent = store.DeliveryRunning, store.WalkPosition{After: ids[9]}, 10, 10
			if err := e.st.SaveDeliveryProgress(ctx, "earlier", job, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if ok, err := e.st.DeleteGoneSubscription(ctx, e.fake.Subscription(byID[ids[9]]).Endpoint); err != nil || !ok {
				t.Fatalf("delete: %v %v", ok, err)
			}

			d := e.dispatcher(DispatcherOptions{Batch: 7})
			d.Start(ctx)
			defer d.Stop()
			done := e.waitDone(jobID(a), 20*time.Second)
			for k, id := range ids {
				if got, want := e.fake.CountFor(byID[id]), btoi(k > 9); got != want {
					t.Errorf("subscription %d in walk order received %d pushes, want %d", k, got, want)
				}
			}
			if done.Sent != n || done.Reached != n {
				t.Errorf("sent %d reached %d, want %d", done.Sent, done.Reached, n)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
