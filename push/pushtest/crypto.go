package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes from RFC 8188 section 2.1 and RFC 8291 section 4. They are spelled
// out rather than inferred from the body because a push service must not
// trust the sender's framing: every length is checked before it is used.
const (
	saltLen     = 16
	rsLen       = 4
	headerFixed = saltLen + rsLen + 1 // salt || rs || idlen
	pointLen    = 65                  // uncompressed P-256 point
	authLen     = 16
	tagLen      = 16
	// MaxBody is the largest request body the fake accepts. RFC 8030
	// section 7.2 only obliges push services to take 4096 octets of payload
	// and the real ones (FCM, Mozilla autopush, Apple) reject larger bodies
	// with 413, so the fake does the same: a payload that only fits here
	// would fail in production.
	MaxBody = 4096
)

// keySchedule holds every intermediate value of RFC 8291 section 3.4 and
// RFC 8188 section 2.2. Keeping them (instead of only the CEK and nonce) lets
// the unit test compare each step with RFC 8291 Appendix A, so a mistake
// shows up at the step that made it rather than as "decryption failed".
type keySchedule struct {
	ecdhSecret []byte // ECDH(ua_private, as_public) = ECDH(as_private, ua_public)
	prkKey     []byte // HKDF-Extract(salt=auth_secret, IKM=ecdh_secret)
	ikm        []byte // HKDF-Expand(PRK_key, key_info, 32)
	prk        []byte // HKDF-Extract(salt=salt, IKM=IKM)
	cek        []byte // HKDF-Expand(PRK, "Content-Encoding: aes128gcm" || 0x00, 16)
	nonce      []byte // HKDF-Expand(PRK, "Content-Encoding: nonce" || 0x00, 12)
}

// deriveSchedule runs the key schedule from an already computed ECDH
// secret. It takes the secret rather than a private key so that the same
// code serves the receiver (the fake) and the sender-side helper in the
// tests, which computes the secret from the other half of the key pair.
func deriveSchedule(ecdhSecret, authSecret, uaPublic, asPublic, salt []byte) (*keySchedule, error) {
	ks := &keySchedule{ecdhSecret: ecdhSecret}
	var err error
	if ks.prkKey, err = hkdf.Extract(sha256.New, ecdhSecret, authSecret); err != nil {
		return nil, err
	}
	// key_info = "WebPush: info" || 0x00 || ua_public || as_public
	keyInfo := make([]byte, 0, len("WebPush: info\x00")+2*pointLen)
	keyInfo = append(keyInfo, "WebPush: info\x00"...)
	keyInfo = append(keyInfo, uaPublic...)
	keyInfo = append(keyInfo, asPublic...)
	if ks.ikm, err = hkdf.Expand(sha256.New, ks.prkKey, string(keyInfo), 32); err != nil {
		return nil, err
	}
	if ks.prk, err = hkdf.Extract(sha256.New, ks.ikm, salt); err != nil {
		return nil, err
	}
	if ks.cek, err = hkdf.Expand(sha256.New, ks.prk, "Content-Encoding: aes128gcm\x00", 16); err != nil {
		return nil, err
	}
	if ks.nonce, err = hkdf.Expand(sha256.New, ks.prk, "Content-Encoding: nonce\x00", 12); err != nil {
		return nil, err
	}
	return ks, nil
}

// Decrypt opens an RFC 8291 Web Push message body ("Content-Encoding:
// aes128gcm", RFC 8188) with the subscription's private key and auth
// secret, as the browser would, and returns the plaintext without padding.
//
// It is written from the RFCs instead of reusing webpush-go so that the fake
// is an independent check of the sender: a bug shared by an encryptor and a
// decryptor from the same library would otherwise cancel out.
//
// Web Push allows exactly one record (RFC 8291 section 4), so a body whose
// ciphertext exceeds rs, or whose record is not marked as the last one
// (delimiter 0x02), is rejected. body is left as it was.
func Decrypt(priv *ecdh.PrivateKey, authSecret, body []byte) ([]byte, error) {
	return decryptInPlace(priv, authSecret, bytes.Clone(body))
}

// decryptInPlace is Decrypt writing the plaintext over the ciphertext in body, which it
// returns a part of. The server decrypts into its pooled request buffer this way: a second
// 4 KB buffer per push was garbage the fake's collector then spent CPU on, on the same two
// cores the dispatcher is measured on.
func decryptInPlace(priv *ecdh.PrivateKey, authSecret, body []byte) ([]byte, error) {
	if priv == nil {
		return nil, errors.New("pushtest: nil private key")
	}
	if len(authSecret) != authLen {
		return nil, fmt.Errorf("pushtest: auth secret is %d bytes, want %d", len(authSecret), authLen)
	}
	if len(body) < headerFixed {
		return nil, fmt.Errorf("pushtest: body of %d bytes is shorter than the aes128gcm header", len(body))
	}
	salt := body[:saltLen]
	rs := binary.BigEndian.Uint32(body[saltLen : saltLen+rsLen])
	idlen := int(body[saltLen+rsLen])
	// RFC 8291 section 4: keyid carries the sender's ephemeral public key,
	// so it must be exactly one uncompressed P-256 point.
	if idlen != pointLen {
		return nil, fmt.Errorf("pushtest: keyid is %d bytes, want %d (the sender's uncompressed P-256 key)", idlen, pointLen)
	}
	if len(body) < headerFixed+idlen {
		return nil, errors.New("pushtest: body ends inside the keyid")
	}
	asPublicBytes := body[headerFixed : headerFixed+idlen]
	ciphertext := body[headerFixed+idlen:]
	// RFC 8188 section 2: rs must exceed the tag plus one delimiter octet.
	if rs < tagLen+2 {
		return nil, fmt.Errorf("pushtest: record size %d is too small", rs)
	}
	if len(ciphertext) < tagLen+1 {
		return nil, fmt.Errorf("pushtest: ciphertext of %d bytes cannot hold a tag and a delimiter", len(ciphertext))
	}
	if uint64(len(ciphertext)) > uint64(rs) {
		return nil, fmt.Errorf("pushtest: ciphertext of %d bytes exceeds rs %d: Web Push allows a single record", len(ciphertext), rs)
	}

	asPublic, err := ecdh.P256().NewPublicKey(asPublicBytes)
	if err != nil {
		return nil, fmt.Errorf("pushtest: sender key: %w", err)
	}
	secret, err := priv.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("pushtest: ecdh: %w", err)
	}
	ks, err := deriveSchedule(secret, authSecret, priv.PublicKey().Bytes(), asPublicBytes, salt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(ks.cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// Single record: SEQ is 0, so the nonce is used as derived.
	record, err := gcm.Open(ciphertext[:0], ks.nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("pushtest: aes-gcm: %w", err)
	}
	return unpad(record)
}

// unpad strips RFC 8188 padding: the plaintext is followed by a delimiter
// (0x02 for the last record) and any number of zero octets.
func unpad(record []byte) ([]byte, error) {
	i := len(record) - 1
	for i >= 0 && record[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, errors.New("pushtest: record has no padding delimiter")
	}
	if record[i] != 2 {
		return nil, fmt.Errorf("pushtest: padding delimiter is 0x%02x, want 0x02 (last record)", record[i])
	}
	return record[:i], nil
}
