package push

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// inflightLimit adapts how many pushes are in flight to how fast the push service answers: a
// slow service needs many in flight for throughput, while against a fast one a large window
// is only CPU-bound goroutines and HTTP/2 streams that crowd page requests out of the
// scheduler.
//
// Like TCP Vegas, the window comes from Little's law: the completion rate times the smallest
// round trip seen lately (the service's own answer time, which, unlike the average, does not grow
// when this machine is the bottleneck), four times over as headroom so that it grows quickly
// when answers are slow. Pushes still in flight from earlier periods — a service that hangs —
// are added on top, so they never hold up the others.
//
// It measures real elapsed time, not the dispatcher's clock: a window and a round trip are
// durations on the wire, which a test clock that stands still or jumps would distort.
type inflightLimit struct {
	mu     sync.Mutex
	cond   *sync.Cond
	limit  int
	floor  int
	ceil   int
	active map[uint64]int // pushes in flight by the period they started in

	period    uint64        // the current measuring period
	epoch     time.Time     // when it started
	completed int           // completions in it
	minRTT    time.Duration // smallest round trip in it
	lastRTT   time.Duration // smallest round trip of the previous one
}

const inflightPeriod = 100 * time.Millisecond

func newInflightLimit(floor, ceil int) *inflightLimit {
	floor = min(floor, ceil)
	l := &inflightLimit{limit: floor, floor: floor, ceil: ceil, epoch: time.Now(), active: map[uint64]int{}}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *inflightLimit) inFlight() int {
	n := 0
	for _, c := range l.active {
		n += c
	}
	return n
}

// acquire waits for a place in flight and returns the period it started in, for release.
func (l *inflightLimit) acquire() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.inFlight() >= l.limit {
		l.cond.Wait()
	}
	l.active[l.period]++
	return l.period
}

// release gives a place back; rtt is the push's round trip on the wire, or 0 if it never got
// there.
func (l *inflightLimit) release(started uint64, rtt time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.active[started]--; l.active[started] == 0 {
		delete(l.active, started)
	}
	l.completed++
	if rtt > 0 && (l.minRTT == 0 || rtt < l.minRTT) {
		l.minRTT = rtt
	}
	l.maybeRecompute()
	l.cond.Signal() // one place freed: wake one waiter, not all of them
}

// tick is called every period, so that the window is recomputed even when nothing completes.
func (l *inflightLimit) tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maybeRecompute()
}

// maybeRecompute sets the window once a period is over, waking every waiter if it grew.
func (l *inflightLimit) maybeRecompute() {
	elapsed := time.Since(l.epoch)
	if elapsed < inflightPeriod {
		return
	}
	base := l.minRTT // the smallest round trip of this period or the previous one
	if l.lastRTT > 0 && (base == 0 || l.lastRTT < base) {
		base = l.lastRTT
	}
	rate := float64(l.completed) / elapsed.Seconds()
	target := int(4*rate*base.Seconds()) + l.floor
	old := 0 // in flight since before this period: slow or hanging
	for p, c := range l.active {
		if p < l.period {
			old += c
		}
	}
	prev := l.limit
	l.limit = min(max(target, l.floor)+old, l.ceil)
	if l.limit > prev {
		l.cond.Broadcast()
	}
	l.period++
	l.lastRTT, l.minRTT, l.completed, l.epoch = l.minRTT, 0, 0, time.Now()
}

type rttKey struct{}

// measuringTransport records how long a push took on the wire (from the moment the sender
// hands the encrypted request over to the answer's headers) for the in-flight limit.
type measuringTransport struct{ base http.RoundTripper }

func (t measuringTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if p, ok := req.Context().Value(rttKey{}).(*time.Duration); ok && err == nil {
		*p = time.Since(start)
	}
	return resp, err
}

// measured returns a copy of c whose transport records round trips.
func measured(c *http.Client) *http.Client {
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out := *c
	out.Transport = measuringTransport{base: base}
	return &out
}

func withRTT(ctx context.Context, p *time.Duration) context.Context {
	return context.WithValue(ctx, rttKey{}, p)
}
