package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// encryptRecord is the sender side of RFC 8291 for tests: it seals record
// (plaintext, delimiter and padding already appended) for the subscription
// (uaPublic, auth) with the given ephemeral key and salt. Tests use it to
// build bodies webpush-go would never produce (wrong delimiter, other auth,
// odd record sizes). It shares the key schedule with Decrypt, but the RFC
// vector test pins that schedule to the RFC's published intermediates.
func encryptRecord(t testing.TB, uaPublic, auth []byte, record []byte, asPriv *ecdh.PrivateKey, salt []byte, rs uint32) []byte {
	t.Helper()
	uaPub, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := asPriv.ECDH(uaPub)
	if err != nil {
		t.Fatal(err)
	}
	asPublic := asPriv.PublicKey().Bytes()
	ks, err := deriveSchedule(secret, auth, uaPublic, asPublic, salt)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(ks.cek)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	var hdr [headerFixed]byte
	copy(hdr[:], salt)
	binary.BigEndian.PutUint32(hdr[saltLen:], rs)
	hdr[saltLen+rsLen] = byte(len(asPublic))
	out := append(hdr[:], asPublic...)
	return gcm.Seal(out, ks.nonce, record, nil)
}

// encryptFor seals plaintext for subscription sub with a fresh ephemeral
// key and salt, the way a correct sender does.
func encryptFor(t testing.TB, sub Subscription, plaintext []byte) []byte {
	t.Helper()
	return sealFresh(t, mustB64(t, sub.P256dh), mustB64(t, sub.Auth), append(append([]byte(nil), plaintext...), 2))
}

func sealFresh(t testing.TB, uaPublic, auth, record []byte) []byte {
	t.Helper()
	asPriv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	salt := make([]byte, saltLen)
	rand.Read(salt)
	return encryptRecord(t, uaPublic, auth, record, asPriv, salt, 4096)
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return b
}

// signer produces VAPID Authorization headers with arbitrary claims, so
// tests can send tokens webpush-go would not (wrong aud, bad exp, no sub).
type signer struct {
	key *ecdsa.PrivateKey
}

func newSigner(t testing.TB) *signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{key: k}
}

// publicKey is the base64url uncompressed public key (the k= parameter).
func (s *signer) publicKey(t testing.TB) string {
	t.Helper()
	pk, err := s.key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(pk)
}

// token signs claims as an ES256 JWT with a raw r||s signature.
func (s *signer) token(t testing.TB, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))
	cj, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := h + "." + enc.EncodeToString(cj)
	digest := sha256.Sum256([]byte(input))
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig)
}

func (s *signer) header(t testing.TB, claims map[string]any) string {
	return "vapid t=" + s.token(t, claims) + ", k=" + s.publicKey(t)
}

// goodClaims are valid claims for srv.
func goodClaims(srv *Server) map[string]any {
	return map[string]any{
		"aud": srv.URL(),
		"exp": time.Now().Add(12 * time.Hour).Unix(),
		"sub": "mailto:ops@example.org",
	}
}

// rawPush sends a hand-built push request and returns the status, the
// Retry-After header and the response body.
func rawPush(t testing.TB, srv *Server, method, path string, h http.Header, body []byte) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), buf.String()
}
