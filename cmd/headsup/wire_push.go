package main

import (
	"context"
	"fmt"
	"time"

	"github.com/headsup/headsup/push"
)

// pushParts is the push side of a running server.
type pushParts struct {
	service    *push.Service
	publicKey  string
	dispatcher *push.Dispatcher
}

// wirePush loads or generates the VAPID keys, builds the push service and starts the
// dispatcher, which runs until ctx ends or stop is called.
func (a *app) wirePush(ctx context.Context, opts appOptions) error {
	keys, err := push.LoadVAPIDKeys(ctx, a.store, a.cfg.VAPIDPublicKey, a.cfg.VAPIDPrivateKey)
	if err != nil {
		return &usageError{fmt.Errorf("push: %w", err)}
	}
	a.push.service = push.New(push.Options{
		Store:         a.store,
		Keys:          keys,
		Subject:       a.cfg.PushSubject(),
		Services:      a.cfg.PushServices,
		InsecureHosts: a.cfg.PushInsecureHosts,
		Areas:         a.areas,
		BaseURL:       a.cfg.BaseURL,
		Log:           a.log,
	})
	a.push.publicKey = keys.Public
	dopts := push.DispatcherOptions{
		Outcome: func(o string) { a.metrics.deliveries.WithLabelValues(o).Inc() },
		JobDone: func(took time.Duration) { a.metrics.fanoutDuration.Observe(took.Seconds()) },
	}
	if opts.Now != nil {
		dopts.Now = opts.Now
	}
	dopts.Poll = opts.DispatcherPoll
	a.push.dispatcher = a.push.service.NewDispatcher(dopts)
	a.push.dispatcher.Start(ctx)
	return nil
}

// stop ends the dispatcher: it waits for the pushes in flight (up to DispatcherOptions.Drain,
// counted from SIGTERM, since the dispatcher runs on the signal's context, so it overlaps the
// HTTP shutdown), checkpoints them and releases its job's lease so another replica continues at
// once. It must run before the database closes.
func (p *pushParts) stop() {
	if p.dispatcher != nil {
		p.dispatcher.Stop()
	}
}

// alive reports whether the dispatcher is working or polling, for /readyz: a replica whose
// dispatcher died would otherwise look healthy while alerts pile up.
func (p *pushParts) alive() bool {
	return p.dispatcher != nil && p.dispatcher.Alive(30*time.Second)
}
