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
	if helped, err := parseFlags(fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("vapid takes no arguments")
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.stderr)
	s, emb, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	a := &app{cfg: cfg, log: log, store: s, embedded: emb}
	defer a.close(context.Background())
	keys, err := push.LoadVAPIDKeys(ctx, s, cfg.VAPIDPublicKey, cfg.VAPIDPrivateKey)
	if err != nil {
		return &usageError{fmt.Errorf("vapid: %w", err)}
	}
	fmt.Fprintln(env.stdout, keys.Public)
	return nil
}
