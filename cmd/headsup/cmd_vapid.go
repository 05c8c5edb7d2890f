package main

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/push"
)

// runVAPID prints the public VAPID key: the configured one, or the one generated and kept in
// the database (generating it now if the server never ran). The private key is never printed.
func runVAPID(ctx context.Context, env *environment, args []string) error {
	return withDatabase(ctx, env, "vapid", args, func(a *app) error {
		keys, err := push.LoadVAPIDKeys(ctx, a.store, a.cfg.VAPIDPublicKey, a.cfg.VAPIDPrivateKey)
		if err != nil {
			return &usageError{fmt.Errorf("vapid: %w", err)}
		}
		fmt.Fprintln(env.stdout, keys.Public)
		return nil
	})
}
