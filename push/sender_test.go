package push

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/push/pushtest"
)

// RFC 8291 section 5 and Appendix A, base64url as printed in the RFC.
const (
	rfcPlaintext  = "When I grow up, I want to be a watermelon"
	rfcUAPublic   = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcASPrivate  = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcAuthSecret = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcSalt       = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcBody       = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
		"mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
		"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The sender's record is byte for byte the RFC's example when given the RFC's key and salt.
func TestEncryptReproducesRFC8291Example(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	got, err := encryptWith([]byte(rfcPlaintext), b64(t, rfcUAPublic), b64(t, rfcAuthSecret), 0, as, b64(t, rfcSalt))
	if err != nil {
		t.Fatal(err)
	}
	if want := b64(t, rfcBody); !bytes.Equal(got, want) {
		t.Fatalf("body differs from RFC 8291 section 5:\n got %s\nwant %s", base64.RawURLEncoding.EncodeToString(got), rfcBody)
	}
}

// Every message is one full 4096-byte body whatever its text, so its length tells the push
// service nothing; two messages with the same text share no bytes of key or ciphertext.
func TestEncryptPadsEveryMessageToOneSize(t *testing.T) {
	ua, auth := b64(t, rfcUAPublic), b64(t, rfcAuthSecret)
	short, err := encrypt([]byte("hi"), ua, auth)
	if err != nil {
		t.Fatal(err)
	}
	long, err := encrypt(bytes.Repeat([]byte("x"), 3000), ua, auth)
	if err != nil {
		t.Fatal(err)
	}
	again, err := encrypt([]byte("hi"), ua, auth)
	if err != nil {
		t.Fatal(err)
	}
	if len(short) != recordSize || len(long) != recordSize {
		t.Fatalf("body sizes %d and %d, want both %d", len(short), len(long), recordSize)
	}
	if bytes.Equal(short[:headerLen], again[:headerLen]) || bytes.Equal(short[headerLen:], again[headerLen:]) {
		t.Fatal("two messages reuse the salt, key or ciphertext")
	}
	if _, err := encrypt(bytes.Repeat([]byte("x"), recordSize), ua, auth); err == nil {
		t.Fatal("a payload larger than one record was accepted")
	}
	for name, tc := range map[string]struct{ ua, auth []byte }{
		"point not on the curve": {append([]byte{4}, make([]byte, 64)...), auth},
		"compressed point":       {ua[:33], auth},
		"short auth secret":      {ua, auth[:8]},
	} {
		if _, err := encrypt([]byte("hi"), tc.ua, tc.auth); err == nil {
			t.Errorf("%s: encrypted anyway", name)
		}
	}
}

func newTestSender(t *testing.T, fake *pushtest.Server) (*Sender, VAPIDKeys) {
	t.Helper()
	keys, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(fake.Client(), keys, "mailto:ops@example.org")
	if s.keyErr != nil {
		t.Fatal(s.keyErr)
	}
	return s, keys
}

// What the fake push service receives after verifying the VAPID token and decrypting: the
// payload as sent, with its headers, signed with the configured key and contact.
func TestSenderDeliversVerifiedDecryptableMessages(t *testing.T) {
	fake := pushtest.New(pushtest.Options{TLS: true})
	defer fake.Close()
	s, keys := newTestSender(t, fake)
	subs := fake.Mint(3)
	for i, sub := range subs {
		payload := []byte(`{"title":"message ` + string(rune('A'+i)) + `"}`)
		resp, err := s.Send(context.Background(), Message{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth,
			Payload: payload, TTL: 600, Urgency: "high", Topic: "topic" + string(rune('A'+i))})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("push %d: %d %s", i, resp.StatusCode, body)
		}
		got := fake.Received(i)
		if len(got) != 1 {
			t.Fatalf("subscription %d received %d messages", i, len(got))
		}
		m := got[0]
		if !bytes.Equal(m.Payload, payload) || m.TTL != 600 || m.Urgency != "high" || m.Topic != "topic"+string(rune('A'+i)) ||
			m.VAPIDKey != keys.Public || m.Subscriber != "mailto:ops@example.org" || m.Proto != "HTTP/2.0" {
			t.Fatalf("subscription %d received %+v (payload %q)", i, m, m.Payload)
		}
	}
}

// One token serves every message to a push service for an hour (RFC 8292 section 2), a new
// one is signed after that, and each push service gets its own audience.
func TestVAPIDTokenReusedThenRenewed(t *testing.T) {
	fake := pushtest.New(pushtest.Options{TLS: true})
	defer fake.Close()
	s, _ := newTestSender(t, fake)
	now := time.Now()
	s.now = func() time.Time { return now }

	first, err := s.authorization(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(vapidRenewAfter - time.Second)
	if again, err := s.authorization(fake.URL()); err != nil {
		t.Fatal(err)
	} else if again != first {
		t.Fatal("the token was signed again within its renewal period")
	}
	claims := tokenClaims(t, first)
	if claims.Aud != fake.URL() || claims.Sub != "mailto:ops@example.org" {
		t.Fatalf("claims %+v", claims)
	}
	if left := time.Unix(claims.Exp, 0).Sub(now); left < 10*time.Hour || left > 24*time.Hour {
		t.Fatalf("token valid for %v more when it is still used; want 10 h..24 h", left)
	}
	other, err := s.authorization("https://fcm.googleapis.com")
	if err != nil {
		t.Fatal(err)
	}
	if tokenClaims(t, other).Aud != "https://fcm.googleapis.com" {
		t.Fatal("another push service got a token for the wrong audience")
	}

	now = now.Add(2 * time.Second)
	renewed, err := s.authorization(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	if renewed == first {
		t.Fatal("the token was not renewed after an hour")
	}
	// The push service accepts the renewed token (and would reject an expired one).
	s.now = time.Now
	clear(s.tokens)
	sub := fake.Mint(1)[0]
	resp, err := s.Send(context.Background(), Message{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, Payload: []byte("x"), TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("push with a fresh token: %d", resp.StatusCode)
	}
}

type vapidClaims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

func tokenClaims(t *testing.T, header string) vapidClaims {
	t.Helper()
	token, _, _ := strings.Cut(strings.TrimPrefix(header, "vapid t="), ",")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", header)
	}
	var c vapidClaims
	if err := json.Unmarshal(b64(t, parts[1]), &c); err != nil {
		t.Fatal(err)
	}
	return c
}
