package main

import (
	"context"
	"time"

	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/publishing"
)

// moderationParts is the moderation side of a running server.
type moderationParts struct {
	// stop ends the purge loop and waits for it; app.stopWorkers calls it.
	stop func()
}

// purgeInterval is how often raw text past retention, spent challenges and dead sessions are
// deleted.
const purgeInterval = time.Hour

// wireModeration registers the moderation pages over the publishing use cases, whose pushes
// wake the dispatcher, and starts the purge loop.
func (a *app) wireModeration(ctx context.Context, opts appOptions, identifierKey []byte) error {
	publish := &publishing.Service{
		Store:         a.public,
		Areas:         a.areas,
		IdentifierKey: identifierKey,
		Now:           a.now,
		// Without it an approval's push would wait for the dispatcher's next poll.
		Waker: a.push.dispatcher,
	}
	moderation.Register(a.engine, moderation.Deps{
		Store:       a.public,
		Areas:       a.areas,
		BaseURL:     a.cfg.BaseURL,
		SiteName:    a.cfg.SiteName,
		Publishing:  publish,
		Intake:      a.intake,
		Logger:      a.log,
		Now:         a.now,
		Development: a.cfg.Development,
		Location:    a.loc,
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
