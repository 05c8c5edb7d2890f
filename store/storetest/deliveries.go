package storetest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var deliveryCases = []testCase{
	{"Deliveries/EnqueueIdempotent", testEnqueue},
	{"Deliveries/ClaimOldestDueFirst", testClaimOrder},
	{"Deliveries/LeaseTakeover", testLeaseTakeover},
	{"Deliveries/ClaimSetsStartOnce", testClaimSetsStartOnce},
	{"Deliveries/SaveProgress", testSaveProgress},
	{"Deliveries/ReleaseAndRetryLater", testReleaseAndDue},
	{"Deliveries/RaceForOneJob", testRaceForOneJob},
	{"Deliveries/TwoDispatchers", func(e *env) { testDispatchers(e, 2) }},
	{"Deliveries/FourDispatchers", func(e *env) { testDispatchers(e, 4) }},
}

func testEnqueue(e *env) {
	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 1, false), "enqueue")
	created := e.now()
	e.clock.Advance(time.Minute)
	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 1, true), "enqueue again") // a double click is a no-op
	want := store.Delivery{ID: "al.1", AlertID: "al", AlertVersion: 1, Created: created, State: store.DeliveryQueued,
		Due: created, Total: -1}
	e.same(must(e.s.Delivery(e.ctx, "al.1")), &want, "queued job")
	if got := must(e.s.Delivery(e.ctx, "al.1")); got.Percent() != -1 {
		e.t.Fatalf("a queued job's percent is %d, want -1 (unknown)", got.Percent())
	}

	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 2, true), "enqueue the retraction")
	e.ok(e.s.EnqueueDelivery(e.ctx, "other", 1, false), "enqueue another alert's job")
	jobs := must(e.s.DeliveriesForAlert(e.ctx, "al"))
	if len(jobs) != 2 || jobs[0].ID != "al.2" || !jobs[0].Retraction || jobs[1].ID != "al.1" || jobs[1].Retraction {
		e.t.Fatalf("jobs of the alert = %+v, want al.2 (retraction) then al.1", jobs)
	}
	e.same(&jobs[1], &want, "listed job")
	if jobs := must(e.s.DeliveriesForAlert(e.ctx, "none")); len(jobs) != 0 {
		e.t.Fatalf("jobs of an alert without any = %+v", jobs)
	}
	_, err := e.s.Delivery(e.ctx, "missing.1")
	e.wantErr(err, store.ErrNotFound, "missing job")
	if _, err := e.s.DeliveryClaims(e.ctx, "al.1"); err != nil {
		e.t.Fatalf("claims of an unclaimed job: %v", err)
	}
}

func testClaimOrder(e *env) {
	_, err := e.s.ClaimDelivery(e.ctx, "d1", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim with nothing queued")
	// Enqueued a second apart, in an order that is not the id order.
	for _, id := range []string{"zz", "aa", "mm"} {
		e.ok(e.s.EnqueueDelivery(e.ctx, id, 1, false), "enqueue")
		e.clock.Advance(time.Second)
	}
	for _, want := range []string{"zz.1", "aa.1", "mm.1"} {
		d := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute))
		if d.ID != want {
			e.t.Fatalf("claimed %s, want %s (oldest due first)", d.ID, want)
		}
		if d.LeaseOwner != "d1" || !d.LeaseUntil.Equal(e.now().Add(time.Minute)) || d.State != store.DeliveryRunning ||
			d.Claims != 1 || d.Total != -1 {
			e.t.Fatalf("claimed job %+v", d)
		}
		e.same(must(e.s.Delivery(e.ctx, d.ID)), d, "claimed job as stored")
	}
	_, err = e.s.ClaimDelivery(e.ctx, "d2", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim while every job is leased")
}

func testLeaseTakeover(e *env) {
	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 1, false), "enqueue")
	first := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute))
	firstAt := e.now()
	e.clock.Advance(30 * time.Second)
	_, err := e.s.ClaimDelivery(e.ctx, "d2", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim of a leased job")
	e.ok(e.s.RenewDeliveryLease(e.ctx, first.ID, "d1", time.Minute), "renew")
	if d := must(e.s.Delivery(e.ctx, first.ID)); !d.LeaseUntil.Equal(e.now().Add(time.Minute)) || d.LeaseOwner != "d1" {
		e.t.Fatalf("renewed lease: %s until %v", d.LeaseOwner, d.LeaseUntil)
	}
	e.clock.Advance(45 * time.Second) // past the first lease, within the renewed one
	_, err = e.s.ClaimDelivery(e.ctx, "d2", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim within a renewed lease")

	// d1 hangs; its lease lapses and d2 takes over.
	e.clock.Advance(time.Minute)
	second := must(e.s.ClaimDelivery(e.ctx, "d2", time.Minute))
	if second.ID != first.ID || second.LeaseOwner != "d2" || second.Claims != 2 || !second.LeaseUntil.Equal(e.now().Add(time.Minute)) {
		e.t.Fatalf("takeover: %+v", second)
	}
	claims := must(e.s.DeliveryClaims(e.ctx, first.ID))
	want := []store.DeliveryClaim{
		{ID: first.ID + "#1", Job: first.ID, Epoch: 1, Owner: "d1", At: firstAt},
		{ID: first.ID + "#2", Job: first.ID, Epoch: 2, Owner: "d2", At: e.now()},
	}
	e.same(claims, want, "claim records")

	// The stale dispatcher can neither renew nor checkpoint.
	e.wantErr(e.s.RenewDeliveryLease(e.ctx, first.ID, "d1", time.Minute), store.ErrLeaseLost, "renewal by the old owner")
	stale := *first
	stale.Sent, stale.Position = 99, store.WalkPosition{After: "zzz"}
	e.wantErr(e.s.SaveDeliveryProgress(e.ctx, "d1", &stale, e.now().Add(time.Minute)), store.ErrLeaseLost, "checkpoint by the old owner")
	e.wantErr(e.s.SaveDeliveryProgress(e.ctx, "d1", &stale, time.Time{}), store.ErrLeaseLost, "release by the old owner")
	e.same(must(e.s.Delivery(e.ctx, first.ID)), second, "job after the old owner's refused writes")
	if err := e.s.RenewDeliveryLease(e.ctx, "missing.1", "d2", time.Minute); !errorsIsAny(err, store.ErrLeaseLost, store.ErrNotFound) {
		e.t.Fatalf("renewal of a missing job: %v, want ErrLeaseLost or ErrNotFound", err)
	}

	e.ok(e.s.RenewDeliveryLease(e.ctx, first.ID, "d2", 2*time.Minute), "renewal by the new owner")
	if d := must(e.s.Delivery(e.ctx, first.ID)); !d.LeaseUntil.Equal(e.now().Add(2 * time.Minute)) {
		e.t.Fatalf("renewed lease until %v", d.LeaseUntil)
	}
}

// testClaimSetsStartOnce: a job starts when it is first claimed, and a takeover before any
// checkpoint keeps that start, so the fan-out's duration counts the time lost to the crash.
func testClaimSetsStartOnce(e *env) {
	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 1, false), "enqueue")
	e.clock.Advance(5 * time.Second)
	first := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute))
	started := e.now()
	e.sameTime(first.Started, started, "start of the first claim")
	e.sameTime(must(e.s.Delivery(e.ctx, first.ID)).Started, started, "start as stored")

	e.clock.Advance(2 * time.Minute) // d1 crashed without a checkpoint; its lease lapses
	second := must(e.s.ClaimDelivery(e.ctx, "d2", time.Minute))
	if second.ID != first.ID || second.LeaseOwner != "d2" || second.Claims != 2 {
		e.t.Fatalf("takeover: %+v", second)
	}
	e.sameTime(second.Started, started, "start after a takeover")
	e.sameTime(must(e.s.Delivery(e.ctx, first.ID)).Started, started, "start as stored after a takeover")

	// A release (shutdown) and a later claim keep it too.
	e.ok(e.s.SaveDeliveryProgress(e.ctx, "d2", second, time.Time{}), "release")
	e.clock.Advance(time.Minute)
	third := must(e.s.ClaimDelivery(e.ctx, "d3", time.Minute))
	e.sameTime(third.Started, started, "start after a release and a third claim")
}

func testSaveProgress(e *env) {
	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 3, false), "enqueue")
	d := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute))
	e.clock.Advance(10 * time.Second)
	next := e.now().Add(30 * time.Second)
	d.Started = e.now().Add(-10 * time.Second)
	d.Position = store.WalkPosition{After: "sub-id-42"}
	d.Total, d.Queued, d.Sent, d.Gone, d.Failed, d.Reached = 100, 50, 40, 3, 2, 50
	d.Retries = []store.DeliveryRetry{
		{SubscriptionID: "s1", Endpoint: "https://push.example/1", P256dh: "k1", Auth: "a1", Lang: "en", Discreet: true, Attempts: 1, Next: next},
		{SubscriptionID: "s2", Endpoint: "https://push.example/2", P256dh: "k2", Auth: "a2", Lang: "es", Attempts: 2, Next: next.Add(time.Minute)},
	}
	d.Retrying = int64(len(d.Retries))
	d.Note = "note"
	leaseUntil := e.now().Add(time.Minute)
	e.ok(e.s.SaveDeliveryProgress(e.ctx, "d1", d, leaseUntil), "checkpoint")
	want := *d
	want.LeaseUntil = leaseUntil
	e.same(must(e.s.Delivery(e.ctx, d.ID)), &want, "job after a checkpoint")
	if got := must(e.s.Delivery(e.ctx, d.ID)); got.Percent() != 45 {
		e.t.Fatalf("percent %d, want 45", got.Percent())
	}
	listed := must(e.s.DeliveriesForAlert(e.ctx, "al"))
	if len(listed) != 1 || len(listed[0].Retries) != 0 || listed[0].Sent != 40 || listed[0].Retrying != 2 {
		e.t.Fatalf("listed job %+v, want the progress without the retries", listed)
	}
	_, err := e.s.ClaimDelivery(e.ctx, "d2", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim of a job checkpointed with a lease")

	// Finished: done, released, never claimed again.
	e.clock.Advance(10 * time.Second)
	d.State, d.Walked, d.Retries, d.Retrying, d.Queued, d.Sent, d.Failed = store.DeliveryDone, true, nil, 0, 0, 95, 2
	d.Finished = e.now()
	e.ok(e.s.SaveDeliveryProgress(e.ctx, "d1", d, time.Time{}), "final checkpoint")
	got := must(e.s.Delivery(e.ctx, d.ID))
	if got.State != store.DeliveryDone || !got.Walked || len(got.Retries) != 0 || got.Sent != 95 || !got.Finished.Equal(e.now()) ||
		got.Percent() != 100 || got.LeaseUntil.After(e.now()) {
		e.t.Fatalf("finished job %+v", got)
	}
	e.clock.Advance(time.Hour)
	_, err = e.s.ClaimDelivery(e.ctx, "d2", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim of a finished job")
}

func testReleaseAndDue(e *env) {
	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 1, false), "enqueue")
	d := must(e.s.ClaimDelivery(e.ctx, "d1", time.Hour))
	// Released at once (shutdown): another dispatcher takes it without waiting for the lease.
	d.Sent = 5
	e.ok(e.s.SaveDeliveryProgress(e.ctx, "d1", d, time.Time{}), "release")
	again := must(e.s.ClaimDelivery(e.ctx, "d2", time.Minute))
	if again.ID != d.ID || again.Claims != 2 || again.Sent != 5 || again.LeaseOwner != "d2" {
		e.t.Fatalf("claim after release: %+v", again)
	}
	// Released to wait for retries: not due until then.
	again.Due = e.now().Add(10 * time.Minute)
	e.ok(e.s.SaveDeliveryProgress(e.ctx, "d2", again, time.Time{}), "release until retries are due")
	e.clock.Advance(9 * time.Minute)
	_, err := e.s.ClaimDelivery(e.ctx, "d3", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim before the job is due")
	e.clock.Advance(2 * time.Minute)
	third := must(e.s.ClaimDelivery(e.ctx, "d3", time.Minute))
	if third.ID != d.ID || third.Claims != 3 {
		e.t.Fatalf("claim once due: %+v", third)
	}
	owners := []string{}
	for _, c := range must(e.s.DeliveryClaims(e.ctx, d.ID)) {
		owners = append(owners, fmt.Sprintf("%d:%s", c.Epoch, c.Owner))
	}
	if !slices.Equal(owners, []string{"1:d1", "2:d2", "3:d3"}) {
		e.t.Fatalf("claim records %v", owners)
	}
}

// testRaceForOneJob lets eight dispatchers race for one job: exactly one wins, and nobody gets
// it again while the lease is live.
func testRaceForOneJob(e *env) {
	e.ok(e.s.EnqueueDelivery(e.ctx, "al", 1, false), "enqueue")
	var (
		mu   sync.Mutex
		wins []string
	)
	parallel(8, func(i int) {
		owner := fmt.Sprintf("d%d", i)
		if _, ok := e.claimFor(owner); ok {
			mu.Lock()
			defer mu.Unlock()
			wins = append(wins, owner)
		}
	})
	if len(wins) != 1 {
		e.t.Fatalf("claims won: %v, want exactly one", wins)
	}
	d := must(e.s.Delivery(e.ctx, "al.1"))
	if d.Claims != 1 || d.LeaseOwner != wins[0] || d.State != store.DeliveryRunning {
		e.t.Fatalf("job after the race: %+v", d)
	}
	claims := must(e.s.DeliveryClaims(e.ctx, "al.1"))
	if len(claims) != 1 || claims[0].Owner != wins[0] {
		e.t.Fatalf("claim records %+v", claims)
	}
}

// claimFor is one of several dispatchers claiming the next job for owner, for a minute. It is
// false when the queue is empty, or the claim failed, which it reports.
func (e *env) claimFor(owner string) (*store.Delivery, bool) {
	d, err := e.s.ClaimDelivery(e.ctx, owner, time.Minute)
	if errorsIsAny(err, store.ErrNotFound) {
		return nil, false
	}
	if err != nil {
		e.t.Errorf("claim by %s: %v", owner, err)
		return nil, false
	}
	if d.LeaseOwner != owner {
		e.t.Errorf("%s got a job leased to %s", owner, d.LeaseOwner)
	}
	return d, true
}

// testDispatchers lets n dispatchers drain a queue at once: each job is claimed by exactly one.
func testDispatchers(e *env, n int) {
	const jobs = 24
	for i := range jobs {
		e.ok(e.s.EnqueueDelivery(e.ctx, fmt.Sprintf("al%02d", i), 1, false), "enqueue")
		if i%4 == 0 {
			e.clock.Advance(time.Millisecond)
		}
	}
	claimed := make([][]string, n)
	parallel(n, func(i int) {
		owner := fmt.Sprintf("d%d", i)
		for range jobs + 1 {
			d, ok := e.claimFor(owner)
			if !ok {
				return
			}
			claimed[i] = append(claimed[i], d.ID)
		}
	})
	if e.t.Failed() {
		e.t.FailNow()
	}
	// Whatever the racers left is still there for the next claim.
	for {
		d, err := e.s.ClaimDelivery(e.ctx, "late", time.Minute)
		if errorsIsAny(err, store.ErrNotFound) {
			break
		}
		e.ok(err, "late claim")
		claimed = append(claimed, []string{d.ID})
	}
	seen := map[string]int{}
	for _, ids := range claimed {
		for _, id := range ids {
			seen[id]++
		}
	}
	for i := range jobs {
		id := fmt.Sprintf("al%02d.1", i)
		if seen[id] != 1 {
			e.t.Errorf("job %s claimed %d times", id, seen[id])
		}
		d := must(e.s.Delivery(e.ctx, id))
		if d.Claims != 1 {
			e.t.Errorf("job %s counts %d claims", id, d.Claims)
		}
		if c := must(e.s.DeliveryClaims(e.ctx, id)); len(c) != 1 || c[0].Owner != d.LeaseOwner {
			e.t.Errorf("job %s: claim records %+v, owner %s", id, c, d.LeaseOwner)
		}
	}
	if len(seen) != jobs {
		e.t.Errorf("%d jobs claimed, want %d", len(seen), jobs)
	}
	per := []int{}
	for _, ids := range claimed[:n] {
		per = append(per, len(ids))
	}
	e.t.Logf("jobs per dispatcher: %v", per)
}

// deliveryWithRetries is used by the admin tests: a job claimed once, with retries checkpointed.
func (e *env) deliveryWithRetries(alertID string) *store.Delivery {
	e.t.Helper()
	e.ok(e.s.EnqueueDelivery(e.ctx, alertID, 1, false), "enqueue")
	d := must(e.s.ClaimDelivery(e.ctx, "d1", time.Minute))
	d.Started, d.Total, d.Sent, d.Reached, d.Position = e.now(), 3, 1, 2, store.WalkPosition{After: report.NewID()}
	d.Retries = []store.DeliveryRetry{{SubscriptionID: "s", Endpoint: "https://push.example/r", P256dh: "k", Auth: "a",
		Lang: "en", Attempts: 1, Next: e.now().Add(time.Minute)}}
	d.Retrying = 1
	e.ok(e.s.SaveDeliveryProgress(e.ctx, "d1", d, e.now().Add(time.Minute)), "checkpoint")
	return d
}
