package moderation

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"html/template"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpPeriod is the standard 30-second step every authenticator app uses.
const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// newTOTPSecret returns a fresh 160-bit secret in the base32 form authenticator apps take.
func newTOTPSecret(issuer, name string) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: name, Period: totpPeriod})
	if err != nil {
		return "", err
	}
	return key.Secret(), nil
}

// totpKey rebuilds the key of a stored secret, for the enrolment QR code and URL.
func totpKey(issuer, name, secret string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: name, Period: totpPeriod, Secret: raw})
}

// totpQR renders the otpauth:// URL as a PNG QR code inside a data: URL, so the secret never
// leaves the page for another request and the CSP's img-src data: allows it.
func totpQR(key *otp.Key) (template.URL, error) {
	img, err := key.Image(256, 256)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	// The content is our own PNG, so marking it safe for a src attribute is right.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// groupSecret spaces the secret in fours for typing it into an app by hand.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// matchTOTP returns the time step whose code equals code, allowing one step of clock drift
// either way. The caller then records the step, so that each code is accepted once.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	matched, found := int64(0), false
	for _, step := range []int64{current - 1, current, current + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		// Every step is compared, without stopping early, so the time taken says nothing.
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !found {
			matched, found = step, true
		}
	}
	return matched, found
}
