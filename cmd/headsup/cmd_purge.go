package main

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/moderation"
)

// runPurge deletes, now, what the server's hourly purge loop would: raw report text past
// HEADSUP_RETENTION_DAYS, spent proof-of-work records and dead sessions. Useful from cron
// when the server is not running, and to see the effect of a shorter retention at once.
func runPurge(ctx context.Context, env *environment, args []string) error {
	return withDatabase(ctx, env, "purge", args, func(a *app) error {
		res, err := (&moderation.Purger{Store: a.store, Retention: a.cfg.Retention(), Log: a.log}).Once(ctx)
		if err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		fmt.Fprintf(env.stdout, "Purged the raw text of %d report(s) decided more than %d day(s) ago, %d spent challenge(s) and %d expired session(s).\n",
			res.Reports, a.cfg.RetentionDays, res.Challenges, res.Sessions)
		return nil
	})
}
