package altcha

import (
	"context"
	"testing"
	"time"
)

// movingClock is a clock a test moves by hand.
type movingClock struct{ t time.Time }

func (c *movingClock) now() time.Time { return c.t }

// issuedMax issues one challenge and returns its maxnumber, as a client sees it.
func issuedMax(t *testing.T, iss *Issuer) int64 {
	t.Helper()
	ch, err := iss.New()
	if err != nil {
		t.Fatal(err)
	}
	return ch.MaxNumber
}

// Under a flood the challenges a client gets are harder, step by step up to the ceiling, and
// once the flood stops they become easy again; a calm trickle never raises them.
func TestDifficultyRisesUnderFloodAndDecays(t *testing.T) {
	clock := &movingClock{testNow}
	iss := NewIssuer(testKey, DefaultMaxNumber, 0, clock.now)

	// Calm: a report every five minutes for two hours (a challenge per form, a proof per report).
	for range 24 {
		if got := issuedMax(t, iss); got != DefaultMaxNumber {
			t.Fatalf("calm: maxnumber %d, want %d", got, DefaultMaxNumber)
		}
		clock.t = clock.t.Add(5 * time.Minute)
	}

	// A flood: a challenge every two seconds. The difficulty doubles as the count crosses 30,
	// 60 and 120 in the window, and stops at the ceiling.
	seen := map[int64]bool{}
	var last int64
	for range 300 {
		got := issuedMax(t, iss)
		if got < last {
			t.Fatalf("difficulty fell during the flood: %d after %d", got, last)
		}
		last = got
		seen[got] = true
		clock.t = clock.t.Add(2 * time.Second)
	}
	for _, want := range []int64{100_000, 200_000, 400_000, 800_000} {
		if !seen[want] {
			t.Errorf("the flood never issued maxnumber %d (saw %v)", want, seen)
		}
	}
	if last != 800_000 || iss.Ceiling() != 800_000 {
		t.Errorf("at the height of the flood maxnumber %d, ceiling %d; want 800000 both", last, iss.Ceiling())
	}

	// The flood stops: minute by minute the level steps down, through the levels between, and
	// two windows later challenges are as easy as before.
	levels := map[int]bool{}
	prev := FloodDoublings
	for range 2 * int(FloodWindow/time.Minute) {
		clock.t = clock.t.Add(time.Minute)
		lvl := iss.Level()
		if lvl > prev {
			t.Fatalf("the level rose from %d to %d after the flood", prev, lvl)
		}
		prev = lvl
		levels[lvl] = true
	}
	if !levels[1] || !levels[2] {
		t.Errorf("after the flood the levels went %v, want a step down through 2 and 1", levels)
	}
	if got := issuedMax(t, iss); got != DefaultMaxNumber {
		t.Errorf("two windows after the flood maxnumber %d, want %d", got, DefaultMaxNumber)
	}
}

// Redeemed proofs count too: a flood of reports whose challenges another replica issued still
// makes this replica's challenges harder.
func TestRedeemedProofsRaiseDifficulty(t *testing.T) {
	clock := &movingClock{testNow}
	other := NewIssuer(testKey, 1000, 0, clock.now)
	other.SetFlood(FloodThreshold, FloodWindow, 0)
	iss := NewIssuer(testKey, 1000, 0, clock.now)
	spent := &memStore{}
	for range 40 {
		ch, n := newSolved(t, other)
		if err := iss.Redeem(context.Background(), spent, Payload(ch, n)); err != nil {
			t.Fatal(err)
		}
	}
	if got := iss.CurrentMaxNumber(); got != 2000 {
		t.Errorf("after 40 reports in a moment maxnumber %d, want 2000", got)
	}
}

// TestFloodFigures logs what a flood does to the issued difficulty and what the ceiling costs a
// solver in Go, for docs/performance.md.
func TestFloodFigures(t *testing.T) {
	clock := &movingClock{testNow}
	iss := NewIssuer(testKey, DefaultMaxNumber, 0, clock.now)
	for _, perMinute := range []int{1, 3, 6, 12, 60} {
		clock.t = clock.t.Add(3 * FloodWindow) // forget the previous rate
		var got int64
		for range 10 * perMinute {
			got = issuedMax(t, iss)
			clock.t = clock.t.Add(time.Minute / time.Duration(perMinute))
		}
		t.Logf("%3d challenges a minute for 10 minutes: maxnumber %d", perMinute, got)
	}
	ceiling := NewIssuer(testKey, DefaultMaxNumber<<FloodDoublings, 0, clock.now)
	ceiling.SetFlood(FloodThreshold, FloodWindow, 0)
	start := time.Now()
	const n = 5
	for range n {
		newSolved(t, ceiling)
	}
	t.Logf("Go solves a challenge at the ceiling (maxnumber %d) in %v on average", ceiling.MaxNumber(), time.Since(start)/n)
}

func BenchmarkSolveAtCeiling(b *testing.B) {
	iss := NewIssuer(testKey, DefaultMaxNumber<<FloodDoublings, 0, fixedClock(testNow))
	iss.SetFlood(FloodThreshold, FloodWindow, 0)
	for b.Loop() {
		ch, err := iss.New()
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := Solve(ch); !ok {
			b.Fatal("unsolvable")
		}
	}
}
