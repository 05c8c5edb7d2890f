package pushtest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// sender sends with webpush-go, the library the dispatcher uses, so these
// tests prove the fake accepts exactly what production code sends.
type sender struct {
	srv     *Server
	private string
	public  string
}

func newSender(t testing.TB, srv *Server) *sender {
	t.Helper()
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &sender{srv: srv, private: priv, public: pub}
}

// send delivers payload to sub and returns the status and Retry-After.
func (s *sender) send(t testing.TB, sub Subscription, payload []byte, urgency webpush.Urgency, topic string) (int, string, int) {
	t.Helper()
	// webpush-go appends the padding delimiter and padding to the slice it
	// is given, so it gets its own copy with no spare capacity to write into.
	msg := append(make([]byte, 0, len(payload)), payload...)
	resp, err := webpush.SendNotification(msg, &webpush.Subscription{
		Endpoint: sub.Endpoint,
		Keys:     webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{
		HTTPClient:      s.srv.Client(),
		Subscriber:      "mailto:ops@example.org",
		TTL:             60,
		Urgency:         urgency,
		Topic:           topic,
		VAPIDPublicKey:  s.public,
		VAPIDPrivateKey: s.private,
	})
	if err != nil {
		t.Errorf("SendNotification: %v", err)
		return 0, "", 0
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Errorf("reading response: %v", err)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), resp.ProtoMajor
}

// TestEndToEndWebPush sends real webpush-go messages over TLS and HTTP/2 to
// minted subscriptions and checks that what the fake decrypted is what was
// sent, with the headers that were set.
func TestEndToEndWebPush(t *testing.T) {
	srv := New(Options{TLS: true, Seed: []byte("e2e")})
	defer srv.Close()
	snd := newSender(t, srv)
	const n = 20
	subs := srv.Mint(n)
	payload := func(i int) []byte {
		return []byte(fmt.Sprintf(`{"id":"a%d","kind":"bad_batch","severity":"danger","title":"Heads up","url":"/a/%d"}`, i, i))
	}

	var wg sync.WaitGroup
	for i, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, proto := snd.send(t, sub, payload(i), webpush.UrgencyHigh, fmt.Sprintf("alert-%d", i))
			if status != http.StatusCreated {
				t.Errorf("endpoint %d: status %d, want 201", i, status)
			}
			if proto != 2 {
				t.Errorf("endpoint %d: HTTP/%d, want HTTP/2", i, proto)
			}
		}()
	}
	wg.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitFor(ctx, n); err != nil {
		t.Fatal(err)
	}
	if srv.Count() != n || srv.Distinct() != n {
		t.Fatalf("Count=%d Distinct=%d, want %d", srv.Count(), srv.Distinct(), n)
	}
	for i := range subs {
		msgs := srv.Received(i)
		if len(msgs) != 1 || srv.CountFor(i) != 1 {
			t.Fatalf("endpoint %d: %d messages, CountFor %d", i, len(msgs), srv.CountFor(i))
		}
		m := msgs[0]
		if string(m.Payload) != string(payload(i)) {
			t.Errorf("endpoint %d: payload %q, want %q", i, m.Payload, payload(i))
		}
		if m.Index != i || m.TTL != 60 || m.Urgency != "high" || m.Topic != fmt.Sprintf("alert-%d", i) {
			t.Errorf("endpoint %d: recorded %+v", i, m)
		}
		if m.VAPIDKey != snd.public {
			t.Errorf("endpoint %d: VAPID key %q, want %q", i, m.VAPIDKey, snd.public)
		}
		// webpush-go v1.4.0 prefixes "mailto:" to any subject that does not
		// start with "https:", even one that already starts with "mailto:".
		if m.Subscriber != "mailto:mailto:ops@example.org" {
			t.Errorf("endpoint %d: sub %q", i, m.Subscriber)
		}
		if m.Proto != "HTTP/2.0" || m.Received.IsZero() {
			t.Errorf("endpoint %d: proto %q received %v", i, m.Proto, m.Received)
		}
	}
	if r := srv.Rejected(); len(r) != 0 {
		t.Errorf("Rejected = %v, want none", r)
	}
}

// TestLargestPayload checks the 4096-byte body limit against what
// webpush-go produces: it pads every message to 4096 bytes, leaving room for
// 3993 bytes of plaintext.
func TestLargestPayload(t *testing.T) {
	srv := New(Options{TLS: true})
	defer srv.Close()
	snd := newSender(t, srv)
	big := []byte(strings.Repeat("x", 3993))
	if status, _, _ := snd.send(t, srv.Subscription(0), big, "", ""); status != http.StatusCreated {
		t.Fatalf("3993-byte payload: status %d", status)
	}
	if m := srv.Received(0); len(m) != 1 || string(m[0].Payload) != string(big) {
		t.Fatal("3993-byte payload not recorded intact")
	}
}

// TestRejections sends hand-made requests that each break one rule and
// checks the fake refuses them the way a real push service would, and
// records nothing.
func TestRejections(t *testing.T) {
	srv := New(Options{TLS: true})
	defer srv.Close()
	sub := srv.Subscription(1)
	sg := newSigner(t)
	other := newSigner(t)
	now := time.Now()
	with := func(k string, v any) map[string]any {
		c := goodClaims(srv)
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	good := func() (http.Header, []byte) {
		h := http.Header{}
		h.Set("TTL", "60")
		h.Set("Content-Encoding", "aes128gcm")
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Authorization", sg.header(t, goodClaims(srv)))
		return h, encryptFor(t, sub, []byte("hello"))
	}
	auth := func(claims map[string]any) func(http.Header, []byte) []byte {
		return func(h http.Header, b []byte) []byte { h.Set("Authorization", sg.header(t, claims)); return b }
	}
	set := func(k, v string) func(http.Header, []byte) []byte {
		return func(h http.Header, b []byte) []byte {
			if v == "" {
				h.Del(k)
			} else {
				h.Set(k, v)
			}
			return b
		}
	}

	cases := []struct {
		name   string
		method string
		path   string
		mutate func(http.Header, []byte) []byte
		want   int
	}{
		{"valid", "", "", nil, 201},
		{"missing TTL", "", "", set("TTL", ""), 400},
		{"negative TTL", "", "", set("TTL", "-1"), 400},
		{"fractional TTL", "", "", set("TTL", "1.5"), 400},
		{"signed TTL", "", "", set("TTL", "+5"), 400},
		{"zero TTL is fine", "", "", set("TTL", "0"), 201},
		{"missing Authorization", "", "", set("Authorization", ""), 401},
		{"other scheme", "", "", set("Authorization", "WebPush abc"), 401},
		{"no k", "", "", func(h http.Header, b []byte) []byte {
			h.Set("Authorization", "vapid t="+sg.token(t, goodClaims(srv)))
			return b
		}, 401},
		{"wrong aud", "", "", auth(with("aud", "https://fcm.googleapis.com")), 401},
		{"aud with path", "", "", auth(with("aud", srv.URL()+"/push/1")), 401},
		{"aud http instead of https", "", "", auth(with("aud", strings.Replace(srv.URL(), "https:", "http:", 1))), 401},
		{"no aud", "", "", auth(with("aud", nil)), 401},
		{"expired", "", "", auth(with("exp", now.Add(-time.Minute).Unix())), 401},
		{"exp more than 24h ahead", "", "", auth(with("exp", now.Add(25*time.Hour).Unix())), 401},
		{"no exp", "", "", auth(with("exp", nil)), 401},
		{"no sub", "", "", auth(with("sub", nil)), 401},
		{"sub without scheme", "", "", auth(with("sub", "ops@example.org")), 401},
		{"https sub is fine", "", "", auth(with("sub", "https://headsup.example")), 201},
		{"signed by another key", "", "", func(h http.Header, b []byte) []byte {
			h.Set("Authorization", "vapid t="+other.token(t, goodClaims(srv))+", k="+sg.publicKey(t))
			return b
		}, 401},
		{"claims altered after signing", "", "", func(h http.Header, b []byte) []byte {
			tok := sg.token(t, goodClaims(srv))
			parts := strings.Split(tok, ".")
			forged := sg.token(t, with("aud", "https://elsewhere.example"))
			parts[1] = strings.Split(forged, ".")[1]
			h.Set("Authorization", "vapid t="+strings.Join(parts, ".")+", k="+sg.publicKey(t))
			return b
		}, 401},
		{"missing Content-Encoding", "", "", set("Content-Encoding", ""), 400},
		{"legacy aesgcm encoding", "", "", set("Content-Encoding", "aesgcm"), 415},
		{"tampered ciphertext", "", "", func(h http.Header, b []byte) []byte { b[len(b)-5] ^= 0x40; return b }, 400},
		{"encrypted for another subscription", "", "", func(h http.Header, b []byte) []byte {
			return encryptFor(t, srv.Subscription(2), []byte("hello"))
		}, 400},
		{"truncated body", "", "", func(h http.Header, b []byte) []byte { return b[:40] }, 400},
		{"empty body", "", "", func(h http.Header, b []byte) []byte { return nil }, 400},
		{"body over 4096 bytes", "", "", func(h http.Header, b []byte) []byte {
			return encryptFor(t, sub, make([]byte, 4096))
		}, 413},
		{"bad Urgency", "", "", set("Urgency", "urgent"), 400},
		{"Topic too long (UUID)", "", "", set("Topic", "4b3f3f0e-6b5e-4d7e-9a53-4b1c1f0f2a11"), 400},
		{"Topic with bad character", "", "", set("Topic", "alert.1"), 400},
		{"non-numeric endpoint", "", "/push/abc", nil, 404},
		{"negative endpoint", "", "/push/-1", nil, 404},
		{"non-canonical endpoint", "", "/push/01", nil, 404},
		{"GET", "GET", "", nil, 405},
	}
	wantRejected := map[int]int{}
	for _, c := range cases {
		h, body := good()
		if c.mutate != nil {
			body = c.mutate(h, body)
		}
		method, path := c.method, c.path
		if method == "" {
			method = "POST"
		}
		if path == "" {
			path = "/push/1"
		}
		got, _, reason := rawPush(t, srv, method, path, h, body)
		if got != c.want {
			t.Errorf("%s: status %d (%s), want %d", c.name, got, strings.TrimSpace(reason), c.want)
		}
		wantRejected[c.want]++
	}
	wantCreated := wantRejected[201]
	delete(wantRejected, 201)
	delete(wantRejected, 405) // answered by net/http's ServeMux, not counted
	if srv.Count() != wantCreated {
		t.Errorf("Count = %d, want %d: a rejected request was recorded", srv.Count(), wantCreated)
	}
	if got := srv.Rejected(); fmt.Sprint(got) != fmt.Sprint(wantRejected) {
		t.Errorf("Rejected = %v, want %v", got, wantRejected)
	}
}

// TestRestrictedSubscription checks the 403 a push service gives when the
// VAPID key differs from the applicationServerKey of the subscription,
// which is what the dispatcher sees after a careless key rotation.
func TestRestrictedSubscription(t *testing.T) {
	sg := newSigner(t)
	srv := New(Options{TLS: true, VAPIDKey: sg.publicKey(t)})
	defer srv.Close()
	sub := srv.Subscription(0)
	send := func(s *signer) int {
		h := http.Header{}
		h.Set("TTL", "5")
		h.Set("Content-Encoding", "aes128gcm")
		h.Set("Authorization", s.header(t, goodClaims(srv)))
		status, _, _ := rawPush(t, srv, "POST", "/push/0", h, encryptFor(t, sub, []byte("x")))
		return status
	}
	if got := send(sg); got != 201 {
		t.Errorf("matching key: status %d, want 201", got)
	}
	if got := send(newSigner(t)); got != 403 {
		t.Errorf("other key: status %d, want 403", got)
	}
}

func TestFailInjection(t *testing.T) {
	srv := New(Options{TLS: true})
	defer srv.Close()
	snd := newSender(t, srv)
	subs := srv.Mint(6)
	expect := func(sub Subscription, wantStatus int, wantRetry string) {
		t.Helper()
		status, retry, _ := snd.send(t, sub, []byte("p"), "", "")
		if status != wantStatus || retry != wantRetry {
			t.Errorf("endpoint %d: status %d Retry-After %q, want %d %q", sub.Index, status, retry, wantStatus, wantRetry)
		}
	}

	srv.Fail(1, http.StatusGone, 0, 1)
	expect(subs[1], 410, "")
	expect(subs[1], 201, "")

	srv.Fail(2, http.StatusTooManyRequests, 3*time.Second, 2)
	expect(subs[2], 429, "3")
	expect(subs[2], 429, "3")
	expect(subs[2], 201, "")

	srv.Fail(3, http.StatusNotFound, 0, 0) // until cleared
	for range 3 {
		expect(subs[3], 404, "")
	}
	expect(subs[0], 201, "") // other endpoints are unaffected
	srv.Fail(3, 0, 0, 0)
	expect(subs[3], 201, "")

	// A service-wide outage: the budget is shared across endpoints and the
	// Retry-After is rounded up to whole seconds.
	srv.FailAll(http.StatusServiceUnavailable, 1500*time.Millisecond, 2)
	expect(subs[4], 503, "2")
	expect(subs[5], 503, "2")
	expect(subs[4], 201, "")

	// An endpoint fault wins over the global one.
	srv.Fail(5, http.StatusRequestEntityTooLarge, 0, 1)
	srv.FailAll(http.StatusInternalServerError, 0, 0)
	expect(subs[5], 413, "")
	expect(subs[5], 500, "")
	expect(subs[0], 500, "")
	srv.FailAll(0, 0, 0)
	expect(subs[5], 201, "")

	if srv.Count() != 6 {
		t.Errorf("Count = %d, want 6", srv.Count())
	}
	want := map[int]int{410: 1, 429: 2, 404: 3, 503: 2, 413: 1, 500: 2}
	if got := srv.Rejected(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Rejected = %v, want %v", got, want)
	}

	// Reset also clears faults.
	srv.Fail(0, http.StatusGone, 0, 0)
	srv.FailAll(http.StatusInternalServerError, 0, 0)
	srv.Reset()
	expect(subs[0], 201, "")
	if srv.Count() != 1 || srv.Distinct() != 1 || len(srv.Rejected()) != 0 || len(srv.Received(1)) != 0 {
		t.Errorf("after Reset: Count=%d Distinct=%d Rejected=%v", srv.Count(), srv.Distinct(), srv.Rejected())
	}
}

// TestConcurrentLoad drives many goroutines at once (run it with -race)
// and checks no delivery is lost or double counted.
func TestConcurrentLoad(t *testing.T) {
	srv := New(Options{TLS: true, NoPayloads: true})
	defer srv.Close()
	snd := newSender(t, srv)
	const endpoints, rounds, workers = 64, 3, 32
	subs := srv.Mint(endpoints)

	jobs := make(chan Subscription)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sub := range jobs {
				if status, _, _ := snd.send(t, sub, []byte("load"), webpush.UrgencyNormal, ""); status != 201 {
					t.Errorf("endpoint %d: status %d", sub.Index, status)
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	waitErr := make(chan error, 1)
	go func() { waitErr <- srv.WaitFor(ctx, endpoints*rounds) }()
	for range rounds {
		for _, s := range subs {
			jobs <- s
		}
	}
	close(jobs)
	wg.Wait()
	if err := <-waitErr; err != nil {
		t.Fatal(err)
	}
	if srv.Count() != endpoints*rounds || srv.Distinct() != endpoints {
		t.Fatalf("Count=%d Distinct=%d", srv.Count(), srv.Distinct())
	}
	for i := range endpoints {
		if srv.CountFor(i) != rounds || srv.Received(i) != nil {
			t.Fatalf("endpoint %d: CountFor=%d Received=%d", i, srv.CountFor(i), len(srv.Received(i)))
		}
	}
}

func TestWaitForTimesOut(t *testing.T) {
	srv := New(Options{})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := srv.WaitFor(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor = %v, want deadline exceeded", err)
	}
	if err := srv.WaitFor(context.Background(), 0); err != nil {
		t.Fatalf("WaitFor(0) = %v", err)
	}
	if srv.CountFor(-1) != 0 || srv.Received(-5) != nil {
		t.Fatal("negative index has messages")
	}
}

func TestDelay(t *testing.T) {
	srv := New(Options{Delay: 100 * time.Millisecond})
	defer srv.Close()
	snd := newSender(t, srv)
	start := time.Now()
	if status, _, _ := snd.send(t, srv.Subscription(0), []byte("slow"), "", ""); status != 201 {
		t.Fatalf("status %d", status)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("answered after %v, want at least the 100ms delay", d)
	}
}

// TestPlainHTTPAndHTTP1 covers the non-TLS server (aud is then http://...)
// and an HTTP/1.1-only TLS client, which real services also accept.
func TestPlainHTTPAndHTTP1(t *testing.T) {
	plain := New(Options{})
	defer plain.Close()
	if status, _, _ := newSender(t, plain).send(t, plain.Subscription(0), []byte("p"), "", ""); status != 201 {
		t.Fatalf("plain HTTP: status %d", status)
	}

	srv := New(Options{TLS: true})
	defer srv.Close()
	h1 := &http.Client{Transport: &http.Transport{
		TLSClientConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone(),
		TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
	}}
	defer h1.CloseIdleConnections()
	sg := newSigner(t)
	h := http.Header{}
	h.Set("TTL", "1")
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("Authorization", sg.header(t, goodClaims(srv)))
	req, err := http.NewRequest("POST", srv.Subscription(0).Endpoint, strings.NewReader(string(encryptFor(t, srv.Subscription(0), []byte("h1")))))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := h1.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.ProtoMajor != 1 {
		t.Fatalf("HTTP/1.1 client: status %d proto %s", resp.StatusCode, resp.Proto)
	}
	if m := srv.Received(0); len(m) != 1 || m[0].Proto != "HTTP/1.1" || string(m[0].Payload) != "h1" {
		t.Fatalf("recorded %+v", m)
	}
}

// TestStatsAndResetEndpoints covers the HTTP view used by clients in
// another process (cmd/fakepush).
func TestStatsAndResetEndpoints(t *testing.T) {
	srv := New(Options{TLS: true})
	defer srv.Close()
	snd := newSender(t, srv)
	snd.send(t, srv.Subscription(0), []byte("a"), "", "")
	snd.send(t, srv.Subscription(0), []byte("b"), "", "")
	snd.send(t, srv.Subscription(1), []byte("c"), "", "")
	srv.Fail(2, 410, 0, 1)
	snd.send(t, srv.Subscription(2), []byte("d"), "", "")

	stats := func() Stats {
		resp, err := srv.Client().Get(srv.URL() + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st Stats
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := stats(); st.Count != 3 || st.Distinct != 2 || st.Rejected["410"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
	resp, err := srv.Client().Get(srv.URL() + "/received/0")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []Message
	err = json.NewDecoder(resp.Body).Decode(&msgs)
	resp.Body.Close()
	if err != nil || len(msgs) != 2 || string(msgs[0].Payload) != "a" || string(msgs[1].Payload) != "b" || msgs[1].TTL != 60 {
		t.Fatalf("GET /received/0: %v %+v", err, msgs)
	}
	resp, err = srv.Client().Post(srv.URL()+"/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := stats(); st.Count != 0 || st.Distinct != 0 || len(st.Rejected) != 0 {
		t.Fatalf("stats after reset = %+v", st)
	}
}

// A sender may reuse one token for many messages (RFC 8292 section 2). The fake remembers a
// verified token, but still refuses it once its exp has passed, and still checks the
// audience of every request: a token verified for one origin is not accepted for another.
func TestReusedTokenAcceptedUntilItExpires(t *testing.T) {
	srv := New(Options{TLS: true})
	defer srv.Close()
	sub := srv.Subscription(1)
	sg := newSigner(t)
	claims := goodClaims(srv)
	exp := time.Now().Add(1500 * time.Millisecond).Truncate(time.Second).Add(time.Second)
	claims["exp"] = exp.Unix()
	header := sg.header(t, claims)
	push := func() (int, string) {
		h := http.Header{}
		h.Set("TTL", "60")
		h.Set("Content-Encoding", "aes128gcm")
		h.Set("Authorization", header)
		code, _, body := rawPush(t, srv, "POST", "/push/1", h, encryptFor(t, sub, []byte("hello")))
		return code, body
	}
	for i := range 3 {
		if code, body := push(); code != http.StatusCreated {
			t.Fatalf("use %d of a valid token: %d %s", i+1, code, body)
		}
	}
	time.Sleep(time.Until(exp) + 10*time.Millisecond)
	if code, body := push(); code != http.StatusUnauthorized || !strings.Contains(body, "expired") {
		t.Fatalf("a remembered token after its exp: %d %s, want 401 expired", code, body)
	}
	if n := srv.Count(); n != 3 {
		t.Fatalf("accepted %d, want 3", n)
	}

	// The same token presented at another origin (the fake reached by name, not address).
	other := srv.verifyVAPIDAt(t, sg.header(t, goodClaims(srv)), strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1))
	if other == nil || other.status != http.StatusUnauthorized {
		t.Fatalf("a token for %s accepted at another origin: %v", srv.URL(), other)
	}
}

// verifyVAPIDAt verifies header twice at origin, so the second answer comes from memory if
// the first one was remembered.
func (s *Server) verifyVAPIDAt(t *testing.T, header, origin string) *vapidError {
	t.Helper()
	if _, err := s.authorize(header, s.URL(), time.Now()); err != nil {
		t.Fatalf("token refused at its own origin: %v", err)
	}
	_, err := s.authorize(header, origin, time.Now())
	return err
}
