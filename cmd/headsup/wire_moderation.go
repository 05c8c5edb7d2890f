package main

import (
	"context"
	"time"

	"github.com/headsup/headsup/moderation"
)

// moderationParts is the moderation side of a running server.
type moderationParts struct {
	// stop ends the purge loop and waits for it; app.stopWorkers calls it.
	stop func()
}

// purgeInterval is how often raw text past retention, spent challenges and dead sessions are
// deleted.
const purgeInterval = time.Hour

// wireModeration registers the moderation pages and starts the purge loop.
func (a *app) wireModeration(ctx context.Context, opts appOptions, identifierKey []byte) error {
	moderation.Register(a.engine, moderation.Deps{
		Store:         a.public,
		Areas:         a.areas,
		BaseURL:       a.cfg.BaseURL,
		SiteName:      a.cfg.SiteName,
		IdentifierKey: identifierKey,
		Logger:        a.log,
		Now:           a.now,
		Development:   a.cfg.Development,
		// TOTP stays on even in development: no configuration switch turns it off yet.
	})
	purger := &moderation.Purger{Store: a.store, Retention: a.cfg.Retention(), Log: a.log}
	// The loop outlives the start-up context and ends only through stop.
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		purger.Run(loopCtx, purgeInterval)
	}()
	a.moderation.stop = func() {
		cancel()
		<-done
	}
	return nil
}
