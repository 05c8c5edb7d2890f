package altcha

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// testNow is a fixed clock: 2026-01-01T00:00:00Z.
var testNow = time.Unix(1767225600, 0)

var testKey = []byte("test-key-0123456789")

// newSolved issues a challenge and solves it.
func newSolved(t *testing.T, iss *Issuer) (Challenge, int64) {
	t.Helper()
	ch, err := iss.New()
	if err != nil {
		t.Fatal(err)
	}
	n, ok := Solve(ch)
	if !ok {
		t.Fatalf("challenge %+v has no solution in range", ch)
	}
	return ch, n
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func testIssuer() *Issuer { return NewIssuer(testKey, 1000, 10*time.Minute, fixedClock(testNow)) }

// memStore is an in-memory SpentStore for tests; production uses a unique
// index in the database.
type memStore struct {
	mu    sync.Mutex
	spent map[string]time.Time
	err   error
}

func (s *memStore) MarkSpent(_ context.Context, challenge string, expires time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	if s.spent == nil {
		s.spent = map[string]time.Time{}
	}
	if _, ok := s.spent[challenge]; ok {
		return false, nil
	}
	s.spent[challenge] = expires
	return true, nil
}

var saltRE = regexp.MustCompile(`^[0-9a-f]{32}\?expires=[1-9][0-9]*&$`)

func TestNewChallengeShape(t *testing.T) {
	iss := NewIssuer(testKey, 0, 0, fixedClock(testNow))
	ch, err := iss.New()
	if err != nil {
		t.Fatal(err)
	}
	if ch.Algorithm != "SHA-256" || ch.MaxNumber != DefaultMaxNumber || iss.MaxNumber() != DefaultMaxNumber {
		t.Errorf("algorithm/maxnumber = %q/%d", ch.Algorithm, ch.MaxNumber)
	}
	if !isHex64(ch.Challenge) || !isHex64(ch.Signature) {
		t.Errorf("challenge/signature not 64 hex: %q %q", ch.Challenge, ch.Signature)
	}
	if !saltRE.MatchString(ch.Salt) {
		t.Errorf("salt %q has unexpected shape", ch.Salt)
	}
	exp, ok := parseSalt(ch.Salt)
	if !ok || !exp.Equal(testNow.Add(DefaultTTL)) {
		t.Errorf("expires = %v, %v; want %v", exp, ok, testNow.Add(DefaultTTL))
	}
	// The JSON the widget reads uses "maxnumber" in lower case.
	b, err := json.Marshal(ch)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"algorithm"`, `"challenge"`, `"maxnumber"`, `"salt"`, `"signature"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("challenge JSON %s lacks %s", b, k)
		}
	}
	ch2, err := iss.New()
	if err != nil {
		t.Fatal(err)
	}
	if ch2.Salt == ch.Salt || ch2.Challenge == ch.Challenge {
		t.Error("two challenges share a salt or hash")
	}
}

func TestSolvedPayloadVerifies(t *testing.T) {
	iss := testIssuer()
	for range 20 {
		ch, err := iss.New()
		if err != nil {
			t.Fatal(err)
		}
		n, ok := Solve(ch)
		if !ok {
			t.Fatalf("Solve(%+v) found nothing", ch)
		}
		sol, err := iss.Verify(Payload(ch, n))
		if err != nil {
			t.Fatalf("Verify(solved payload) = %v", err)
		}
		if sol.Challenge != ch.Challenge {
			t.Errorf("Solution.Challenge = %q, want %q", sol.Challenge, ch.Challenge)
		}
		if want := testNow.Add(10 * time.Minute).Add(SpentGrace); !sol.Expires.Equal(want) {
			t.Errorf("Solution.Expires = %v, want %v", sol.Expires, want)
		}
	}
}

// The secret number must cover the whole inclusive range [0, maxNumber]: a
// range that missed its ends would be harmless, one that was skewed would
// make solving cheaper for a solver that knows it.
func TestNumberCoversInclusiveRange(t *testing.T) {
	iss := NewIssuer(testKey, 9, time.Minute, fixedClock(testNow))
	iss.SetFlood(FloodThreshold, FloodWindow, 0) // 2000 challenges at once would raise the range
	seen := map[int64]int{}
	for range 2000 {
		ch, err := iss.New()
		if err != nil {
			t.Fatal(err)
		}
		n, ok := Solve(ch)
		if !ok {
			t.Fatal("unsolvable")
		}
		seen[n]++
	}
	for n := int64(0); n <= 9; n++ {
		if c := seen[n]; c < 120 || c > 290 { // expected 200 each; ~6 sigma bounds
			t.Errorf("number %d drawn %d times out of 2000", n, c)
		}
	}
	if len(seen) != 10 {
		t.Errorf("numbers drawn: %v", seen)
	}
}

// TestKnownVectors checks against values computed outside this package.
func TestKnownVectors(t *testing.T) {
	// From altcha-org/altcha-lib-go (v1/altcha_test.go, solveChallengeTests):
	// SHA-256("salt123"), solved with salt "salt" gives number 123.
	ch := Challenge{
		Algorithm: "SHA-256",
		Challenge: "c2fc6c6adf8ba0f575a35f48df52c0968a3dcd3c577c2769dc2f1035943b975e",
		Salt:      "salt",
		MaxNumber: 100000,
	}
	if n, ok := Solve(ch); !ok || n != 123 {
		t.Errorf("Solve(altcha-lib-go vector) = %d, %v; want 123", n, ok)
	}
	if got := hashHex("salt", 123); got != ch.Challenge {
		t.Errorf("hashHex = %s", got)
	}

	// A widget-shaped payload (with "took") built with openssl and base64,
	// independently of Go:
	//   KEY='test-key-0123456789' SALT='0123456789abcdef01234567?expires=1767226500&' N=4242
	//   CH=$(printf '%s%s' "$SALT" "$N" | openssl dgst -sha256 -r)
	//   SIG=$(printf '%s' "$CH" | openssl dgst -sha256 -hmac "$KEY" -r)
	const (
		wantChallenge = "1e1b018fb4e665efde3dd719472f99e9f3a620c18322157226f3e4f64fae279b"
		wantSignature = "0b8b0ea011bc2ed4af77d0eccdea8dc2ddb5bd9a289e21e9911e6310c5437415"
		payload       = "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiMWUxYjAxOGZiNGU2NjVlZmRlM2RkNzE5NDcyZjk5ZTlmM2E2MjBjMTgzMjIxNTcyMjZmM2U0ZjY0ZmFlMjc5YiIsIm51bWJlciI6NDI0Miwic2FsdCI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nz9leHBpcmVzPTE3NjcyMjY1MDAmIiwic2lnbmF0dXJlIjoiMGI4YjBlYTAxMWJjMmVkNGFmNzdkMGVjY2RlYThkYzJkZGI1YmQ5YTI4OWUyMWU5OTExZTYzMTBjNTQzNzQxNSIsInRvb2siOjczMX0="
	)
	iss := NewIssuer(testKey, DefaultMaxNumber, 0, fixedClock(testNow))
	got := iss.challengeFor("0123456789abcdef01234567", 4242, time.Unix(1767226500, 0))
	if got.Challenge != wantChallenge || got.Signature != wantSignature {
		t.Errorf("challengeFor = %+v; want challenge %s signature %s", got, wantChallenge, wantSignature)
	}
	sol, err := iss.Verify(payload)
	if err != nil || sol.Challenge != wantChallenge {
		t.Errorf("Verify(openssl payload) = %+v, %v", sol, err)
	}
}

// payloadJSON encodes v as the widget would (btoa(JSON.stringify(v))).
func payloadJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestVerifyErrors(t *testing.T) {
	iss := testIssuer()
	const saltHex = "00112233445566778899aabbccddeeff"
	exp := testNow.Add(5 * time.Minute)
	good := iss.challengeFor(saltHex, 77, exp)
	fields := func(mod func(m map[string]any)) string {
		m := map[string]any{
			"algorithm": good.Algorithm, "challenge": good.Challenge, "number": 77,
			"salt": good.Salt, "signature": good.Signature,
		}
		mod(m)
		return payloadJSON(m)
	}
	other := NewIssuer([]byte("another-key-0123456789"), 1000, 10*time.Minute, fixedClock(testNow)).
		challengeFor(saltHex, 77, exp)
	expired := iss.challengeFor(saltHex, 77, testNow.Add(-time.Second))
	atExpiry := iss.challengeFor(saltHex, 77, testNow)
	forgedSalt := strings.Replace(good.Salt, "expires=1767225900", "expires=1767229999", 1)
	if forgedSalt == good.Salt {
		t.Fatalf("test setup: salt %q", good.Salt)
	}
	rawJSON, err := base64.StdEncoding.DecodeString(Payload(good, 77))
	if err != nil {
		t.Fatal(err)
	}
	// A genuine payload grown to exactly MaxPayloadLen with JSON whitespace: the limit is
	// inclusive. 1,536 bytes encode to 2,048 base64 characters.
	if MaxPayloadLen%4 != 0 || len(rawJSON) > MaxPayloadLen/4*3 {
		t.Fatalf("test setup: MaxPayloadLen %d, payload of %d bytes", MaxPayloadLen, len(rawJSON))
	}
	atLimit := base64.StdEncoding.EncodeToString(append([]byte(strings.Repeat(" ", MaxPayloadLen/4*3-len(rawJSON))), rawJSON...))
	if len(atLimit) != MaxPayloadLen {
		t.Fatalf("test setup: payload of %d characters, want %d", len(atLimit), MaxPayloadLen)
	}
	// The secret number's range is inclusive at both ends (testIssuer's maximum is 1000).
	atZero, atMax := iss.challengeFor(saltHex, 0, exp), iss.challengeFor(saltHex, 1000, exp)

	tests := []struct {
		name    string
		payload string
		want    error // nil: must verify
	}{
		{"valid", Payload(good, 77), nil},
		{"valid with widget extras", fields(func(m map[string]any) { m["took"] = 12.5; m["test"] = false }), nil},
		{"valid unpadded base64", base64.RawStdEncoding.EncodeToString(rawJSON), nil},
		{"valid url-safe base64", base64.URLEncoding.EncodeToString(rawJSON), nil},
		{"valid surrounding whitespace", " " + Payload(good, 77) + "\n", nil},
		{"valid at the expiry second", Payload(atExpiry, 77), nil},
		{"valid at the length limit", atLimit, nil},
		{"valid with number 0", Payload(atZero, 0), nil},
		{"valid with the maximum number", Payload(atMax, 1000), nil},
		// A challenge issued during a flood verifies after it, when the difficulty is back down.
		{"valid at the flood ceiling", Payload(iss.challengeFor(saltHex, iss.Ceiling(), exp), iss.Ceiling()), nil},

		{"empty", "", ErrMalformed},
		{"too long", strings.Repeat("A", MaxPayloadLen+4), ErrMalformed},
		{"not base64", "!!!not base64!!!", ErrMalformed},
		{"not JSON", b64("hello"), ErrMalformed},
		{"JSON array", b64(`[1,2,3]`), ErrMalformed},
		{"JSON null", b64(`null`), ErrMalformed},
		{"unknown field", fields(func(m map[string]any) { m["admin"] = true }), ErrMalformed},
		{"number as string", fields(func(m map[string]any) { m["number"] = "77" }), ErrMalformed},
		{"number fractional", fields(func(m map[string]any) { m["number"] = 77.5 }), ErrMalformed},
		{"number exponent", b64(strings.Replace(string(rawJSON), `"number":77`, `"number":7.7e1`, 1)), ErrMalformed},
		{"number missing", fields(func(m map[string]any) { delete(m, "number") }), ErrMalformed},
		{"number null", fields(func(m map[string]any) { m["number"] = nil }), ErrMalformed},
		{"signature missing", fields(func(m map[string]any) { delete(m, "signature") }), ErrMalformed},
		{"took not a number", fields(func(m map[string]any) { m["took"] = "fast" }), ErrMalformed},
		{"salt is an object", fields(func(m map[string]any) { m["salt"] = map[string]any{"a": 1} }), ErrMalformed},
		{"trailing data", b64(string(rawJSON) + `{}`), ErrMalformed},
		{"algorithm SHA-1", fields(func(m map[string]any) { m["algorithm"] = "SHA-1" }), ErrMalformed},
		{"challenge upper case", fields(func(m map[string]any) { m["challenge"] = strings.ToUpper(good.Challenge) }), ErrMalformed},
		{"signature short", fields(func(m map[string]any) { m["signature"] = good.Signature[:10] }), ErrMalformed},
		{"salt without delimiter", fields(func(m map[string]any) { m["salt"] = strings.TrimSuffix(good.Salt, "&") }), ErrMalformed},
		{"salt extra parameter", fields(func(m map[string]any) { m["salt"] = good.Salt + "x=1&" }), ErrMalformed},
		// Salt splicing (CVE-2025-68113): move a digit of the number into
		// the salt. The hash and signature still match, so only the strict
		// salt shape stops it.
		{"salt splicing", fields(func(m map[string]any) { m["salt"] = good.Salt + "7"; m["number"] = 7 }), ErrMalformed},

		{"signed with another key", Payload(other, 77), ErrBadSignature},
		{"signature tampered", fields(func(m map[string]any) {
			s := []byte(good.Signature)
			s[0] ^= 1
			m["signature"] = string(s)
		}), ErrBadSignature},
		// The hash does not depend on the key, so swap in the hash of
		// another number: a genuine hash, but not the signed one.
		{"challenge swapped", fields(func(m map[string]any) { m["challenge"] = hashHex(good.Salt, 78); m["number"] = 78 }), ErrBadSignature},

		{"wrong number", Payload(good, 78), ErrWrongSolution},
		{"negative number", Payload(good, -1), ErrWrongSolution},
		{"number above max", Payload(good, 1001), ErrWrongSolution},
		{"number above the flood ceiling", Payload(iss.challengeFor(saltHex, iss.Ceiling()+1, exp), iss.Ceiling()+1), ErrWrongSolution},
		{"expiry forged in salt", fields(func(m map[string]any) { m["salt"] = forgedSalt }), ErrWrongSolution},

		{"expired", Payload(expired, 77), ErrExpired},
	}
	sentinels := []error{ErrMalformed, ErrBadSignature, ErrWrongSolution, ErrExpired}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := iss.Verify(tt.payload)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want success", err)
				}
				if sol.Challenge == "" {
					t.Fatal("empty Solution.Challenge")
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			for _, s := range sentinels {
				if s != tt.want && errors.Is(err, s) {
					t.Errorf("error %v also matches %v", err, s)
				}
			}
			if sol != (Solution{}) {
				t.Errorf("non-zero Solution %+v with error", sol)
			}
		})
	}
}

func TestRedeem(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	iss := testIssuer()
	ch, n := newSolved(t, iss)
	p := Payload(ch, n)

	if err := iss.Redeem(ctx, store, p); err != nil {
		t.Fatalf("first Redeem = %v", err)
	}
	if exp := store.spent[ch.Challenge]; !exp.Equal(testNow.Add(10*time.Minute + SpentGrace)) {
		t.Errorf("stored expiry %v", exp)
	}
	if err := iss.Redeem(ctx, store, p); !errors.Is(err, ErrReplayed) {
		t.Fatalf("second Redeem = %v, want ErrReplayed", err)
	}
	// Another process (or this one after a restart) with the same key and
	// the same database.
	again := NewIssuer(testKey, 1000, 10*time.Minute, fixedClock(testNow.Add(time.Minute)))
	if err := again.Redeem(ctx, store, p); !errors.Is(err, ErrReplayed) {
		t.Fatalf("Redeem in another process = %v, want ErrReplayed", err)
	}
	// The same solution re-encoded is the same challenge.
	raw, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.Redeem(ctx, store, base64.RawURLEncoding.EncodeToString(raw)); !errors.Is(err, ErrReplayed) {
		t.Fatalf("re-encoded replay = %v, want ErrReplayed", err)
	}
	// A bad proof never reaches the store.
	if err := iss.Redeem(ctx, &memStore{err: errors.New("must not be called")}, Payload(ch, n+1)); !errors.Is(err, ErrWrongSolution) {
		t.Fatalf("Redeem(wrong) = %v", err)
	}
	// A store failure is a server fault, distinguishable from a bad proof.
	ch2, n2 := newSolved(t, iss)
	boom := errors.New("database down")
	err = iss.Redeem(ctx, &memStore{err: boom}, Payload(ch2, n2))
	if !errors.Is(err, boom) {
		t.Fatalf("Redeem with failing store = %v", err)
	}
	for _, s := range []error{ErrMalformed, ErrBadSignature, ErrWrongSolution, ErrExpired, ErrReplayed} {
		if errors.Is(err, s) {
			t.Errorf("store failure %v matches %v", err, s)
		}
	}
}

func TestRedeemConcurrentOnlyOnce(t *testing.T) {
	store := &memStore{}
	iss := testIssuer()
	ch, n := newSolved(t, iss)
	p := Payload(ch, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, replayed := 0, 0
	for range 64 {
		wg.Go(func() {
			err := iss.Redeem(context.Background(), store, p)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrReplayed):
				replayed++
			default:
				t.Errorf("Redeem = %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || replayed != 63 {
		t.Errorf("ok=%d replayed=%d, want 1 and 63", ok, replayed)
	}
}

func TestNewIssuerRejectsShortKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewIssuer with a 15-byte key did not panic")
		}
	}()
	NewIssuer([]byte("0123456789abcde"), 0, 0, nil)
}

func TestNewIssuerAcceptsSixteenByteKey(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("NewIssuer with a 16-byte key panicked: %v", r)
		}
	}()
	NewIssuer([]byte("0123456789abcdef"), 0, 0, nil)
}

// TestParseSaltShape pins the salt grammar at its edges: 24 to 64 lower-case hex digits, then
// "?expires=", then 1 to 12 decimal digits without a leading zero or a sign, then "&".
func TestParseSaltShape(t *testing.T) {
	hex := func(n int) string { return strings.Repeat("a", n) }
	for salt, want := range map[string]bool{
		hex(24) + "?expires=1767225900&":    true,
		hex(64) + "?expires=1767225900&":    true,
		hex(23) + "?expires=1767225900&":    false,
		hex(65) + "?expires=1767225900&":    false,
		hex(32) + "?expires=0&":             true,
		hex(32) + "?expires=9&":             true,
		hex(32) + "?expires=999999999999&":  true,
		hex(32) + "?expires=100000000000&":  true,
		hex(32) + "?expires=1000000000000&": false,
		hex(32) + "?expires=&":              false,
		hex(32) + "?expires=05&":            false,
		hex(32) + "?expires=00&":            false,
		hex(32) + "?expires=+5&":            false,
		hex(32) + "?expires=-5&":            false,
		hex(32) + "?expires=5a&":            false,
		hex(32) + "?expires=5/&":            false,
		hex(32) + "?expires=5:&":            false,
		hex(31) + "A?expires=5&":            false,
		hex(32) + "?expires=5":              false,
		hex(32) + "?expire=5&":              false,
		hex(32) + "expires=5&":              false,
	} {
		if _, got := parseSalt(salt); got != want {
			t.Errorf("parseSalt(%q) ok = %v, want %v", salt, got, want)
		}
	}
	if exp, ok := parseSalt(hex(32) + "?expires=1767225900&"); !ok || !exp.Equal(time.Unix(1767225900, 0)) {
		t.Errorf("parseSalt expiry = %v, %v", exp, ok)
	}
}

func TestIssuerCopiesKey(t *testing.T) {
	key := []byte("mutable-key-0123456789")
	iss := NewIssuer(key, 10, time.Minute, fixedClock(testNow))
	ch, err := iss.New()
	if err != nil {
		t.Fatal(err)
	}
	key[0] ^= 0xff
	n, ok := Solve(ch)
	if !ok {
		t.Fatal("unsolvable")
	}
	if _, err := iss.Verify(Payload(ch, n)); err != nil {
		t.Errorf("Verify after caller changed its key slice = %v", err)
	}
}

func TestSolveEdges(t *testing.T) {
	iss := testIssuer()
	ch := iss.challengeFor("00112233445566778899aabbccddeeff", 500, testNow.Add(time.Minute))
	if n, ok := Solve(ch); !ok || n != 500 {
		t.Errorf("Solve = %d, %v", n, ok)
	}
	small := ch
	small.MaxNumber = 499
	if _, ok := Solve(small); ok {
		t.Error("Solve found a number above MaxNumber")
	}
	for _, bad := range []string{"", "zz", strings.Repeat("a", 62)} {
		if _, ok := Solve(Challenge{Challenge: bad, MaxNumber: 10}); ok {
			t.Errorf("Solve(%q) ok", bad)
		}
	}
	neg := ch
	neg.MaxNumber = -1
	if _, ok := Solve(neg); ok {
		t.Error("Solve with negative MaxNumber ok")
	}
	zero := iss.challengeFor("00112233445566778899aabbccddeeff", 0, testNow.Add(time.Minute))
	zero.MaxNumber = 0
	if n, ok := Solve(zero); !ok || n != 0 {
		t.Errorf("Solve(number 0, max 0) = %d, %v", n, ok)
	}
}

// BenchmarkSolve measures what DefaultMaxNumber costs a solver in Go on one
// core: "worst" searches the whole range (the secret is maxnumber), "average"
// half of it. Compare with a phone doing ~50-100k hashes/s in a Web Worker.
func BenchmarkSolve(b *testing.B) {
	iss := NewIssuer(testKey, DefaultMaxNumber, 0, fixedClock(testNow))
	for _, c := range []struct {
		name   string
		number int64
	}{{"average", DefaultMaxNumber / 2}, {"worst", DefaultMaxNumber}} {
		b.Run(fmt.Sprintf("%s/maxnumber=%d", c.name, DefaultMaxNumber), func(b *testing.B) {
			ch := iss.challengeFor("00112233445566778899aabbccddeeff", c.number, testNow.Add(time.Minute))
			for b.Loop() {
				if n, ok := Solve(ch); !ok || n != c.number {
					b.Fatal("not solved")
				}
			}
			b.ReportMetric(float64(c.number+1)*float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	iss := NewIssuer(testKey, DefaultMaxNumber, 0, fixedClock(testNow))
	ch := iss.challengeFor("00112233445566778899aabbccddeeff", 4242, testNow.Add(time.Minute))
	p := Payload(ch, 4242)
	for b.Loop() {
		if _, err := iss.Verify(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	iss := NewIssuer(testKey, DefaultMaxNumber, 0, nil)
	for b.Loop() {
		if _, err := iss.New(); err != nil {
			b.Fatal(err)
		}
	}
}
