package moderation

import "time"

// StaticURL exposes the hashed URL of a static file to the external tests, which request
// the stylesheet as a browser would.
func StaticURL(name string) string { return assets.URL(name) }

// GroupSecret exposes how the enrolment page spaces a TOTP secret.
func GroupSecret(s string) string { return groupSecret(s) }

// MatchTOTP exposes the second-factor check and its window of one step either way.
func MatchTOTP(secret, code string, now time.Time) (int64, bool) { return matchTOTP(secret, code, now) }
