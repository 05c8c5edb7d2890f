package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

const subscriptionCols = `id, endpoint, p256dh, auth, token_hash, kinds, areas, min_severity, min_rank, discreet, lang`

func scanSubscription(sc scanner) (store.Subscription, error) {
	var sub store.Subscription
	var kinds, areas, minSeverity string
	if err := sc.Scan(&sub.ID, &sub.Endpoint, &sub.P256dh, &sub.Auth, &sub.TokenHash, &kinds, &areas, &minSeverity,
		&sub.MinRank, &sub.Discreet, &sub.Lang); err != nil {
		return sub, err
	}
	sub.MinSeverity = report.Severity(minSeverity)
	if err := json.Unmarshal([]byte(kinds), &sub.Kinds); err != nil {
		return sub, fmt.Errorf("decode subscription: %w", err)
	}
	if err := json.Unmarshal([]byte(areas), &sub.Areas); err != nil {
		return sub, fmt.Errorf("decode subscription: %w", err)
	}
	return sub, nil
}

// subscriptionArgs are sub's values in the order of subscriptionCols, with the id derived from
// the endpoint and the rank from the minimum severity.
func subscriptionArgs(sub *store.Subscription) ([]any, error) {
	kinds, err := encodeText("subscription", sub.Kinds)
	if err != nil {
		return nil, err
	}
	areas, err := encodeText("subscription", sub.Areas)
	if err != nil {
		return nil, err
	}
	return []any{sub.ID, sub.Endpoint, sub.P256dh, sub.Auth, sub.TokenHash, kinds, areas,
		string(sub.MinSeverity), sub.MinRank, boolInt(sub.Discreet), sub.Lang}, nil
}

const insertSubscription = `INSERT INTO subscriptions (` + subscriptionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// SaveSubscription stores sub under SubscriptionID(sub.Endpoint), replacing the record a
// browser made when it subscribed before (a new token, keys and choices). It returns the id.
func (s *Store) SaveSubscription(ctx context.Context, sub *store.Subscription) (string, error) {
	rec := *sub
	rec.ID = store.SubscriptionID(sub.Endpoint)
	rec.MinRank = sub.MinSeverity.Rank()
	args, err := subscriptionArgs(&rec)
	if err != nil {
		return "", err
	}
	err = s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, insertSubscription+` ON CONFLICT (id) DO UPDATE SET endpoint = excluded.endpoint,
			p256dh = excluded.p256dh, auth = excluded.auth, token_hash = excluded.token_hash, kinds = excluded.kinds,
			areas = excluded.areas, min_severity = excluded.min_severity, min_rank = excluded.min_rank,
			discreet = excluded.discreet, lang = excluded.lang`, args...)
		return wrapf("save subscription", err)
	})
	if err != nil {
		return "", err
	}
	return rec.ID, nil
}

// InsertSubscriptions adds many new subscriptions at once, in one transaction, for seeding and
// benchmarks. Each id is set from its endpoint and MinRank from MinSeverity.
func (s *Store) InsertSubscriptions(ctx context.Context, subs []store.Subscription) error {
	return s.write(ctx, func(c conn) error {
		for i := range subs {
			subs[i].ID = store.SubscriptionID(subs[i].Endpoint)
			subs[i].MinRank = subs[i].MinSeverity.Rank()
			args, err := subscriptionArgs(&subs[i])
			if err != nil {
				return err
			}
			if _, err := c.exec(ctx, insertSubscription, args...); err != nil {
				return wrapf("insert subscriptions", err)
			}
		}
		return nil
	})
}

// Subscription returns one subscription.
func (s *Store) Subscription(ctx context.Context, id string) (*store.Subscription, error) {
	sub, err := scanSubscription(s.read().queryRow(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE id = ?`, id))
	if err != nil {
		return nil, wrapf("read subscription", err)
	}
	return &sub, nil
}

// UpdateSubscription replaces what subscription id receives, and its keys, if tokenHash is
// still the stored one (else ErrNotFound). The endpoint is fixed by the id.
func (s *Store) UpdateSubscription(ctx context.Context, id, tokenHash string, sub *store.Subscription) error {
	kinds, err := encodeText("subscription", sub.Kinds)
	if err != nil {
		return err
	}
	areas, err := encodeText("subscription", sub.Areas)
	if err != nil {
		return err
	}
	return s.write(ctx, func(c conn) error {
		n, err := c.execN(ctx, `UPDATE subscriptions SET p256dh = ?, auth = ?, kinds = ?, areas = ?, min_severity = ?,
			min_rank = ?, discreet = ?, lang = ? WHERE id = ? AND token_hash = ?`,
			sub.P256dh, sub.Auth, kinds, areas, string(sub.MinSeverity), sub.MinSeverity.Rank(),
			boolInt(sub.Discreet), sub.Lang, id, tokenHash)
		if err != nil {
			return wrapf("update subscription", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// DeleteSubscription removes subscription id if tokenHash is still its token's.
func (s *Store) DeleteSubscription(ctx context.Context, id, tokenHash string) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.execN(ctx, `DELETE FROM subscriptions WHERE id = ? AND token_hash = ?`, id, tokenHash)
		if err != nil {
			return wrapf("delete subscription", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// DeleteGoneSubscription removes the subscription of endpoint after its push service said
// 404/410. The id derives from the endpoint, so a browser that renewed since (a new endpoint)
// keeps its record.
func (s *Store) DeleteGoneSubscription(ctx context.Context, endpoint string) (bool, error) {
	var n int64
	err := s.write(ctx, func(c conn) error {
		var err error
		n, err = c.execN(ctx, `DELETE FROM subscriptions WHERE id = ?`, store.SubscriptionID(endpoint))
		return wrapf("delete gone subscription", err)
	})
	return n > 0, err
}

// MatchingSubscriptionsTotal counts the subscriptions an alert goes to. It reads the narrow
// (min_rank, kinds, areas) index rather than the rows, which is cheap enough to do once per
// alert version even with a large number of subscribers.
func (s *Store) MatchingSubscriptionsTotal(ctx context.Context, m store.SubscriptionMatch) (int64, bool, error) {
	areas, err := encodeText("areas", m.Areas)
	if err != nil {
		return 0, false, err
	}
	var n int64
	err = s.read().queryRow(ctx, `SELECT count(*) FROM subscriptions INDEXED BY subscriptions_match
		WHERE min_rank <= ?
		AND EXISTS (SELECT 1 FROM json_each(subscriptions.kinds) WHERE json_each.value = ?)
		AND EXISTS (SELECT 1 FROM json_each(subscriptions.areas) AS mine, json_each(?) AS wanted WHERE mine.value = wanted.value)`,
		m.Severity.Rank(), string(m.Kind), areas).Scan(&n)
	if err != nil {
		return 0, false, wrapf("count subscriptions", err)
	}
	return n, true, nil
}

// walkBatch is how many subscriptions one step of a walk reads by primary key.
const walkBatch = 500

// subscriptionWalk reads subscriptions in id order, a primary-key range at a time, and keeps
// those m selects (SubscriptionMatch.Matches, so that both engines agree).
type subscriptionWalk struct {
	s     *Store
	m     store.SubscriptionMatch
	after string
	done  bool
}

// WalkSubscriptions starts or resumes a walk, in id order, over the subscriptions matching m,
// strictly after pos.After.
func (s *Store) WalkSubscriptions(ctx context.Context, m store.SubscriptionMatch, pos store.WalkPosition) (store.SubscriptionWalk, error) {
	return &subscriptionWalk{s: s, m: m, after: pos.After}, nil
}

// Next returns up to n more subscriptions; none means the walk is complete.
func (w *subscriptionWalk) Next(ctx context.Context, n int) ([]store.Subscription, error) {
	out := make([]store.Subscription, 0, n)
	for len(out) < n && !w.done {
		batch, err := queryAll(ctx, w.s.read(), "walk subscriptions", scanSubscription,
			`SELECT `+subscriptionCols+` FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?`, w.after, walkBatch)
		if err != nil {
			return nil, err
		}
		if len(batch) < walkBatch {
			w.done = true
		}
		for i := range batch {
			if len(out) == n {
				w.done = false // stopped inside the batch: the rest is read again next time
				break
			}
			w.after = batch[i].ID
			if w.m.Matches(&batch[i]) {
				out = append(out, batch[i])
			}
		}
	}
	return out, nil
}

// Close ends the walk; it holds nothing open between batches.
func (w *subscriptionWalk) Close(context.Context) {}
