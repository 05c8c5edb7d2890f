package moderation

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/headsup/headsup/i18n"
	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id costs. Memory is in KiB.
type HashParams struct {
	Memory  uint32
	Time    uint32
	Threads uint8
}

// ProductionHashing is OWASP's recommended argon2id configuration (19 MiB, 2 passes, 1 lane).
// Only tests use anything cheaper: a hash records its own parameters, so accounts created
// with cheap ones in a test database verify without affecting production.
var ProductionHashing = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	minPasswordRunes = 8
	maxPasswordRunes = 128
	saltBytes        = 16
	keyBytes         = 32
)

// Reasons a password is refused, shown to the person choosing it.
var (
	errPasswordShort  = problem("error.password_short")
	errPasswordLong   = problem("error.password_long")
	errPasswordCommon = problem("error.password_common")
	errPasswordName   = problem("error.password_name")
)

// problem is an error for the person at the form, named by its key in the moderation catalog:
// a page shows it in its own language (In), the command line and the logs in English (Error).
type problem string

func (p problem) Error() string { return p.In(i18n.Default) }

// In is the sentence in lang; no problem is no sentence.
func (p problem) In(lang string) string {
	if p == "" {
		return ""
	}
	return catalog.Text(lang, string(p))
}

//go:embed passwords.txt
var commonPasswordList string

// commonPasswords is the embedded list as a set of lower-case entries.
var commonPasswords = func() map[string]struct{} {
	set := map[string]struct{}{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
	}
	return set
}()

// checkPassword applies the rules of NIST SP 800-63B: a length range and a blocklist, no
// composition rules, so a long passphrase of plain words is welcome.
func checkPassword(name, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password) || n < minPasswordRunes:
		return errPasswordShort
	case n > maxPasswordRunes:
		return errPasswordLong
	}
	lower := strings.ToLower(password)
	if _, ok := commonPasswords[lower]; ok {
		return errPasswordCommon
	}
	if _, ok := commonPasswords[strings.ToLower(strings.TrimSpace(password))]; ok {
		return errPasswordCommon
	}
	if len(name) >= 3 && strings.Contains(lower, strings.ToLower(name)) {
		return errPasswordName
	}
	return nil
}

// hashPassword returns the PHC string form of password's argon2id hash with a fresh salt.
func hashPassword(p HashParams, password string) string {
	salt := make([]byte, saltBytes)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyBytes)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// verifyPassword reports whether password matches encoded, using the parameters recorded in it.
func verifyPassword(encoded, password string) bool {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

func decodeHash(encoded string) (HashParams, []byte, []byte, error) {
	var p HashParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errors.New("bad argon2 parameters")
	}
	if p.Memory == 0 || p.Memory > 1<<20 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return p, nil, nil, errors.New("argon2 parameters out of range")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, err
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, errors.New("bad argon2 key")
	}
	return p, salt, key, nil
}

// HashParamsOf returns the parameters an encoded hash was made with, so tests can assert what
// production stores.
func HashParamsOf(encoded string) (HashParams, error) {
	p, _, _, err := decodeHash(encoded)
	return p, err
}

// newOneTimePassword returns 20 characters from a 31-symbol alphabet (99 bits), grouped for
// reading aloud, with no characters that look alike.
func newOneTimePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	const limit = 256 - 256%len(alphabet) // drawing only below a multiple keeps every symbol equally likely
	var b strings.Builder
	buf := make([]byte, 1)
	for n := 0; n < 20; {
		_, _ = rand.Read(buf)
		if int(buf[0]) >= limit {
			continue
		}
		if n > 0 && n%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[int(buf[0])%len(alphabet)])
		n++
	}
	return b.String()
}
