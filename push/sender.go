package push

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Sender encrypts one message for one subscription (RFC 8291, aes128gcm) and posts it with a
// VAPID Authorization header (RFC 8292).
//
// It does what webpush-go's SendNotification does, except that the VAPID header is made once
// per push service origin and renewed hourly, as RFC 8292 section 2 allows, instead of deriving
// the public key and signing a fresh JWT for every message, which the push service would then
// verify again. The dispatcher sends through one Sender; it is exported for cmd/pushbench's
// bare loop. The cryptography is the standard library's (crypto/ecdh, crypto/hkdf, AES-GCM)
// and the JWT golang-jwt's; the record layout is checked byte for byte against RFC 8291
// Appendix A, and webpush-go remains the baseline pushbench compares with.
type Sender struct {
	client  *http.Client
	subject string // mailto: or https: contact
	signKey *ecdsa.PrivateKey
	keyErr  error  // the private key is unusable; every push fails with it
	keyB64  string // public key, base64url, for the k= parameter
	now     func() time.Time

	mu     sync.Mutex
	tokens map[string]vapidToken // by audience (push service origin)
}

type vapidToken struct {
	header  string
	renewAt time.Time
}

const (
	// vapidLifetime is how long a token is valid; RFC 8292 allows at most 24 h, and a margin
	// keeps a push service with a fast clock from refusing it.
	vapidLifetime = 12 * time.Hour
	// vapidRenewAfter: a token is replaced long before it expires, so a message retried for
	// hours never carries a stale one.
	vapidRenewAfter = time.Hour
	// maxAudiences bounds the token cache; push services are a handful of origins, but
	// Microsoft's are many hosts, and an unbounded map would grow with them.
	maxAudiences = 1024
	// recordSize is the aes128gcm record size: every message is padded to one full 4096-byte
	// body, the size every push service must accept (RFC 8030 section 7.2), so that its length
	// tells a push service nothing about the alert (detailed or discreet, long or short).
	recordSize = 4096
	// headerLen is the aes128gcm header: salt, record size, key id length, sender's key.
	headerLen = 16 + 4 + 1 + 65
	// tagLen is AES-GCM's authentication tag, which ends the record.
	tagLen = 16
)

// NewSender prepares the signing key once. Keys come checked from LoadVAPIDKeys; should they
// not be usable anyway, every push fails with the reason instead of the process stopping.
func NewSender(client *http.Client, keys VAPIDKeys, subject string) *Sender {
	s := &Sender{client: client, subject: subject, keyB64: keys.Public, now: time.Now, tokens: map[string]vapidToken{}}
	priv, err := decodeKey(keys.Private)
	if err == nil {
		s.signKey, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), priv)
	}
	if err != nil {
		s.keyErr = fmt.Errorf("VAPID private key: %w", err)
	}
	return s
}

// authorization returns the VAPID header for a push service origin, signing a token only
// when there is none or it is due for renewal.
func (s *Sender) authorization(audience string) (string, error) {
	if s.keyErr != nil {
		return "", s.keyErr
	}
	now := s.now()
	s.mu.Lock()
	t, ok := s.tokens[audience]
	s.mu.Unlock()
	if ok && now.Before(t.renewAt) {
		return t.header, nil
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"aud": audience,
		"exp": now.Add(vapidLifetime).Unix(),
		"sub": s.subject,
	}).SignedString(s.signKey)
	if err != nil {
		return "", fmt.Errorf("sign VAPID token: %w", err)
	}
	t = vapidToken{header: "vapid t=" + token + ", k=" + s.keyB64, renewAt: now.Add(vapidRenewAfter)}
	s.mu.Lock()
	if len(s.tokens) >= maxAudiences {
		clear(s.tokens)
	}
	s.tokens[audience] = t
	s.mu.Unlock()
	return t.header, nil
}

// Message is one message to one subscription.
type Message struct {
	Endpoint string
	P256dh   string // base64url, the browser's public key
	Auth     string // base64url, the browser's 16-byte secret
	Payload  []byte
	TTL      int // seconds; always sent, 0 means deliver now or never
	Urgency  string
	Topic    string
}

// errCannotEncrypt marks a subscription whose keys or endpoint cannot be used, as opposed to a
// failed request: retrying it would never succeed.
var errCannotEncrypt = errors.New("push: cannot encrypt for this subscription")

// Send posts one message. A *url.Error comes from the HTTP client (the push may be retried);
// any other error means no request was made: the subscription's keys or endpoint are unusable,
// or the VAPID key is. Otherwise the caller reads and closes the response.
func (s *Sender) Send(ctx context.Context, p Message) (*http.Response, error) {
	uaPublic, err1 := decodeKey(p.P256dh)
	authSecret, err2 := decodeKey(p.Auth)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("%w: %v", errCannotEncrypt, err)
	}
	body, err := encrypt(p.Payload, uaPublic, authSecret)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCannotEncrypt, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint: %v", errCannotEncrypt, err)
	}
	// The token's audience is the push service's origin (RFC 8292 section 2).
	auth, err := s.authorization(req.URL.Scheme + "://" + req.URL.Host)
	if err != nil {
		return nil, err
	}
	h := req.Header
	h["Content-Encoding"] = []string{"aes128gcm"}
	h["Content-Type"] = []string{"application/octet-stream"}
	h["Ttl"] = []string{strconv.Itoa(p.TTL)}
	h["Authorization"] = []string{auth}
	if p.Urgency != "" {
		h["Urgency"] = []string{p.Urgency}
	}
	if p.Topic != "" {
		h["Topic"] = []string{p.Topic}
	}
	return s.client.Do(req)
}

// encrypt makes an RFC 8291 aes128gcm body of exactly recordSize bytes: one record holding the
// plaintext, the 0x02 delimiter and zeros. Every message gets a fresh key pair and salt, as
// the RFC requires.
func encrypt(plaintext, uaPublic, authSecret []byte) ([]byte, error) {
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return nil, err
	}
	return encryptWith(plaintext, uaPublic, authSecret, recordSize-headerLen-tagLen, as, salt[:])
}

// encryptWith is encrypt with the sender's key pair and salt given, and the record padded to
// padTo bytes of plaintext (at least the plaintext and delimiter), so that tests can reproduce
// RFC 8291 Appendix A exactly.
func encryptWith(plaintext, uaPublic, authSecret []byte, padTo int, as *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	if len(authSecret) != 16 {
		return nil, errors.New("auth secret must be 16 bytes")
	}
	if len(salt) != 16 {
		return nil, errors.New("salt must be 16 bytes")
	}
	ua, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		return nil, errors.New("p256dh is not a P-256 public key")
	}
	secret, err := as.ECDH(ua)
	if err != nil {
		return nil, err
	}
	asPublic := as.PublicKey().Bytes()

	// RFC 8291 section 3.4: IKM from the ECDH secret and the auth secret, bound to both keys.
	prkKey, err := hkdf.Extract(sha256.New, secret, authSecret)
	if err != nil {
		return nil, err
	}
	keyInfo := make([]byte, 0, 14+65+65)
	keyInfo = append(append(append(keyInfo, "WebPush: info\x00"...), uaPublic...), asPublic...)
	ikm, err := hkdf.Expand(sha256.New, prkKey, string(keyInfo), 32)
	if err != nil {
		return nil, err
	}
	// RFC 8188 section 2.2: content encryption key and nonce from the salt.
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}

	size := max(padTo, len(plaintext)+1)
	if headerLen+size+tagLen > recordSize {
		return nil, fmt.Errorf("payload of %d bytes does not fit one %d-byte record", len(plaintext), recordSize)
	}
	// One buffer for the body: the record is laid out after the header and sealed in place.
	out := make([]byte, headerLen+size+tagLen)
	copy(out, salt)
	binary.BigEndian.PutUint32(out[16:], recordSize)
	out[20] = byte(len(asPublic))
	copy(out[21:], asPublic)
	record := out[headerLen : headerLen+size] // zeros after the delimiter are the padding
	copy(record, plaintext)
	record[len(plaintext)] = 0x02 // last (only) record
	return gcm.Seal(out[:headerLen], nonce, record, nil), nil
}
