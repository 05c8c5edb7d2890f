// Package ratelimit limits requests per client address without keeping a
// record of who the clients are.
//
// The service promises reporters that it stores no IP addresses, yet it must
// stop one address from flooding the report queue. A Limiter reconciles the
// two:
//
//   - Addresses are never stored. A bucket is keyed by the first 8 bytes of
//     HMAC-SHA256(key, address). The key comes from crypto/rand, lives only in
//     this process's memory, is never logged or persisted, and is replaced
//     every day (by default). Without the key the stored values cannot be
//     linked to addresses, not even by trying all 2^32 IPv4 addresses; after
//     a restart or a rotation nobody, including us, can.
//   - On rotation all buckets are dropped, since they are keyed by a key that
//     no longer exists. That can hand every client a fresh burst once a day,
//     which is a fair price for not linking days together.
//   - Memory is bounded by Options.MaxKeys. Buckets live in two generations of
//     at most MaxKeys/2 each; when the current one is full the older one is
//     dropped whole, in O(1), so a flood of distinct addresses can neither
//     grow memory nor make a request wait on a sweep. A dropped client simply
//     starts again with a full bucket: the limiter fails open, which is the
//     right bias for a safety service, and an attacker who can cycle through
//     MaxKeys/2 addresses was not going to be stopped per address anyway.
//
// Each bucket is a token bucket (implemented as GCRA, one int64 per key): it
// holds up to Burst tokens and refills at Rate per Period.
//
// Several replicas behind one load balancer do not share buckets: nothing
// about a client leaves the process, not even a keyed hash, since a shared
// counter would need a key shared through the database or the environment,
// and whoever holds that key and a copy of the counters could test every IPv4
// address against them. Instead each replica enforces its share of the
// allowance (Options.Replicas): with N replicas a bucket refills N times
// more slowly and holds 1/N of the burst (in time, so shares need not be
// whole tokens). However a client's requests are spread over the replicas,
// the total accepted across all of them never exceeds what one replica alone
// accepts, as long as Rate and Burst are at least N; below that each replica
// still allows at least one event per Period and a burst of one, so the
// total can reach N where one replica alone allows fewer. A client whose
// requests all land on one replica gets 1/N of the allowance.
package ratelimit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxKeys bounds a Limiter's memory when Options.MaxKeys is not set:
// 100,000 buckets take a few megabytes.
const DefaultMaxKeys = 100_000

// DefaultKeyLifetime is how long one HMAC key, and with it every bucket, is
// kept.
const DefaultKeyLifetime = 24 * time.Hour

// Options configures a Limiter.
type Options struct {
	// Rate events are allowed per Period on average: a bucket refills one
	// token every Period/Rate. Both must be positive.
	Rate   int
	Period time.Duration
	// Burst is how many events may come at once (the bucket's size);
	// values below 1 mean 1.
	Burst int
	// MaxKeys bounds the number of buckets kept; 0 means DefaultMaxKeys.
	// Values below 2 mean 2.
	MaxKeys int
	// KeyLifetime is how long an HMAC key lives before it is replaced and
	// all buckets dropped; 0 means DefaultKeyLifetime (daily).
	KeyLifetime time.Duration
	// Replicas is how many processes behind one load balancer share the
	// allowance Rate and Burst describe; each enforces its share, 1/Replicas
	// of it, but never less than one event per Period and a burst of one.
	// Values below 2 mean this process alone has the whole allowance.
	Replicas int
	// Now is the clock; nil means time.Now. Tests inject one.
	Now func() time.Time
}

// Limiter is a per-address rate limiter. It is safe for concurrent use. The
// API uses several, with different options, for different routes.
type Limiter struct {
	interval  time.Duration // one token: Period/Rate
	tolerance time.Duration // the bucket: Burst*interval
	half      int           // capacity of one generation: MaxKeys/2
	lifetime  time.Duration
	now       func() time.Time

	epoch atomic.Pointer[epoch] // current key; replaced under mu

	mu   sync.Mutex
	cur  map[uint64]time.Duration // key id -> theoretical arrival time since epoch.start
	prev map[uint64]time.Duration // the older generation, dropped when cur fills
}

// epoch is one HMAC key's lifetime. The key itself is captured only by the
// pool's constructor, so it exists nowhere but in the hashers' state.
type epoch struct {
	start time.Time
	pool  sync.Pool // of *hasher keyed with this epoch's key
}

// hasher is a reusable HMAC-SHA256 with scratch space, so that hashing an
// address allocates nothing.
type hasher struct {
	mac hash.Hash
	in  []byte
	out [sha256.Size]byte
}

func newEpoch(start time.Time) *epoch {
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand panics instead since Go 1.24)
	e := &epoch{start: start}
	e.pool.New = func() any { return &hasher{mac: hmac.New(sha256.New, key)} }
	return e
}

// id is the bucket identity of addr: 64 bits of HMAC-SHA256(key, addr).
// Collisions (two addresses sharing a bucket) need about 4 billion keys to
// become likely and cannot be aimed at without the key.
func (e *epoch) id(addr string) uint64 {
	h := e.pool.Get().(*hasher)
	h.mac.Reset()
	h.in = append(h.in[:0], addr...)
	h.mac.Write(h.in)
	sum := h.mac.Sum(h.out[:0])
	id := binary.LittleEndian.Uint64(sum[:8])
	clear(h.in) // do not leave the address lying around in the pool
	e.pool.Put(h)
	return id
}

// New returns a Limiter. It panics if Rate or Period is not positive, a
// configuration mistake that would otherwise either block everyone or no one.
func New(opts Options) *Limiter {
	if opts.Rate <= 0 || opts.Period <= 0 {
		panic("ratelimit: Rate and Period must be positive")
	}
	interval, tolerance := share(opts.Rate, opts.Period, max(opts.Burst, 1), opts.Replicas)
	maxKeys := opts.MaxKeys
	if maxKeys == 0 {
		maxKeys = DefaultMaxKeys
	}
	maxKeys = max(maxKeys, 2)
	lifetime := opts.KeyLifetime
	if lifetime <= 0 {
		lifetime = DefaultKeyLifetime
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	l := &Limiter{
		interval:  interval,
		tolerance: tolerance,
		half:      maxKeys / 2,
		lifetime:  lifetime,
		now:       now,
		cur:       map[uint64]time.Duration{},
	}
	l.epoch.Store(newEpoch(now()))
	return l
}

// share returns the GCRA parameters of one replica's share of an allowance of
// rate per period with the given burst, shared by replicas processes: the
// time one token takes to refill, and the size of the bucket in time.
//
// One process alone refills a token every period/rate and holds burst of
// them. A share refills replicas times more slowly but keeps the bucket's size
// in time, so it holds burst/replicas tokens, fractions included: after any
// pattern of requests spread over the replicas, the total accepted in a window
// of length T is at most replicas*floor((T+burst*period/rate)/(replicas*period/rate)),
// never more than the T*rate/period+burst one process allows. Two floors keep
// a share from rounding to nothing: a token at least every period, and a
// bucket of at least one token; they lift the total above one process's only
// where rate or burst is below replicas.
func share(rate int, period time.Duration, burst, replicas int) (interval, tolerance time.Duration) {
	interval = max(period/time.Duration(rate), 1)
	tolerance = time.Duration(burst) * interval
	if replicas <= 1 {
		return interval, tolerance
	}
	n := time.Duration(replicas)
	if replicas >= rate {
		interval = period // at least one per period
	} else {
		// period*replicas/rate rounded down, without overflow; it is never
		// below replicas*(period/rate), so rounding cannot tip the total over.
		r := time.Duration(rate)
		interval = max(period/r*n+period%r*n/r, 1)
	}
	return interval, max(tolerance, interval) // a burst of at least one
}

// Allow reports whether an event from addr may proceed now and spends a
// token if so. If not, retryAfter is how long until the next token (for a
// Retry-After header, rounded up to whole seconds); a denied call spends
// nothing. Allow never blocks on anything but a short critical section.
//
// addr is whatever identifies a client: use [AddrKey] to turn an IP address
// into one. All callers passing "" share one bucket.
func (l *Limiter) Allow(addr string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	e := l.epoch.Load()
	if now.Sub(e.start) >= l.lifetime {
		e = l.rotate(now)
	}
	id := e.id(addr) // hash outside the lock

	l.mu.Lock()
	defer l.mu.Unlock()
	if cur := l.epoch.Load(); cur != e { // rotated meanwhile (rare)
		e = cur
		id = e.id(addr)
	}
	t := now.Sub(e.start)

	tat, found := l.cur[id]
	promote := false
	if !found {
		if tat, found = l.prev[id]; found {
			delete(l.prev, id)
			promote = true
		}
	}
	if !found || tat < t {
		tat = t // a full (or new) bucket
	}
	next := tat + l.interval
	if allowAt := next - l.tolerance; t < allowAt {
		if promote {
			l.put(id, tat)
		}
		return false, allowAt - t
	}
	l.put(id, next)
	return true, 0
}

// put stores a bucket in the current generation, first retiring the current
// generation to prev (and dropping the old prev) if it is full. Both
// generations hold at most half entries each, so the total never exceeds
// MaxKeys.
func (l *Limiter) put(id uint64, tat time.Duration) {
	if _, ok := l.cur[id]; !ok && len(l.cur) >= l.half {
		l.prev = l.cur
		l.cur = make(map[uint64]time.Duration)
	}
	l.cur[id] = tat
}

// rotate replaces the key and drops every bucket, unless another goroutine
// already did so for this period.
func (l *Limiter) rotate(now time.Time) *epoch {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.epoch.Load()
	if now.Sub(e.start) >= l.lifetime {
		e = newEpoch(now)
		l.epoch.Store(e)
		l.cur = make(map[uint64]time.Duration)
		l.prev = nil
	}
	return e
}

// Len returns the number of buckets currently kept (for metrics and tests).
// It never exceeds MaxKeys.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.cur) + len(l.prev)
}

// AddrKey returns the string to rate-limit a client address by: an IPv4
// address as is, an IPv6 address as its /64 prefix. One IPv6 subscriber is
// routinely given a whole /64, so limiting single IPv6 addresses would let
// one machine walk through 2^64 fresh buckets. IPv4-mapped IPv6 addresses
// count as IPv4, and zones are ignored.
func AddrKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, err := a.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return a.String()
}
