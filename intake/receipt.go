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

// receiptChars is 24 base32 characters: 120 bits, more than the 112 needed to make guessing
// hopeless, written as six groups of four.
const receiptChars = 24

// newReceipt returns a fresh receipt code like "K7QM-3X9P-A2B4-C6D8-E0F1-G3H5".
func newReceipt() string {
	// rand.Text-style sampling: 32 symbols divide 256 evenly, so masking 5 bits is unbiased.
	buf := make([]byte, receiptChars)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
	var b strings.Builder
	for i, v := range buf {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(receiptAlphabet[v&31])
	}
	return b.String()
}

// normalizeReceipt accepts a code as a person may type it — lower case, spaces or no dashes,
// O for 0, I or L for 1 — and returns its canonical characters, or false if it cannot be one.
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
	if b.Len() != receiptChars {
		return "", false
	}
	return b.String(), true
}

// ReceiptKey hashes receipt codes. The key lives outside the database (environment or a file in
// the data folder), so a copy of the database alone cannot confirm a guessed code.
type ReceiptKey []byte

// Hash returns the stored form of a code, or false if the code is malformed.
func (k ReceiptKey) Hash(code string) (string, bool) {
	canon, ok := normalizeReceipt(code)
	if !ok {
		return "", false
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(canon))
	return hex.EncodeToString(m.Sum(nil)), true
}
