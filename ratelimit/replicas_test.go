package ratelimit

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The limits the server uses, and a few awkward ones.
var allowances = []struct {
	rate   int
	period time.Duration
	burst  int
}{
	{10, time.Hour, 5},       // reports with a proof of work
	{3, time.Hour, 2},        // reports without
	{600, time.Minute, 120},  // the API
	{60, time.Minute, 20},    // form posts (checks, receipts)
	{7, time.Hour, 3},        // a period that does not divide evenly
	{1000, time.Second, 999}, // a sub-millisecond interval
}

// Without Replicas, or with 1, a limiter is exactly what it was before replicas were known.
func TestReplicasUnsetOrOneChangesNothing(t *testing.T) {
	for _, a := range allowances {
		interval := a.period / time.Duration(a.rate)
		for _, n := range []int{-1, 0, 1} {
			l := New(Options{Rate: a.rate, Period: a.period, Burst: a.burst, Replicas: n})
			if l.interval != interval || l.tolerance != time.Duration(a.burst)*interval {
				t.Errorf("%d/%v burst %d, Replicas %d: interval %v tolerance %v, want %v and %v",
					a.rate, a.period, a.burst, n, l.interval, l.tolerance, interval, time.Duration(a.burst)*interval)
			}
		}
	}
}

// greedy is a client that makes attempts requests every step, handing each to the replica
// pick chooses, and counts what all replicas together accept.
type greedy struct {
	replicas []*Limiter
	pick     func(i int) int
	attempts int
	sent     int
	accepted int
}

func (g *greedy) step() {
	for range g.attempts {
		if ok, _ := g.replicas[g.pick(g.sent)].Allow("203.0.113.7"); ok {
			g.accepted++
		}
		g.sent++
	}
}

// However a client spreads its requests over N replicas, they accept together no more than
// one replica alone accepts from a client that sends as fast as it can, at every moment; and
// a client that spreads them evenly (a round-robin balancer) still gets nearly the whole
// allowance in the long run.
func TestReplicaSharesNeverExceedOneProcess(t *testing.T) {
	for _, a := range allowances {
		for n := 2; n <= min(a.rate, a.burst, 5); n++ {
			spreads := map[string]func(int) int{
				"round robin": func(i int) int { return i % n },
				"random":      func(int) int { return rand.IntN(n) },
				"pairs":       func(i int) int { return i / 2 % n },
				"one replica": func(int) int { return 0 },
			}
			for name, pick := range spreads {
				t.Run(fmt.Sprintf("%d per %v burst %d, %d replicas, %s", a.rate, a.period, a.burst, n, name), func(t *testing.T) {
					c := newClock()
					single := &greedy{attempts: 3, pick: func(int) int { return 0 },
						replicas: []*Limiter{New(Options{Rate: a.rate, Period: a.period, Burst: a.burst, Now: c.Now})}}
					shared := &greedy{attempts: 3, pick: pick}
					for range n {
						shared.replicas = append(shared.replicas, New(Options{Rate: a.rate, Period: a.period, Burst: a.burst, Replicas: n, Now: c.Now}))
					}
					// Steps that do not divide the interval, over ten periods.
					dt := a.period/time.Duration(a.rate)/3 + 7
					start := c.Now()
					for ; c.Now().Before(start.Add(10 * a.period)); c.Advance(dt) {
						single.step()
						shared.step()
						if shared.accepted > single.accepted {
							t.Fatalf("after %v: %d replicas accepted %d, one alone %d",
								c.Now().Sub(start), n, shared.accepted, single.accepted)
						}
					}
					if name == "round robin" && shared.accepted < single.accepted*9/10 {
						t.Errorf("round robin over %d replicas got %d of the %d one replica allows", n, shared.accepted, single.accepted)
					}
					if name == "one replica" && shared.accepted > single.accepted/n+a.burst {
						t.Errorf("pinned to one of %d replicas: %d accepted, want about 1/%d of %d", n, shared.accepted, n, single.accepted)
					}
				})
			}
		}
	}
}

// The server's two report limits on two replicas, request by request: the issue saw 4
// unverified reports where one replica allows 2, and 10 verified where one allows 5.
func TestTwoReplicasSequences(t *testing.T) {
	const a = "203.0.113.7"
	t.Run("with proof: 10/hour burst 5", func(t *testing.T) {
		c := newClock()
		r1 := New(Options{Rate: 10, Period: time.Hour, Burst: 5, Replicas: 2, Now: c.Now})
		r2 := New(Options{Rate: 10, Period: time.Hour, Burst: 5, Replicas: 2, Now: c.Now})
		run(t, r1, c, []step{{0, a, true, 0}})
		run(t, r2, c, []step{{0, a, true, 0}})
		run(t, r1, c, []step{{0, a, true, 0}})
		run(t, r2, c, []step{{0, a, true, 0}})
		// Four, not five: a replica holds two and a half tokens, and the halves meet only
		// after 6 minutes, when one alone would have refilled one token too.
		run(t, r1, c, []step{{0, a, false, 6 * time.Minute}})
		run(t, r2, c, []step{{0, a, false, 6 * time.Minute}})
		run(t, r1, c, []step{{6 * time.Minute, a, true, 0}, {0, a, false, 12 * time.Minute}})
		run(t, r2, c, []step{{0, a, true, 0}, {0, a, false, 12 * time.Minute}})
	})
	t.Run("without proof: 3/hour burst 2", func(t *testing.T) {
		c := newClock()
		r1 := New(Options{Rate: 3, Period: time.Hour, Burst: 2, Replicas: 2, Now: c.Now})
		r2 := New(Options{Rate: 3, Period: time.Hour, Burst: 2, Replicas: 2, Now: c.Now})
		run(t, r1, c, []step{{0, a, true, 0}, {0, a, false, 40 * time.Minute}})
		run(t, r2, c, []step{{0, a, true, 0}, {0, a, false, 40 * time.Minute}})
		run(t, r1, c, []step{{40 * time.Minute, a, true, 0}})
		run(t, r2, c, []step{{0, a, true, 0}}) // 4 in 40 minutes; one alone: 2 + 2
	})
}

// A share never rounds to nothing: with more replicas than the rate or the burst, each still
// takes one request at once and one more per period.
func TestReplicaShareNeverZero(t *testing.T) {
	for _, o := range []Options{
		{Rate: 1, Period: time.Hour, Burst: 1, Replicas: 5},
		{Rate: 3, Period: time.Hour, Burst: 2, Replicas: 4},
		{Rate: 3, Period: time.Hour, Burst: 2, Replicas: 1000},
		{Rate: 10, Period: time.Hour, Burst: 1, Replicas: 3},
	} {
		c := newClock()
		o.Now = c.Now
		l := New(o)
		if ok, _ := l.Allow("a"); !ok {
			t.Errorf("%+v: the first request was refused", o)
			continue
		}
		ok, retry := l.Allow("a")
		if ok || retry <= 0 || retry > o.Period {
			t.Errorf("%+v: second request at once: %v, retry after %v; want refused, retry within a period", o, ok, retry)
		}
		c.Advance(o.Period)
		if ok, _ := l.Allow("a"); !ok {
			t.Errorf("%+v: refused a period later", o)
		}
	}
}
