package altcha

import (
	"math"
	"sync"
	"time"
)

// Adaptive difficulty. A flood of reports is answered by a dearer proof rather than by refusing
// people who share an address (a drop-in centre's wifi, an outreach tablet): the issuer counts
// the challenges it issues and the proofs it redeems, and while that count over the last
// FloodWindow is above FloodThreshold it doubles the maxnumber of new challenges once per
// doubling of the count, at most FloodDoublings times. When the flood stops the count slides out
// of the window and the difficulty falls back step by step within two windows.
//
// The numbers, with the ~40,000 SHA-256/s of a budget phone (see DefaultMaxNumber) and one
// worker: calm, 100,000 (1.25 s on average, 2.5 s at worst); from 30 events in 10 minutes,
// 200,000; from 60, 400,000; from 120, 800,000 (10 s on average, 20 s at worst), the ceiling,
// which keeps a cheap phone under half a minute. A person writing a report spends longer than
// that typing while the page solves in the background. A bot in Go pays about 0.1 s per report
// at the ceiling (BenchmarkSolveAtCeiling): still a price, eight times the calm one.
//
// The count is per process and nothing about it is shared: with several replicas each sees its
// share of the traffic, so the threshold is divided by the number of replicas (SetFlood).
const (
	FloodWindow    = 10 * time.Minute
	FloodThreshold = 30
	FloodDoublings = 3
)

// floodMeter estimates how many events happened in the last window from two fixed windows
// (the current one and the one before, weighted by how much of it still overlaps), which
// costs two counters instead of a timestamp per event.
type floodMeter struct {
	mu        sync.Mutex
	window    time.Duration
	start     time.Time // of the current fixed window
	cur, prev int
}

// advance moves the fixed windows up to now; mu must be held.
func (m *floodMeter) advance(now time.Time) {
	if m.start.IsZero() {
		m.start = now
	}
	if d := now.Sub(m.start); d >= m.window {
		if d >= 2*m.window {
			m.prev = 0
		} else {
			m.prev = m.cur
		}
		m.cur = 0
		m.start = m.start.Add(d / m.window * m.window)
	}
}

func (m *floodMeter) add(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.advance(now)
	m.cur++
}

// count is the estimated number of events in the window ending now.
func (m *floodMeter) count(now time.Time) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.advance(now)
	overlap := 1 - float64(now.Sub(m.start))/float64(m.window)
	return float64(m.cur) + float64(m.prev)*max(overlap, 0)
}

// SetFlood changes the adaptive difficulty: threshold events per window before the first
// doubling, and at most doublings doublings (0 turns adaptation off). Call it before the issuer
// is used; replicas behind one load balancer pass FloodThreshold divided by their number.
func (i *Issuer) SetFlood(threshold int, window time.Duration, doublings int) {
	i.threshold = float64(max(threshold, 1))
	i.doublings = max(doublings, 0)
	i.meter = &floodMeter{window: window}
}

// Level is how many times the difficulty of a challenge issued now is doubled.
func (i *Issuer) Level() int {
	if i.doublings == 0 {
		return 0
	}
	n := i.meter.count(i.now())
	if n < i.threshold {
		return 0
	}
	return min(1+int(math.Floor(math.Log2(n/i.threshold))), i.doublings)
}

// CurrentMaxNumber is the maxnumber a challenge issued now gets.
func (i *Issuer) CurrentMaxNumber() int64 { return doubled(i.maxNumber, i.Level()) }

// Ceiling is the highest maxnumber this issuer ever issues; Verify accepts numbers up to it.
func (i *Issuer) Ceiling() int64 { return doubled(i.maxNumber, i.doublings) }

// doubled is n doubled k times, stopping at the largest int64 rather than overflowing.
func doubled(n int64, k int) int64 {
	if k >= 63 || n > math.MaxInt64>>k {
		return math.MaxInt64
	}
	return n << k
}

// note counts one issued challenge or redeemed proof.
func (i *Issuer) note() {
	if i.doublings > 0 {
		i.meter.add(i.now())
	}
}
