package report

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
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

// invisible reports whether r is a character a person cannot see and never means as part of an
// identifier: format characters (category Cf: zero-width space, joiners, soft hyphen, byte-order
// mark, direction marks), the combining grapheme joiner and variation selectors. Copying a
// handle from a profile or a chat often brings some along.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r == '\u034F' ||
		(r >= '\uFE00' && r <= '\uFE0F') || (r >= 0xE0100 && r <= 0xE01EF)
}

// StripInvisible removes the characters invisible reports from s. Intake applies it to the
// identifier fields (phones, handles, plate), so a pasted zero-width space neither fails the
// form nor hides a number from /check.
func StripInvisible(s string) string {
	if strings.IndexFunc(s, invisible) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
}

// canonicalText is the one folding every identifier goes through before its type's own rules:
// invisible characters removed, Unicode NFKC (so full-width "ｊｏｓé" and decomposed "jose\u0301"
// are "josé", and full-width digits are digits), surrounding space trimmed. foldCase adds
// Unicode case folding (not ToLower: folding is the comparison form, "Straße" meets "STRASSE"),
// followed by NFKC again because folding can leave a string that is not in NFKC.
func canonicalText(s string, foldCase bool) string {
	s = norm.NFKC.String(StripInvisible(s))
	if foldCase {
		s = norm.NFKC.String(cases.Fold().String(s)) // a Caser is stateful: one per call
	}
	return strings.TrimSpace(s)
}
