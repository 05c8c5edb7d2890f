package main

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/push"
)

// runVAPID prints the public VAPID key: the configured one, or the one generated and kept in
// the database (generating it now if the server never ran). The private key is never printed.
func runVAPID(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "vapid", true)
	if helped, err := parseNoArgs(fs, args); helped || err != nil {
		return err
	}
	db, err := openForCommand(ctx, env)
	if err != nil {
		return err
	}
	defer db.close()
	cfg, s := db.cfg, db.store
	keys, err := push.LoadVAPIDKeys(ctx, s, cfg.VAPIDPublicKey, cfg.VAPIDPrivateKey)
	if err != nil {
		return &usageError{fmt.Errorf("vapid: %w", err)}
	}
	fmt.Fprintln(env.stdout, keys.Public)
	return nil
}
