package pushtest

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// DefaultSeed is used when Options.Seed is empty. It is a fixed value (not
// random) so that a test server and a separately started benchmark client
// agree on the subscriptions without passing anything around.
var DefaultSeed = []byte("headsup-pushtest")

// Subscription is what a browser's PushSubscription would give the Heads Up
// backend: an endpoint URL and the two keys, base64url without padding as
// PushSubscription.toJSON() encodes them.
type Subscription struct {
	Index    int    `json:"-"`
	Endpoint string `json:"endpoint"`
	P256dh   string `json:"p256dh"` // 65-byte uncompressed P-256 point
	Auth     string `json:"auth"`   // 16-byte auth secret
}

// BrowserJSON returns the subscription in the shape a browser posts it
// ({"endpoint":..., "expirationTime":null, "keys":{"p256dh":..., "auth":...}}),
// so tests can drive the real subscribe API with minted subscriptions.
func (s Subscription) BrowserJSON() []byte {
	type keys struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	}
	b, _ := json.Marshal(struct {
		Endpoint       string `json:"endpoint"`
		ExpirationTime *int64 `json:"expirationTime"`
		Keys           keys   `json:"keys"`
	}{Endpoint: s.Endpoint, Keys: keys{P256dh: s.P256dh, Auth: s.Auth}})
	return b
}

// Keys derives the private key and auth secret of subscription i from seed.
//
// Derivation is deterministic so that neither side has to store 100,000
// private keys: the fake re-derives (and caches) the key for the endpoint a
// request arrives on, and a benchmark client in another process computes
// the same public keys from the same seed. It is, with i in decimal:
//
//	auth = HKDF-SHA256(secret=seed, salt=nil, info="headsup/pushtest/auth/"+i, 16)
//	d_c  = HKDF-SHA256(secret=seed, salt=nil, info="headsup/pushtest/p256/"+i+"/"+c, 32)
//
// for c = 0, 1, ... until d_c is a valid P-256 scalar (non-zero and below
// the group order; c > 0 happens with probability about 2^-32). The index
// goes into the HKDF info rather than being appended to the seed so that
// (seed "a", index 12) and (seed "a1", index 2) cannot collide.
//
// These keys are for tests only: anyone who knows the seed can read every
// message.
func Keys(seed []byte, i int) (priv *ecdh.PrivateKey, auth []byte) {
	if len(seed) == 0 {
		seed = DefaultSeed
	}
	idx := strconv.Itoa(i)
	auth, err := hkdf.Key(sha256.New, seed, nil, "headsup/pushtest/auth/"+idx, authLen)
	if err != nil {
		panic("pushtest: hkdf: " + err.Error()) // only fails for absurd lengths
	}
	for c := 0; ; c++ {
		d, err := hkdf.Key(sha256.New, seed, nil, "headsup/pushtest/p256/"+idx+"/"+strconv.Itoa(c), 32)
		if err != nil {
			panic("pushtest: hkdf: " + err.Error())
		}
		if priv, err = ecdh.P256().NewPrivateKey(d); err == nil {
			return priv, auth
		}
	}
}

// SubscriptionFor returns subscription i of a fake push service reachable at
// baseURL (for example "https://127.0.0.1:43123") whose seed is seed. It is
// what Server.Subscription returns, computed without a Server, for clients
// running in another process than cmd/fakepush.
func SubscriptionFor(baseURL string, seed []byte, i int) Subscription {
	priv, auth := Keys(seed, i)
	return subscriptionFrom(baseURL, i, priv, auth)
}

func subscriptionFrom(baseURL string, i int, priv *ecdh.PrivateKey, auth []byte) Subscription {
	return Subscription{
		Index:    i,
		Endpoint: strings.TrimRight(baseURL, "/") + "/push/" + strconv.Itoa(i),
		P256dh:   base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
	}
}
