package intake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// receiptAlphabet is Crockford's base32: no I, L, O or U, so a code read aloud or copied by
// hand from a scrap of paper survives; lookalikes are mapped back when typed.
const receiptAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// receiptBytes is what a code carries: 80 bits, which with lookups rate-limited per client
// leaves a guesser no chance, in 16 characters a person can copy down in a hurry.
const receiptBytes = 10

// receiptChars is the length of a code without its dashes; legacyReceiptChars is the length of
// the 120-bit codes given out before, which keep working on old receipts.
const (
	receiptChars       = receiptBytes * 8 / 5
	legacyReceiptChars = 24
)

// newReceipt returns a fresh random receipt code like "K7QM-3X9P-A2B4-C6D8", for reports that
// come without a form token (the JSON API).
func newReceipt() string {
	var b [receiptBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return encodeReceipt(b)
}

// encodeReceipt writes 80 bits as 16 base32 characters in four groups of four. The dashes
// are for reading only: lookups ignore them.
func encodeReceipt(b [receiptBytes]byte) string {
	var out strings.Builder
	var acc uint16
	bits := 0
	n := 0
	for _, v := range b {
		acc = acc<<8 | uint16(v)
		bits += 8
		for bits >= 5 {
			if n > 0 && n%4 == 0 {
				out.WriteByte('-')
			}
			out.WriteByte(receiptAlphabet[(acc>>(bits-5))&31])
			bits -= 5
			n++
		}
	}
	return out.String()
}

// normalizeReceipt accepts a code as a person may type it — lower case, spaces or no dashes,
// O for 0, I or L for 1 — and returns its canonical characters, or false if it cannot be one.
// Both the current 16-character codes and the older 24-character ones are accepted.
func normalizeReceipt(code string) (string, bool) {
	if len(code) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(receiptAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != receiptChars && b.Len() != legacyReceiptChars {
		return "", false
	}
	return b.String(), true
}

// ReceiptKey hashes receipt codes. The key lives outside the database (environment or a file in
// the data folder), so a copy of the database alone cannot confirm a guessed code. It also
// signs the report forms' tokens and derives their receipt codes (formtoken.go), each use
// under a key of its own derived from this one.
type ReceiptKey []byte

// Hash returns the stored form of a code, or false if the code is malformed. A canonical code
// is hashed as it is, so codes handed out before keep their stored hashes.
func (k ReceiptKey) Hash(code string) (string, bool) {
	canon, ok := normalizeReceipt(code)
	if !ok {
		return "", false
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(canon))
	return hex.EncodeToString(m.Sum(nil)), true
}

// derive returns a key for one purpose, so that a token's tag, a derived code and a stored
// hash can never be mistaken for one another.
func (k ReceiptKey) derive(purpose string) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("headsup " + purpose))
	return m.Sum(nil)
}
