package moderation

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/headsup/headsup/store"
)

// Purger deletes what is kept only for a while: the raw text of decided reports after the
// retention period, spent proof-of-work records, and dead sessions. No engine relies on TTL
// indexes, so this runs as a loop in the server and as `headsup purge`.
type Purger struct {
	Store     store.Store
	Retention time.Duration
	Log       *slog.Logger
	// Now is the clock the cut-offs are measured from; nil is time.Now. Tests move it.
	Now func() time.Time
}

// PurgeResult says how much one pass removed.
type PurgeResult struct {
	Reports    int64
	Challenges int64
	Sessions   int64
}

// Once runs one pass. Each part runs even if an earlier one failed; the first error is
// returned.
func (p *Purger) Once(ctx context.Context) (PurgeResult, error) {
	var res PurgeResult
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	var err error
	res.Reports, err = p.Store.PurgeDecidedReports(ctx, now.Add(-p.Retention))
	keep(err)
	res.Challenges, err = p.Store.PurgeSpentChallenges(ctx)
	keep(err)
	res.Sessions, err = p.Store.PurgeSessions(ctx, now.Add(-IdleTimeout), now.Add(-AbsoluteTimeout))
	keep(err)
	if res.Reports > 0 {
		appendAudit(ctx, p.Store, p.Log, now, "system", ActionPurge, "", "reports="+strconv.FormatInt(res.Reports, 10))
	}
	return res, first
}

// Run purges every interval until ctx ends. The first pass comes a minute after start, not an
// interval: a server restarted more often than hourly must still purge, but not compete with
// its own start-up.
func (p *Purger) Run(ctx context.Context, interval time.Duration) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	first := time.NewTimer(min(time.Minute, interval))
	defer first.Stop()
	select {
	case <-ctx.Done():
		return
	case <-first.C:
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		res, err := p.Once(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("purge failed", "err", err)
		} else if res.Reports+res.Challenges+res.Sessions > 0 {
			log.Info("purged", "reports", res.Reports, "challenges", res.Challenges, "sessions", res.Sessions)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
