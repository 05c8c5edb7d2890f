package pushtest

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"testing"
)

// The example of RFC 8291 section 5 with the intermediate values of its
// Appendix A. Values are base64url without padding, copied from the RFC.
const (
	rfcPlaintext  = "When I grow up, I want to be a watermelon"
	rfcUAPrivate  = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcUAPublic   = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcASPrivate  = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcASPublic   = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcAuthSecret = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcSalt       = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcECDHSecret = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
	rfcPRKKey     = "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k"
	rfcIKM        = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
	rfcPRK        = "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc"
	rfcCEK        = "oIhVW04MRdy2XN9CiKLxTg"
	rfcNonce      = "4h_95klXJ5E_qnoN"
	rfcBody       = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
		"mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
		"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func rfcKey(t *testing.T, priv, pub string) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.P256().NewPrivateKey(mustB64(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()); got != pub {
		t.Fatalf("public key of %s = %s, want %s", priv, got, pub)
	}
	return k
}

// TestRFC8291Vector decrypts the RFC's own message and checks every step
// of the key schedule against Appendix A, so the fake is anchored to the
// standard and not merely consistent with one sender implementation.
func TestRFC8291Vector(t *testing.T) {
	ua := rfcKey(t, rfcUAPrivate, rfcUAPublic)
	as := rfcKey(t, rfcASPrivate, rfcASPublic)
	auth := mustB64(t, rfcAuthSecret)
	body := mustB64(t, rfcBody)

	asPub, err := ecdh.P256().NewPublicKey(mustB64(t, rfcASPublic))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := ua.ECDH(asPub)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := deriveSchedule(secret, auth, mustB64(t, rfcUAPublic), mustB64(t, rfcASPublic), mustB64(t, rfcSalt))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"ecdh_secret", ks.ecdhSecret, rfcECDHSecret},
		{"PRK_key", ks.prkKey, rfcPRKKey},
		{"IKM", ks.ikm, rfcIKM},
		{"PRK", ks.prk, rfcPRK},
		{"CEK", ks.cek, rfcCEK},
		{"NONCE", ks.nonce, rfcNonce},
	} {
		if got := base64.RawURLEncoding.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}

	plain, err := Decrypt(ua, auth, body)
	if err != nil {
		t.Fatalf("Decrypt(RFC 8291 body): %v", err)
	}
	if string(plain) != rfcPlaintext {
		t.Fatalf("Decrypt = %q, want %q", plain, rfcPlaintext)
	}

	// The test-side encryptor must reproduce the RFC body byte for byte;
	// the negative tests rely on it producing exactly what a sender would.
	got := encryptRecord(t, ua.PublicKey().Bytes(), auth, append([]byte(rfcPlaintext), 2), as, mustB64(t, rfcSalt), 4096)
	if !bytes.Equal(got, body) {
		t.Fatalf("encryptRecord = %s\nwant          %s", base64.RawURLEncoding.EncodeToString(got), rfcBody)
	}
}

func TestDecryptRejects(t *testing.T) {
	ua := rfcKey(t, rfcUAPrivate, rfcUAPublic)
	as := rfcKey(t, rfcASPrivate, rfcASPublic)
	auth := mustB64(t, rfcAuthSecret)
	salt := mustB64(t, rfcSalt)
	body := mustB64(t, rfcBody)
	seal := func(record []byte, rs uint32) []byte {
		return encryptRecord(t, ua.PublicKey().Bytes(), auth, record, as, salt, rs)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(body)
		b[i] ^= 1
		return b
	}
	otherAuth := bytes.Clone(auth)
	otherAuth[0] ^= 1

	cases := []struct {
		name string
		auth []byte
		body []byte
	}{
		{"tampered tag", auth, flip(len(body) - 1)},
		{"tampered ciphertext", auth, flip(90)},
		{"tampered salt", auth, flip(0)},
		{"tampered sender key", auth, flip(30)},
		{"wrong auth secret", otherAuth, body},
		{"short auth secret", auth[:15], body},
		{"truncated header", auth, body[:20]},
		{"truncated keyid", auth, body[:60]},
		{"no ciphertext", auth, body[:86]},
		{"idlen not 65", auth, func() []byte { b := bytes.Clone(body); b[20] = 64; return b }()},
		{"non-final record delimiter", auth, seal([]byte("hi\x01"), 4096)},
		{"no delimiter", auth, seal([]byte("hi\x00\x00"), 4096)},
		{"all zero record", auth, seal(make([]byte, 8), 4096)},
		{"record larger than rs", auth, seal(bytes.Repeat([]byte("x\x02"), 30), 40)},
		{"rs too small", auth, seal([]byte("\x02"), 17)},
	}
	for _, c := range cases {
		if p, err := Decrypt(ua, c.auth, c.body); err == nil {
			t.Errorf("%s: Decrypt succeeded with %q, want error", c.name, p)
		}
	}

	// Padding after the delimiter is legal and must be stripped, and a
	// plaintext may itself contain 0x02 and 0x00 octets.
	want := []byte("a\x02b\x00c")
	p, err := Decrypt(ua, auth, seal(append(bytes.Clone(want), 2, 0, 0, 0, 0), 4096))
	if err != nil || !bytes.Equal(p, want) {
		t.Fatalf("padded record: got %q, %v; want %q", p, err, want)
	}
}
