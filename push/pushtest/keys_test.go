package pushtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
)

func TestKeysDeterministic(t *testing.T) {
	seed := []byte("seed-a")
	p1, a1 := Keys(seed, 7)
	p2, a2 := Keys(seed, 7)
	if !p1.Equal(p2) || !bytes.Equal(a1, a2) {
		t.Fatal("Keys is not deterministic")
	}
	if len(a1) != 16 {
		t.Fatalf("auth is %d bytes, want 16", len(a1))
	}
	p3, a3 := Keys(seed, 8)
	p4, a4 := Keys([]byte("seed-b"), 7)
	if p1.Equal(p3) || p1.Equal(p4) || bytes.Equal(a1, a3) || bytes.Equal(a1, a4) {
		t.Fatal("different (seed, index) gave the same keys")
	}
	// Index lives in the HKDF info, so seed/index concatenations that look
	// alike still differ.
	q1, _ := Keys([]byte("a"), 12)
	q2, _ := Keys([]byte("a1"), 2)
	if q1.Equal(q2) {
		t.Fatal(`Keys("a", 12) == Keys("a1", 2)`)
	}
	d1, _ := Keys(nil, 3)
	d2, _ := Keys(DefaultSeed, 3)
	if !d1.Equal(d2) {
		t.Fatal("empty seed does not mean DefaultSeed")
	}

	// Pin the derivation: a benchmark client built from another commit must
	// compute the same subscriptions as the fake, so changing the
	// derivation is a breaking change that must be deliberate.
	sub := SubscriptionFor("https://127.0.0.1:1/", []byte("golden"), 0)
	const wantP256dh = "BJaMi2OtVAzXWT9Zbx20cnWUhg4ZGbd4VyBjbjRPmPhi2yqvWXjofPg7OWVxWKDXCQZ3wcEbbz84-o_UUWIQ7jc"
	const wantAuth = "re2ko7pNVzn2OoAxQ3AnzA"
	if sub.P256dh != wantP256dh || sub.Auth != wantAuth {
		t.Errorf("derivation changed: p256dh=%s auth=%s", sub.P256dh, sub.Auth)
	}
	if sub.Endpoint != "https://127.0.0.1:1/push/0" || sub.Index != 0 {
		t.Errorf("subscription = %+v", sub)
	}
}

func TestMintMatchesSubscriptionFor(t *testing.T) {
	srv := New(Options{Seed: []byte("mint")})
	defer srv.Close()
	subs := srv.Mint(5)
	seen := map[string]bool{}
	for i, s := range subs {
		if s != SubscriptionFor(srv.URL(), []byte("mint"), i) {
			t.Fatalf("Mint[%d] = %+v differs from SubscriptionFor", i, s)
		}
		p, err := base64.RawURLEncoding.DecodeString(s.P256dh)
		if err != nil || len(p) != 65 || p[0] != 4 {
			t.Fatalf("p256dh %q is not a 65-byte uncompressed point", s.P256dh)
		}
		priv, _ := Keys([]byte("mint"), i)
		if !bytes.Equal(p, priv.PublicKey().Bytes()) {
			t.Fatal("p256dh does not belong to Keys' private key")
		}
		a, err := base64.RawURLEncoding.DecodeString(s.Auth)
		if err != nil || len(a) != 16 {
			t.Fatalf("auth %q is not 16 bytes base64url", s.Auth)
		}
		if seen[s.P256dh] {
			t.Fatal("duplicate key")
		}
		seen[s.P256dh] = true
	}

	var bj struct {
		Endpoint       string
		ExpirationTime *int64
		Keys           struct{ P256dh, Auth string }
	}
	if err := json.Unmarshal(subs[1].BrowserJSON(), &bj); err != nil {
		t.Fatal(err)
	}
	if bj.Endpoint != subs[1].Endpoint || bj.Keys.P256dh != subs[1].P256dh || bj.Keys.Auth != subs[1].Auth || bj.ExpirationTime != nil {
		t.Fatalf("BrowserJSON = %s", subs[1].BrowserJSON())
	}
}
