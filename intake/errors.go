package intake

import (
	"errors"
	"fmt"
	"time"
)

// The domain errors of intake. Each front end words them once: the API in its error table, the
// pages on their forms. A *report.ValidationError names the fields to fix, and
// store.ErrUnavailable passes through wrapped, for a 503.
var (
	// ErrNotFound means no report has this receipt code (or it was withdrawn).
	ErrNotFound = errors.New("no report has this receipt code")
	// ErrClosed means the report can no longer be changed: decided, merged or purged.
	ErrClosed = errors.New("report can no longer be changed")
	// ErrBadProof means the proof of work is wrong or expired.
	ErrBadProof = errors.New("invalid proof of work")
	// ErrReplayedProof means the proof of work was already used.
	ErrReplayedProof = errors.New("proof of work already used")
	// ErrRateLimited matches every *RateLimitedError with errors.Is, for callers that need not
	// know when to try again.
	ErrRateLimited = errors.New("rate limited")
)

// RateLimitedError says a rate limit refused the request and when to try again, so the API
// can send Retry-After and a page can say how long to wait.
type RateLimitedError struct{ Retry time.Duration }

func (e *RateLimitedError) Error() string { return fmt.Sprintf("rate limited for %s", e.Retry) }

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// Seconds is the wait rounded up to whole seconds, at least one, as Retry-After wants it.
func (e *RateLimitedError) Seconds() int {
	s := int((e.Retry + time.Second - 1) / time.Second)
	return max(s, 1)
}
