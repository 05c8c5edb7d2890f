package report

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// IdentifierHMAC is the form under which a checkable identifier is stored and looked up. The
// type is part of the message so that a phone number and a plate with the same characters never
// meet. normalized must come from NormalizeIdentifier, so that every spelling of one number
// gives one HMAC; the key lives in the settings, so a leaked alert document alone cannot be
// tested against a list of numbers.
func IdentifierHMAC(key []byte, typ, normalized string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(typ))
	m.Write([]byte{':'})
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil))
}
