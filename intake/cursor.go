package intake

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/headsup/headsup/report"
)

// EncodeCursor makes the opaque page cursor (publish time and id of the last alert shown)
// that the API's "next" and the alerts page's "older" link carry, so that a link made by one
// front end pages the same listing in the other.
func EncodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMilli(), 10) + "." + id))
}

// DecodeCursor reads a cursor made by EncodeCursor; ok is false for anything else, including
// the empty string.
func DecodeCursor(s string) (t time.Time, id string, ok bool) {
	// A real cursor is under 60 characters; refuse longer ones before decoding anything.
	if s == "" || len(s) > 100 {
		return time.Time{}, "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	ms, id, ok := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || !report.ValidID(id) {
		return time.Time{}, "", false
	}
	return time.UnixMilli(n).UTC(), id, true
}
