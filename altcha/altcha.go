// Package altcha is the server side of the ALTCHA v1 proof of work that guards
// POST /reports.
//
// It speaks the wire format of the ALTCHA widget and the altcha-lib family so
// that a stock widget (or any client that can hash) works without custom code:
//
//   - a challenge is {algorithm, challenge, maxnumber, salt, signature} where
//     challenge = hex(SHA-256(salt + decimal(number))) for a secret number in
//     [0, maxnumber], salt carries "?expires=<unix seconds>&" and
//     signature = hex(HMAC-SHA256(key, challenge));
//   - the client finds number by brute force and sends back
//     base64(JSON{algorithm, challenge, number, salt, signature[, took]}).
//
// Verification is stateless (HMAC plus one hash), so any process holding the
// key can verify. Single use is not: it needs shared state, and this package
// deliberately owns none. [Issuer.Redeem] marks a verified challenge as spent
// through a [SpentStore] supplied by the caller (the database, with a unique
// index), so replay protection survives restarts and holds across several
// processes.
//
// Why a proof of work at all: reporters are anonymous, there are no accounts,
// and the service stores no IP addresses, so there is nobody to ban. A proof
// of work costs a person a second once per report and costs a spammer the
// same second for every report, while rate limits (package ratelimit) cap
// what one address can do. Neither is a wall; together they are a speed bump
// that needs no tracking.
package altcha

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only hash algorithm issued and accepted. ALTCHA also
// defines SHA-1 and SHA-512; accepting a client-chosen algorithm would only
// add ways to be wrong.
const Algorithm = "SHA-256"

// DefaultMaxNumber is the default difficulty: the secret number is uniform in
// [0, DefaultMaxNumber], so a client computes DefaultMaxNumber/2 hashes on
// average and DefaultMaxNumber at worst.
//
// Why 100,000: the people filing reports are often on cheap, old phones, on
// bad connections, and in a hurry; the check must never be the reason a report
// is abandoned. ALTCHA's complexity benchmarks (altcha.org/docs/complexity)
// put 100,000 hashes at 0.83 s on an iPhone 12 mini and 2.5 s on a budget
// Samsung Galaxy A14, i.e. about 40,000 SHA-256/s through crypto.subtle on a
// cheap phone. With a uniform secret that is about 1.25 s on average and 2.5 s
// at worst on such a phone with one worker, and proportionally less when the
// widget spreads the range over several Web Workers (it does by default).
// Older low-end phones can be several times slower, which is why this is not
// higher. For contrast, Go on one server core does 5 to 8 million hashes per
// second (BenchmarkSolve): about 7 ms per challenge on average, so a
// determined bot pays only milliseconds per report. The proof of work sets a
// price; the rate limits set the ceiling. Raise the difficulty only with
// evidence that reporters' phones can still pay it.
const DefaultMaxNumber int64 = 100_000

// DefaultTTL is how long an issued challenge stays valid. The widget fetches a
// fresh challenge when the old one expires, so this only needs to cover
// fetching, solving and submitting; it also bounds how long spent records are
// kept.
const DefaultTTL = 15 * time.Minute

// SpentGrace is added to a challenge's expiry to get [Solution.Expires], the
// time until which the spent record must be kept. It covers clock skew between
// the processes that verify and the database that expires records: without
// it, a process whose clock runs slow could still accept a challenge whose
// spent record the database has already dropped.
const SpentGrace = 5 * time.Minute

// MaxPayloadLen bounds the encoded payload. A genuine payload is about 400
// bytes; anything much larger is not worth decoding.
const MaxPayloadLen = 2048

// saltBytes is the length of the random part of the salt (ALTCHA uses 12).
// The salt makes every challenge fresh, so that no table of precomputed
// hashes helps a solver.
const saltBytes = 16

// Errors returned by [Issuer.Verify] and [Issuer.Redeem]. They are sentinel
// values wrapped with detail; compare with errors.Is. All of them mean the
// client sent a bad proof (an HTTP 400), never a server fault.
var (
	// ErrMalformed: not base64, not the expected JSON, too large, an
	// algorithm other than SHA-256, or a salt this server never issues.
	ErrMalformed = errors.New("altcha: malformed payload")
	// ErrBadSignature: the challenge was not issued with this key.
	ErrBadSignature = errors.New("altcha: bad signature")
	// ErrWrongSolution: SHA-256(salt+number) is not the challenge, the
	// number is out of range, or the salt was tampered with.
	ErrWrongSolution = errors.New("altcha: wrong solution")
	// ErrExpired: a genuine solution to a challenge that has expired.
	ErrExpired = errors.New("altcha: challenge expired")
	// ErrReplayed: a genuine solution that has already been redeemed.
	ErrReplayed = errors.New("altcha: challenge already used")
)

// Challenge is what GET /challenge returns, in the ALTCHA v1 format. The JSON
// field names are the widget's (note the lower-case "maxnumber").
type Challenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Solution describes a verified payload.
type Solution struct {
	// Challenge is the challenge hash (64 lower-case hex digits). It is the
	// identity of a challenge: record it as spent. Every payload that
	// verifies for the same challenge carries the same string, whatever
	// else a client changes.
	Challenge string
	// Expires is the time until which the spent record must be kept: the
	// challenge's expiry plus [SpentGrace]. After it, Verify rejects the
	// payload as expired on its own.
	Expires time.Time
}

// SpentStore records spent challenges. The package keeps no state of its
// own so that replay protection survives restarts and is shared by every
// process using the same database.
//
// MarkSpent must be atomic: of any number of concurrent calls with the same
// challenge, across all processes, exactly one reports firstUse. An insert
// into a collection with a unique index on the challenge does this (a
// duplicate-key error means firstUse=false, not an error). The record may be
// deleted after expires, for example with a TTL index.
type SpentStore interface {
	MarkSpent(ctx context.Context, challenge string, expires time.Time) (firstUse bool, err error)
}

// Issuer issues and verifies challenges signed with one HMAC key. It is safe
// for concurrent use; several processes may share a key.
type Issuer struct {
	key       []byte
	maxNumber int64 // the calm difficulty; see difficulty.go for the flood one
	ttl       time.Duration
	now       func() time.Time

	threshold float64
	doublings int
	meter     *floodMeter
}

// NewIssuer returns an Issuer.
//
// key is the HMAC key. It must be secret and random (32 bytes from
// crypto/rand is right) and shared by every process that verifies; it panics
// if shorter than 16 bytes, because a guessable key lets anyone mint
// challenges with a known answer. maxNumber <= 0 means [DefaultMaxNumber];
// ttl <= 0 means [DefaultTTL]; now nil means time.Now (tests inject a clock).
func NewIssuer(key []byte, maxNumber int64, ttl time.Duration, now func() time.Time) *Issuer {
	if len(key) < 16 {
		panic("altcha: HMAC key shorter than 16 bytes")
	}
	if maxNumber <= 0 {
		maxNumber = DefaultMaxNumber
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	i := &Issuer{key: append([]byte(nil), key...), maxNumber: maxNumber, ttl: ttl, now: now}
	i.SetFlood(FloodThreshold, FloodWindow, FloodDoublings)
	return i
}

// MaxNumber returns the calm difficulty challenges are issued with (for the
// proof-of-work parameters in GET /meta); under a flood each challenge
// carries a higher maxnumber of its own.
func (i *Issuer) MaxNumber() int64 { return i.maxNumber }

// New issues a fresh challenge: a random salt, a secret number drawn
// uniformly from [0, CurrentMaxNumber] with crypto/rand, and an expiry of
// now+ttl.
func (i *Issuer) New() (Challenge, error) {
	i.note()
	maxNumber := i.CurrentMaxNumber()
	var raw [saltBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Challenge{}, fmt.Errorf("altcha: random salt: %w", err)
	}
	n, err := rand.Int(rand.Reader, big.NewInt(maxNumber+1))
	if err != nil {
		return Challenge{}, fmt.Errorf("altcha: random number: %w", err)
	}
	ch := i.challengeFor(hex.EncodeToString(raw[:]), n.Int64(), i.now().Add(i.ttl))
	ch.MaxNumber = maxNumber
	return ch, nil
}

// challengeFor builds the challenge for a given random salt, number and
// expiry. The salt ends with "&" so that no digit of the number can be read
// as part of the expires parameter: without it, salt "…?expires=17" with
// number 123 hashes exactly like salt "…?expires=171" with number 23, and a
// client could push an expiry into the future (ALTCHA's salt-splicing
// advisory, CVE-2025-68113). Verify additionally accepts only this exact
// salt shape.
func (i *Issuer) challengeFor(saltHex string, number int64, expires time.Time) Challenge {
	salt := saltHex + "?expires=" + strconv.FormatInt(expires.Unix(), 10) + "&"
	ch := hashHex(salt, number)
	return Challenge{
		Algorithm: Algorithm,
		Challenge: ch,
		MaxNumber: i.maxNumber,
		Salt:      salt,
		Signature: hex.EncodeToString(i.sign(ch)),
	}
}

func (i *Issuer) sign(challenge string) []byte {
	m := hmac.New(sha256.New, i.key)
	io.WriteString(m, challenge)
	return m.Sum(nil)
}

func hashHex(salt string, number int64) string {
	buf := make([]byte, 0, len(salt)+20)
	buf = strconv.AppendInt(append(buf, salt...), number, 10)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// wirePayload is the JSON the widget sends. Pointers tell a missing field
// from a zero one; every field but took and test is required.
type wirePayload struct {
	Algorithm *string `json:"algorithm"`
	Challenge *string `json:"challenge"`
	Number    *int64  `json:"number"`
	Salt      *string `json:"salt"`
	Signature *string `json:"signature"`
	// Took is the solving time in milliseconds the widget reports. It is
	// informational and ignored, but must be a number if present.
	Took *float64 `json:"took"`
	// Test is set by the widget in test mode, where it makes up an unsigned
	// challenge itself; such payloads fail the signature check anyway.
	Test *bool `json:"test"`
}

// Verify checks a payload as sent by the widget and, if it is a genuine,
// unexpired solution to a challenge issued with this key, returns what must
// be recorded to make it single use. Verify alone does not prevent replay;
// use [Issuer.Redeem] for that.
//
// The checks, in order: size, base64 (standard, also unpadded and URL-safe,
// since clients other than the widget vary), strict JSON (unknown fields,
// wrong types, missing fields, trailing data are errors), algorithm,
// the shape of challenge, signature and salt, the HMAC signature over the
// challenge (constant time), the number's range, SHA-256(salt+number) ==
// challenge, and last the expiry, which is read from the salt and therefore
// trusted only once the hash has tied the salt to the signed challenge.
func (i *Issuer) Verify(payload string) (Solution, error) {
	p, err := decodePayload(payload)
	if err != nil {
		return Solution{}, err
	}
	if *p.Algorithm != Algorithm {
		return Solution{}, fmt.Errorf("%w: algorithm must be %s", ErrMalformed, Algorithm)
	}
	if !isHex64(*p.Challenge) || !isHex64(*p.Signature) {
		return Solution{}, fmt.Errorf("%w: challenge and signature must be 64 lower-case hex digits", ErrMalformed)
	}
	expires, ok := parseSalt(*p.Salt)
	if !ok {
		return Solution{}, fmt.Errorf("%w: unexpected salt", ErrMalformed)
	}
	sig, _ := hex.DecodeString(*p.Signature) // isHex64 checked it
	if !hmac.Equal(sig, i.sign(*p.Challenge)) {
		return Solution{}, ErrBadSignature
	}
	// The signed challenge fixes the number; the range only bounds what is worth hashing, so
	// it is the highest difficulty ever issued, whatever the difficulty is now.
	n := *p.Number
	if n < 0 || n > i.Ceiling() {
		return Solution{}, fmt.Errorf("%w: number out of range", ErrWrongSolution)
	}
	if subtle.ConstantTimeCompare([]byte(hashHex(*p.Salt, n)), []byte(*p.Challenge)) != 1 {
		return Solution{}, ErrWrongSolution
	}
	if i.now().After(expires) {
		return Solution{}, ErrExpired
	}
	return Solution{Challenge: *p.Challenge, Expires: expires.Add(SpentGrace)}, nil
}

// Redeem verifies payload and marks its challenge spent in store. It returns
// nil only the first time a genuine, unexpired solution is redeemed anywhere
// that shares store; a second redemption gets [ErrReplayed].
//
// An error from the store is returned wrapped and matches none of this
// package's sentinels: it is a server fault (retry or 503), not a bad proof.
func (i *Issuer) Redeem(ctx context.Context, store SpentStore, payload string) error {
	sol, err := i.Verify(payload)
	if err != nil {
		return err
	}
	first, err := store.MarkSpent(ctx, sol.Challenge, sol.Expires)
	if err != nil {
		return fmt.Errorf("altcha: recording spent challenge: %w", err)
	}
	if !first {
		return ErrReplayed
	}
	i.note()
	return nil
}

func decodePayload(payload string) (wirePayload, error) {
	var p wirePayload
	payload = strings.TrimSpace(payload)
	if payload == "" {
		return p, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if len(payload) > MaxPayloadLen {
		return p, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxPayloadLen)
	}
	raw, err := decodeBase64(payload)
	if err != nil {
		return p, fmt.Errorf("%w: not base64", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("%w: not the expected JSON object", ErrMalformed)
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, fmt.Errorf("%w: trailing data after JSON object", ErrMalformed)
	}
	if p.Algorithm == nil || p.Challenge == nil || p.Number == nil || p.Salt == nil || p.Signature == nil {
		return p, fmt.Errorf("%w: missing field", ErrMalformed)
	}
	return p, nil
}

// decodeBase64 accepts what browsers' btoa produces (standard, padded) and,
// leniently, the unpadded and URL-safe variants other clients produce.
func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// parseSalt accepts exactly the salts challengeFor makes,
// "<24-64 lower-case hex>?expires=<unix seconds>&", and returns the expiry.
// Anything else (a spliced digit after the "&", extra parameters, leading
// zeros) is refused rather than interpreted.
func parseSalt(salt string) (time.Time, bool) {
	random, query, ok := strings.Cut(salt, "?")
	if !ok || len(random) < 24 || len(random) > 64 || !isLowerHex(random) {
		return time.Time{}, false
	}
	digits, ok := strings.CutPrefix(query, "expires=")
	if !ok {
		return time.Time{}, false
	}
	digits, ok = strings.CutSuffix(digits, "&")
	if !ok || len(digits) == 0 || len(digits) > 12 || (len(digits) > 1 && digits[0] == '0') {
		return time.Time{}, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return time.Time{}, false
		}
	}
	sec, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

func isHex64(s string) bool { return len(s) == 2*sha256.Size && isLowerHex(s) }

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Solve finds the number for ch by brute force over [0, ch.MaxNumber], as the
// widget does. It is for tests, benchmarks and non-browser clients; ok is
// false if there is no solution in range or ch.Challenge is not a SHA-256
// hex digest.
func Solve(ch Challenge) (number int64, ok bool) {
	want, err := hex.DecodeString(ch.Challenge)
	if err != nil || len(want) != sha256.Size || ch.MaxNumber < 0 {
		return 0, false
	}
	target := [sha256.Size]byte(want)
	buf := make([]byte, 0, len(ch.Salt)+20)
	buf = append(buf, ch.Salt...)
	for n := int64(0); ; n++ {
		if sha256.Sum256(strconv.AppendInt(buf, n, 10)) == target {
			return n, true
		}
		if n == ch.MaxNumber { // not n <= MaxNumber in the loop: MaxInt64 would never end
			return 0, false
		}
	}
}

// Payload encodes the solution number for ch the way the widget does:
// base64 (standard, padded) of the JSON object {algorithm, challenge, number,
// salt, signature}.
func Payload(ch Challenge, number int64) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // like JSON.stringify: the salt's "&" stays "&"
	err := enc.Encode(struct {
		Algorithm string `json:"algorithm"`
		Challenge string `json:"challenge"`
		Number    int64  `json:"number"`
		Salt      string `json:"salt"`
		Signature string `json:"signature"`
	}{ch.Algorithm, ch.Challenge, number, ch.Salt, ch.Signature})
	if err != nil { // cannot happen: strings and an integer always encode
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
