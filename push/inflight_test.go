package push

import (
	"testing"
	"time"
)

// period completes n pushes with the given round trip as one measuring period of length d.
func (l *inflightLimit) runPeriod(n int, rtt, d time.Duration) {
	for range n - 1 {
		l.release(l.acquire(), rtt)
	}
	l.mu.Lock()
	l.epoch = time.Now().Add(-d) // the period is over: the next release recomputes
	l.mu.Unlock()
	l.release(l.acquire(), rtt)
}

func TestInflightLimitFollowsTheAnswerTime(t *testing.T) {
	l := newInflightLimit(64, 1000)
	if l.limit != 64 {
		t.Fatalf("starts at %d, want the floor", l.limit)
	}
	// A service that answers in 1 ms while this machine does 3,000 a second: a few dozen in
	// flight are enough, so the limit stays near the floor.
	for range 5 {
		l.runPeriod(300, time.Millisecond, inflightPeriod)
	}
	if l.limit > 100 {
		t.Fatalf("fast service: limit %d, want near 64", l.limit)
	}
	// A service that answers in 100 ms: after one period (the smallest round trip is taken over
	// two) the window grows every period until it hits the ceiling. Completions per period
	// follow the limit, as they do when latency is the bottleneck.
	slow := func() { l.runPeriod(l.limit, 100*time.Millisecond, 100*time.Millisecond+time.Millisecond) }
	slow()
	prev := l.limit
	for range 6 {
		slow()
		if l.limit < prev {
			t.Fatalf("slow service: limit fell from %d to %d", prev, l.limit)
		}
		prev = l.limit
	}
	if l.limit != 1000 {
		t.Fatalf("slow service: limit %d after seven periods, want the ceiling 1000", l.limit)
	}
	// Back to a fast service: the window shrinks again.
	for range 3 {
		l.runPeriod(300, time.Millisecond, inflightPeriod)
	}
	if l.limit > 100 {
		t.Fatalf("fast again: limit %d, want near 64", l.limit)
	}
}

func TestInflightLimitGrowsPastHangingPushes(t *testing.T) {
	l := newInflightLimit(64, 1000)
	for range 64 {
		l.acquire() // 64 pushes to a service that never answers
	}
	got := make(chan struct{})
	go func() { l.acquire(); close(got) }()
	for range 2 { // after two periods without an answer the 64 count as hanging, beside the window
		l.mu.Lock()
		l.epoch = time.Now().Add(-inflightPeriod)
		l.mu.Unlock()
		l.tick()
	}
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("a push waited behind hanging ones")
	}
	if l.limit < 128 {
		t.Fatalf("limit %d, want room beside the 64 hanging", l.limit)
	}
}
