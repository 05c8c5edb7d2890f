// Package pushtest is a fake Web Push service that proves delivery.
//
// Heads Up sends alerts through real push services (FCM, Mozilla autopush,
// Apple) that only answer "201 Created"; they never tell the sender whether
// the message could actually be read by the browser. This fake does what a
// browser would do with every message it accepts: it checks the VAPID
// token (RFC 8292), decrypts the aes128gcm payload (RFC 8291, RFC 8188) with
// the subscription's private key and records the plaintext. A test that
// sees Count() go up therefore knows that the dispatcher sent something a
// user agent can decrypt, with the right headers, to the right endpoint.
//
// Subscriptions are minted with real key pairs derived from a seed (see
// Keys), so the server never stores 100,000 private keys and a benchmark
// client in another process (see cmd/fakepush) can compute the same
// subscriptions. Fault injection (Fail, FailAll) reproduces the answers the
// dispatcher must handle: 404/410 (gone), 413, 429 with Retry-After, 5xx.
//
// Requests are validated before injected faults are applied, so a malformed
// request is reported as such even while an endpoint is made to fail.
package pushtest

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// numShards spreads per-endpoint state over independent locks so that
// ~10,000 requests/s from many goroutines do not serialise on one mutex.
const numShards = 64

// Options configures a fake push service. The zero value is a plain-HTTP
// server that records payloads and derives keys from DefaultSeed.
type Options struct {
	// TLS serves HTTPS with HTTP/2 (ALPN h2, falling back to http/1.1), as
	// every real push service does. Use it whenever connection reuse and
	// stream multiplexing matter, e.g. when tuning the dispatcher's client.
	TLS bool
	// Delay is slept before answering each push request, to simulate the
	// round trip to a push service on the internet. Without it a local fake
	// answers in microseconds and hides concurrency limits in the sender.
	Delay time.Duration
	// Seed determines every subscription's keys (see Keys). Empty means
	// DefaultSeed.
	Seed []byte
	// NoPayloads keeps counts only and drops decrypted payloads, so a
	// benchmark over 100,000 endpoints does not hold every message in
	// memory. Messages are still decrypted and verified. (The field is the
	// negative of "record payloads" so that the zero Options records them.)
	NoPayloads bool
	// VAPIDKey, if set (base64url uncompressed P-256 public key), makes every
	// subscription behave as if created with that applicationServerKey: a
	// valid token signed by any other key is answered 403 (RFC 8292 section
	// 4.2), as real services do after a VAPID key rotation.
	VAPIDKey string
	// Listener, if set, is served instead of a fresh loopback port. The
	// server takes ownership and closes it. cmd/fakepush uses it for -addr.
	Listener net.Listener
	// Certificate, if set and TLS is true, replaces httptest's built-in
	// certificate (which is only valid for 127.0.0.1, ::1 and example.com).
	Certificate *tls.Certificate
}

// Message is one push message that was accepted (201), after decryption.
// The JSON form is what GET /received/{n} serves (Payload in base64).
type Message struct {
	Index      int       `json:"index"`      // endpoint index n of /push/{n}
	Payload    []byte    `json:"payload"`    // decrypted plaintext, padding removed
	TTL        int       `json:"ttl"`        // TTL header, seconds
	Urgency    string    `json:"urgency"`    // Urgency header, "" if absent
	Topic      string    `json:"topic"`      // Topic header, "" if absent
	Subscriber string    `json:"subscriber"` // VAPID "sub" claim
	VAPIDKey   string    `json:"vapidKey"`   // VAPID public key (k=), base64url without padding
	Proto      string    `json:"proto"`      // HTTP protocol of the request, e.g. "HTTP/2.0"
	Received   time.Time `json:"received"`   // when the fake accepted it
}

// Server is a running fake push service. All methods are safe for
// concurrent use.
type Server struct {
	ts     *httptest.Server
	client *http.Client
	opts   Options
	seed   []byte

	keys sync.Map // int -> *subKeys; derived once per endpoint

	tokensMu sync.Mutex
	tokens   map[tokenKey]vapidIdentity // verified identities

	// mu makes Reset atomic with respect to recording: request handlers
	// hold it shared while they touch counters, Reset holds it exclusively.
	mu       sync.RWMutex
	shards   [numShards]shard
	total    atomic.Int64
	distinct atomic.Int64
	statuses [600]atomic.Int64 // non-201 answers by status code
	global   atomic.Pointer[fault]

	waitMu  sync.Mutex
	waitCh  chan struct{} // closed and replaced when total grows and someone waits
	waiters atomic.Int32
}

// tokenKey is what a verified token is remembered by: the same header is valid for one
// origin only (its aud). A struct, not the two strings joined, so a lookup allocates nothing.
type tokenKey struct{ origin, header string }

// bodyPool holds request bodies. One read into a MaxBody+1 buffer, decrypted in place,
// replaces io.ReadAll's growing copies and a second buffer for the plaintext: most of the
// fake's garbage per push, and its collector shares the two cores with the dispatcher it
// measures.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, MaxBody+1); return &b }}

type shard struct {
	mu  sync.Mutex
	eps map[int]*endpoint
	_   [40]byte // keep neighbouring shard locks off one cache line
}

type endpoint struct {
	count int
	msgs  []Message
	fault *fault
}

type subKeys struct {
	priv *ecdh.PrivateKey
	auth []byte
}

// fault is an injected answer. remaining is atomic because the global
// fault is shared by all endpoints without a lock.
type fault struct {
	status     int
	retryAfter time.Duration
	forever    bool
	remaining  atomic.Int64
}

// take reports whether the fault fires for this request, consuming one use.
func (f *fault) take() bool {
	if f == nil {
		return false
	}
	if f.forever {
		return true
	}
	for {
		r := f.remaining.Load()
		if r <= 0 {
			return false
		}
		if f.remaining.CompareAndSwap(r, r-1) {
			return true
		}
	}
}

// New starts a fake push service. It is built on net/http/httptest so tests
// get a loopback listener, a trusted certificate and clean shutdown for free.
// Call Close when done.
func New(opts Options) *Server {
	// The seed is copied: a caller reusing its slice must not change the
	// keys of subscriptions it has already handed out.
	s := &Server{opts: opts, seed: bytes.Clone(opts.Seed), waitCh: make(chan struct{}), tokens: map[tokenKey]vapidIdentity{}}
	if len(s.seed) == 0 {
		s.seed = DefaultSeed
	}
	for i := range s.shards {
		s.shards[i].eps = make(map[int]*endpoint)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /push/{n}", s.handlePush)
	mux.HandleFunc("GET /stats", s.handleStats)
	mux.HandleFunc("POST /reset", s.handleReset)
	mux.HandleFunc("GET /received/{n}", s.handleReceived)

	ts := httptest.NewUnstartedServer(mux)
	ts.Config.ErrorLog = log.New(quietHandshakes{os.Stderr}, "", log.LstdFlags)
	if opts.Listener != nil {
		ts.Listener.Close()
		ts.Listener = opts.Listener
	}
	s.ts = ts

	tr := &http.Transport{
		// A fake on loopback never needs a proxy; ignoring HTTPS_PROXY keeps
		// test results independent of the developer's environment.
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		// Many idle connections so that HTTP/1.1 benchmarks (TLS false) do
		// not churn connections; with HTTP/2 one connection carries many
		// streams and more are opened when the server's stream limit is hit.
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 1024,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	if opts.TLS {
		ts.EnableHTTP2 = true
		// Offer h2 and http/1.1 like real push services; httptest alone
		// would offer only h2 and refuse HTTP/1.1-only clients.
		ts.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
		if opts.Certificate != nil {
			ts.TLS.Certificates = []tls.Certificate{*opts.Certificate}
		}
		ts.StartTLS()
		pool := x509.NewCertPool()
		pool.AddCert(ts.Certificate())
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		// A custom TLSClientConfig disables HTTP/2 unless forced.
		tr.ForceAttemptHTTP2 = true
	} else {
		ts.Start()
	}
	s.client = &http.Client{Transport: tr}
	return s
}

// URL is the base URL of the service, e.g. "https://127.0.0.1:43123".
func (s *Server) URL() string { return s.ts.URL }

// Client returns an HTTP client that trusts the server's certificate and
// speaks HTTP/2 to it when TLS is on. It has no timeout: the code under
// test is expected to bring its own deadlines. The same client is returned
// on every call so connections are shared.
func (s *Server) Client() *http.Client { return s.client }

// Certificate returns the server's TLS certificate, or nil without TLS.
func (s *Server) Certificate() *x509.Certificate { return s.ts.Certificate() }

// Close shuts the server down, waiting for in-flight requests.
func (s *Server) Close() {
	s.client.CloseIdleConnections()
	s.ts.Close()
}

// Seed returns the seed subscriptions are derived from.
func (s *Server) Seed() []byte { return append([]byte(nil), s.seed...) }

// Subscription returns subscription i (i >= 0) of this server.
func (s *Server) Subscription(i int) Subscription {
	if i < 0 {
		panic(fmt.Sprintf("pushtest: negative subscription index %d", i))
	}
	// Going through the cache means minting also warms it for the requests
	// that will follow, and the key is derived only once.
	k := s.keysFor(i)
	return subscriptionFrom(s.URL(), i, k.priv, k.auth)
}

// Mint returns subscriptions 0..n-1.
func (s *Server) Mint(n int) []Subscription {
	subs := make([]Subscription, n)
	for i := range subs {
		subs[i] = s.Subscription(i)
	}
	return subs
}

func (s *Server) keysFor(i int) *subKeys {
	if v, ok := s.keys.Load(i); ok {
		return v.(*subKeys)
	}
	priv, auth := Keys(s.seed, i)
	v, _ := s.keys.LoadOrStore(i, &subKeys{priv: priv, auth: auth})
	return v.(*subKeys)
}

func (s *Server) shardFor(n int) *shard { return &s.shards[uint(n)%numShards] }

// Received returns the messages accepted for endpoint n, oldest first.
// It is empty when Options.NoPayloads is set.
func (s *Server) Received(n int) []Message {
	sh := s.shardFor(n)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ep := sh.eps[n]
	if ep == nil || len(ep.msgs) == 0 {
		return nil
	}
	return append([]Message(nil), ep.msgs...)
}

// Count is the number of messages accepted (answered 201) since New or
// the last Reset.
func (s *Server) Count() int { return int(s.total.Load()) }

// CountFor is the number of messages accepted for endpoint n.
func (s *Server) CountFor(n int) int {
	sh := s.shardFor(n)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if ep := sh.eps[n]; ep != nil {
		return ep.count
	}
	return 0
}

// Distinct is the number of endpoints that accepted at least one message.
// Comparing it with Count shows duplicate deliveries (for example after a
// dispatcher resumed from a checkpoint).
func (s *Server) Distinct() int { return int(s.distinct.Load()) }

// Rejected returns how many requests were answered with each non-201
// status (validation failures and injected faults alike).
func (s *Server) Rejected() map[int]int {
	m := make(map[int]int)
	for code := range s.statuses {
		if v := s.statuses[code].Load(); v > 0 {
			m[code] = int(v)
		}
	}
	return m
}

// Reset forgets all messages, counters and injected faults, so one server
// can serve several phases of a test. Derived keys are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.eps = make(map[int]*endpoint)
		sh.mu.Unlock()
	}
	s.total.Store(0)
	s.distinct.Store(0)
	for i := range s.statuses {
		s.statuses[i].Store(0)
	}
	s.global.Store(nil)
}

// WaitFor blocks until at least count messages have been accepted or ctx
// ends. It lets a test wait for an asynchronous dispatcher without sleeping.
func (s *Server) WaitFor(ctx context.Context, count int) error {
	s.waiters.Add(1)
	defer s.waiters.Add(-1)
	for {
		// Take the channel before reading the count: a message recorded
		// after the read closes this channel, so no wake-up is lost.
		s.waitMu.Lock()
		ch := s.waitCh
		s.waitMu.Unlock()
		if s.Count() >= count {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("pushtest: waiting for %d messages, have %d: %w", count, s.Count(), ctx.Err())
		}
	}
}

func newFault(status int, retryAfter time.Duration, times int) *fault {
	if status < 100 || status > 599 {
		panic(fmt.Sprintf("pushtest: invalid status %d", status))
	}
	f := &fault{status: status, retryAfter: retryAfter, forever: times <= 0}
	f.remaining.Store(int64(times))
	return f
}

// Fail makes endpoint n answer status for its next times requests (times
// <= 0: until cleared). A positive retryAfter is sent as Retry-After in
// whole seconds, rounded up, as push services do with 429 and 503.
// Status 0 clears the endpoint's fault. An endpoint fault takes precedence
// over FailAll's.
func (s *Server) Fail(n int, status int, retryAfter time.Duration, times int) {
	if n < 0 {
		panic(fmt.Sprintf("pushtest: negative endpoint index %d", n))
	}
	var f *fault
	if status != 0 {
		f = newFault(status, retryAfter, times)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh := s.shardFor(n)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ep := sh.eps[n]
	if ep == nil {
		if f == nil {
			return
		}
		ep = &endpoint{}
		sh.eps[n] = ep
	}
	ep.fault = f
}

// FailAll is Fail for every endpoint at once, e.g. to simulate an outage
// (500/503) or a service-wide rate limit (429). The times budget is shared
// by all endpoints. Status 0 clears it.
func (s *Server) FailAll(status int, retryAfter time.Duration, times int) {
	if status == 0 {
		s.global.Store(nil)
		return
	}
	s.global.Store(newFault(status, retryAfter, times))
}

// injected returns the fault that fires for endpoint n, if any.
func (s *Server) injected(n int) *fault {
	sh := s.shardFor(n)
	sh.mu.Lock()
	ep := sh.eps[n]
	var f *fault
	if ep != nil {
		f = ep.fault
	}
	sh.mu.Unlock()
	if f.take() {
		return f
	}
	if g := s.global.Load(); g.take() {
		return g
	}
	return nil
}

func (s *Server) record(m Message) int64 {
	s.mu.RLock()
	sh := s.shardFor(m.Index)
	sh.mu.Lock()
	ep := sh.eps[m.Index]
	if ep == nil {
		ep = &endpoint{}
		sh.eps[m.Index] = ep
	}
	ep.count++
	first := ep.count == 1
	if !s.opts.NoPayloads {
		ep.msgs = append(ep.msgs, m)
	}
	sh.mu.Unlock()
	if first {
		s.distinct.Add(1)
	}
	seq := s.total.Add(1)
	s.mu.RUnlock()

	if s.waiters.Load() > 0 {
		s.waitMu.Lock()
		close(s.waitCh)
		s.waitCh = make(chan struct{})
		s.waitMu.Unlock()
	}
	return seq
}

// reject answers a request the way a push service would refuse it, with a
// short reason in the body so failing tests are easy to read.
func (s *Server) reject(w http.ResponseWriter, status int, retryAfter time.Duration, reason string) {
	s.mu.RLock()
	s.statuses[status].Add(1)
	s.mu.RUnlock()
	if retryAfter > 0 {
		secs := int64((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	http.Error(w, reason, status)
}

var urgencies = map[string]bool{"very-low": true, "low": true, "normal": true, "high": true}

// validTopic applies RFC 8030 section 5.4: at most 32 characters from the
// base64url alphabet. Real services reject other topics with 400, which a
// dispatcher using a raw alert id (a UUID has 36 characters) would hit.
func validTopic(t string) bool {
	if len(t) == 0 || len(t) > 32 {
		return false
	}
	for _, c := range []byte(t) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// parseTTL accepts only a plain non-negative decimal (RFC 8030 section 5.2
// defines TTL as delta-seconds), rejecting "+5", "-1", "1.5" and "".
func parseTTL(v string) (int, bool) {
	if v == "" || len(v) > 10 {
		return 0, false
	}
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("n")
	index, err := strconv.Atoi(raw)
	if err != nil || index < 0 || strconv.Itoa(index) != raw {
		s.reject(w, http.StatusNotFound, 0, "no such subscription")
		return
	}

	if d := s.opts.Delay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the sender gave up; nothing to answer
		}
	}

	// Canonical header names ("Ttl", not "TTL"): Get canonicalises its argument, which
	// allocates a new string for every request when the name is not canonical already.
	ttlHeader := r.Header.Get("Ttl")
	ttl, ok := parseTTL(ttlHeader)
	if !ok {
		s.reject(w, http.StatusBadRequest, 0, fmt.Sprintf("TTL header %q must be a non-negative integer (RFC 8030 section 5.2)", ttlHeader))
		return
	}
	urgency := r.Header.Get("Urgency")
	if urgency != "" && !urgencies[urgency] {
		s.reject(w, http.StatusBadRequest, 0, fmt.Sprintf("Urgency %q is not very-low, low, normal or high (RFC 8030 section 5.3)", urgency))
		return
	}
	topic := r.Header.Get("Topic")
	if topic != "" && !validTopic(topic) {
		s.reject(w, http.StatusBadRequest, 0, fmt.Sprintf("Topic %q must be at most 32 base64url characters (RFC 8030 section 5.4)", topic))
		return
	}

	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// The origin is the one the sender reached us at, which is what a real
	// push service compares aud with; for httptest it equals URL().
	id, verr := s.authorize(r.Header.Get("Authorization"), scheme+"://"+r.Host, time.Now())
	if verr != nil {
		s.reject(w, verr.status, 0, verr.reason)
		return
	}

	ce := r.Header.Get("Content-Encoding")
	if ce == "" {
		s.reject(w, http.StatusBadRequest, 0, "missing Content-Encoding: aes128gcm (RFC 8291)")
		return
	}
	if !strings.EqualFold(ce, "aes128gcm") {
		s.reject(w, http.StatusUnsupportedMediaType, 0, fmt.Sprintf("Content-Encoding %q is not supported, use aes128gcm (RFC 8291)", ce))
		return
	}
	buf := bodyPool.Get().(*[]byte)
	defer bodyPool.Put(buf)
	n, err := io.ReadFull(http.MaxBytesReader(w, r.Body, MaxBody), *buf)
	body := (*buf)[:n]
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil // shorter than the buffer, which is every acceptable body
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.reject(w, http.StatusRequestEntityTooLarge, 0, fmt.Sprintf("body exceeds %d bytes", MaxBody))
			return
		}
		s.reject(w, http.StatusBadRequest, 0, "reading body: "+err.Error())
		return
	}
	if len(body) == 0 {
		// RFC 8030 allows empty pushes, but Heads Up always sends a payload,
		// so an empty body here means the sender lost it.
		s.reject(w, http.StatusBadRequest, 0, "empty body: Heads Up messages always carry a payload")
		return
	}
	k := s.keysFor(index)
	plain, err := decryptInPlace(k.priv, k.auth, body)
	if err != nil {
		s.reject(w, http.StatusBadRequest, 0, "cannot decrypt: "+err.Error())
		return
	}

	if f := s.injected(index); f != nil {
		s.reject(w, f.status, f.retryAfter, "injected failure: "+http.StatusText(f.status))
		return
	}

	m := Message{
		Index:      index,
		TTL:        ttl,
		Urgency:    urgency,
		Topic:      topic,
		Subscriber: id.subject,
		VAPIDKey:   id.key,
		Proto:      r.Proto,
		Received:   time.Now(),
	}
	if !s.opts.NoPayloads {
		m.Payload = bytes.Clone(plain) // the buffer goes back to the pool
	}
	seq := s.record(m)
	// RFC 8030 section 5: 201 with the push message resource in Location.
	w.Header().Set("Location", "/message/"+strconv.FormatInt(seq, 10))
	w.WriteHeader(http.StatusCreated)
}

// maxTokens bounds the verified-token memory; a sender signing a token per message (as
// webpush-go does) would otherwise fill it without end.
const maxTokens = 4096

// authorize verifies the Authorization header of a push with verifyVAPID, remembering tokens
// that passed, as a push service that sees one sender's token on every message would.
// Verifying the signature is the cost (a P-256 verification: a third of the fake's CPU per message when
// every message carries a fresh token); what depends on the time is checked on every use: a
// remembered token is refused once its exp has passed.
func (s *Server) authorize(header, origin string, now time.Time) (vapidIdentity, *vapidError) {
	key := tokenKey{origin, header}
	s.tokensMu.Lock()
	id, ok := s.tokens[key]
	s.tokensMu.Unlock()
	if ok {
		if !now.Before(id.expires) {
			return id, unauthorized("JWT expired at %s", id.expires.UTC().Format(time.RFC3339))
		}
		return id, nil
	}
	id, verr := verifyVAPID(header, origin, s.opts.VAPIDKey, now)
	if verr != nil {
		return id, verr
	}
	s.tokensMu.Lock()
	if len(s.tokens) >= maxTokens {
		clear(s.tokens)
	}
	s.tokens[key] = id
	s.tokensMu.Unlock()
	return id, nil
}

// quietHandshakes drops the "TLS handshake error ... use of closed network
// connection" lines net/http logs when Close cuts connections a client
// dialled speculatively while its first HTTP/2 connection was being set up.
// They are expected, not errors, and would drown real messages in test logs.
type quietHandshakes struct{ w io.Writer }

func (q quietHandshakes) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("TLS handshake error")) &&
		(bytes.Contains(p, []byte("use of closed network connection")) || bytes.HasSuffix(bytes.TrimSpace(p), []byte("EOF"))) {
		return len(p), nil
	}
	return q.w.Write(p)
}

// Stats is the body of GET /stats, for clients in another process.
type Stats struct {
	Count    int            `json:"count"`
	Distinct int            `json:"distinct"`
	Rejected map[string]int `json:"rejected,omitempty"` // status code -> answers
	// GCSeconds is the CPU time the whole process has spent collecting garbage (runtime/metrics
	// /cpu/classes/gc/total). With the fake in its own process, cmd/pushbench reports it per
	// delivery beside the process's CPU time.
	GCSeconds float64 `json:"gc_seconds"`
}

// Stats returns the counters served by GET /stats.
func (s *Server) Stats() Stats {
	st := Stats{Count: s.Count(), Distinct: s.Distinct(), GCSeconds: GCSeconds()}
	for code, v := range s.Rejected() {
		if st.Rejected == nil {
			st.Rejected = make(map[string]int)
		}
		st.Rejected[strconv.Itoa(code)] = v
	}
	return st
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Stats())
}

func (s *Server) handleReceived(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 {
		http.Error(w, "no such subscription", http.StatusNotFound)
		return
	}
	msgs := s.Received(n)
	if msgs == nil {
		msgs = []Message{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(msgs)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// GCSeconds is the CPU time this process has spent collecting garbage so far, as the runtime
// estimates it (runtime/metrics /cpu/classes/gc/total:cpu-seconds).
func GCSeconds() float64 {
	sample := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return sample[0].Value.Float64()
}
