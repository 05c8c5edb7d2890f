package sqlite

import (
	"context"
	"time"
)

// MarkSpent records that a proof-of-work challenge has been used. The primary key makes the
// first insert win, so a solution is accepted once, across restarts and processes.
func (s *Store) MarkSpent(ctx context.Context, challenge string, expires time.Time) (bool, error) {
	var n int64
	err := s.writeUnsynced(ctx, func(c conn) error {
		var err error
		n, err = c.execN(ctx, `INSERT INTO spent_challenges (challenge, expires) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING`,
			challenge, ms(expires))
		return wrapf("record spent challenge", err)
	})
	return n == 1, err
}

// PurgeSpentChallenges deletes records of challenges that have expired; a replay of one is
// refused by its expiry already.
func (s *Store) PurgeSpentChallenges(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(c conn) error {
		var err error
		n, err = c.execN(ctx, `DELETE FROM spent_challenges WHERE expires < ?`, s.now().UnixMilli())
		return wrapf("purge spent challenges", err)
	})
	return n, err
}
