package intake

import "time"

// SetSameFormWait shortens the wait for a concurrent send of the same form, for tests that
// go through it on purpose.
func SetSameFormWait(d time.Duration) func() {
	old := sameFormWait
	sameFormWait = d
	return func() { sameFormWait = old }
}
