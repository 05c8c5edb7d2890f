package report

import (
	"crypto/rand"
	"encoding/base64"
)

// NewID returns a random 128-bit public id, URL-safe. Ids are never ObjectIds, which embed
// their creation time and would date a report to the second.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidID reports whether s could be an id made by NewID, so that handlers refuse anything else
// before it reaches a query.
func ValidID(s string) bool {
	if len(s) != 22 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
