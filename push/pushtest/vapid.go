package pushtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// maxVAPIDLifetime is the RFC 8292 section 2 limit on how far in the future
// the JWT "exp" claim may be. Real push services reject longer tokens, and a
// sender that caches tokens for too long only finds out in production.
const maxVAPIDLifetime = 24 * time.Hour

// vapidError carries the HTTP status a push service would answer for a
// VAPID problem along with the reason, which is written to the response body
// so a failing test says what was wrong instead of only "401".
type vapidError struct {
	status int
	reason string
}

func (e *vapidError) Error() string { return e.reason }

func unauthorized(format string, args ...any) *vapidError {
	return &vapidError{status: http.StatusUnauthorized, reason: fmt.Sprintf(format, args...)}
}

// vapidIdentity is what a verified Authorization header tells us about the
// application server; it is recorded with each message so tests can assert
// which key and contact the sender used.
type vapidIdentity struct {
	subject string
	key     string    // base64url (no padding) of the uncompressed public key
	expires time.Time // the token's exp
}

// verifyVAPID checks an "Authorization: vapid t=<JWT>, k=<key>" header as
// described in RFC 8292 section 3: an ES256 JWT signed by k whose "aud" is
// the push service's origin, whose "exp" is in the future and no more than
// 24 hours ahead, and whose "sub" is a mailto: or https: contact.
//
// Failures map to 401, which is what RFC 8292 section 4.2 and the real
// services answer for a missing or invalid token. If restrictTo is not
// empty the subscription is treated as created with that applicationServerKey
// and a valid token signed by another key is answered with 403, as RFC 8292
// section 4.2 requires for restricted subscriptions.
//
// The verification is written with crypto/ecdsa directly (instead of a JWT
// library) so that it shares no code with the sender under test.
func verifyVAPID(header, origin, restrictTo string, now time.Time) (vapidIdentity, *vapidError) {
	var id vapidIdentity
	if header == "" {
		return id, unauthorized("missing Authorization header (RFC 8292 vapid scheme required)")
	}
	scheme, params, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "vapid") {
		return id, unauthorized("authorization scheme %q is not \"vapid\"", scheme)
	}
	var token, key string
	for _, p := range strings.Split(params, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "t":
			token = value
		case "k":
			key = value
		}
	}
	if token == "" || key == "" {
		return id, unauthorized("vapid authorization needs both t= and k= parameters")
	}
	keyBytes, err := decodeB64URL(key)
	if err != nil {
		return id, unauthorized("k is not base64url: %v", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), keyBytes)
	if err != nil {
		return id, unauthorized("k is not an uncompressed P-256 public key: %v", err)
	}
	id.key = base64.RawURLEncoding.EncodeToString(keyBytes)

	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return id, unauthorized("JWT has %d parts, want 3", len(parts))
	}
	headerJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return id, unauthorized("JWT header is not base64url without padding: %v", err)
	}
	var jh struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(headerJSON, &jh); err != nil {
		return id, unauthorized("JWT header is not JSON: %v", err)
	}
	if jh.Alg != "ES256" {
		return id, unauthorized("JWT alg is %q, RFC 8292 requires ES256", jh.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return id, unauthorized("JWT signature is not base64url without padding: %v", err)
	}
	// JWS ES256 (RFC 7518 section 3.4) is the raw r || s, 32 octets each,
	// not the ASN.1 form crypto/ecdsa produces by default.
	if len(sig) != 64 {
		return id, unauthorized("JWT signature is %d bytes, ES256 needs 64 (r||s)", len(sig))
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return id, unauthorized("JWT signature does not verify with k")
	}

	claimsJSON, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return id, unauthorized("JWT claims are not base64url without padding: %v", err)
	}
	var claims struct {
		Aud any         `json:"aud"`
		Exp json.Number `json:"exp"`
		Sub string      `json:"sub"`
	}
	dec := json.NewDecoder(bytes.NewReader(claimsJSON))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return id, unauthorized("JWT claims are not JSON: %v", err)
	}
	aud, _ := claims.Aud.(string)
	if aud != origin {
		return id, unauthorized("JWT aud %v is not this push service's origin %q", claims.Aud, origin)
	}
	if claims.Exp == "" {
		return id, unauthorized("JWT has no exp claim")
	}
	exp, err := claims.Exp.Float64()
	if err != nil || math.IsNaN(exp) || math.IsInf(exp, 0) {
		return id, unauthorized("JWT exp %q is not a NumericDate", claims.Exp)
	}
	nowSec := float64(now.Unix())
	if exp <= nowSec {
		return id, unauthorized("JWT expired at %s", time.Unix(int64(exp), 0).UTC().Format(time.RFC3339))
	}
	if exp > nowSec+maxVAPIDLifetime.Seconds() {
		return id, unauthorized("JWT exp %s is more than 24h ahead (RFC 8292 section 2)", time.Unix(int64(exp), 0).UTC().Format(time.RFC3339))
	}
	if !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:") {
		return id, unauthorized("JWT sub %q must be a mailto: or https: contact", claims.Sub)
	}
	id.subject = claims.Sub
	id.expires = time.Unix(int64(exp), 0)

	if restrictTo != "" && id.key != restrictTo {
		return id, &vapidError{status: http.StatusForbidden,
			reason: "VAPID key does not match the applicationServerKey the subscription was created with"}
	}
	return id, nil
}

// decodeB64URL accepts base64url with or without padding. Senders differ
// (browsers and most libraries omit it), and both forms name the same key.
func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
