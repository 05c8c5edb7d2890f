package mongodb

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// walkBatch is how many subscriptions the server sends per cursor batch during a fan-out.
const walkBatch = 500

// matchFilter selects the subscriptions m goes to; the kind comes first because the walk's
// index starts with it.
func matchFilter(m store.SubscriptionMatch) bson.D {
	areas := m.Areas
	if areas == nil {
		areas = []string{}
	}
	return bson.D{
		{Key: "kinds", Value: m.Kind},
		{Key: "areas", Value: bson.D{{Key: "$in", Value: areas}}},
		{Key: "min_rank", Value: bson.D{{Key: "$lte", Value: m.Severity.Rank()}}},
	}
}

// SaveSubscription stores sub under SubscriptionID(sub.Endpoint), replacing the record a
// browser made when it subscribed before (a new token, keys and choices). It returns the id.
func (s *Store) SaveSubscription(ctx context.Context, sub *store.Subscription) (string, error) {
	id := store.SubscriptionID(sub.Endpoint)
	set := append(subscriptionFields(sub), bson.E{Key: "endpoint", Value: sub.Endpoint},
		bson.E{Key: "token_hash", Value: sub.TokenHash})
	for attempt := 0; ; attempt++ {
		_, err := s.c(store.ColSubscriptions).UpdateOne(ctx, byID(id),
			bson.D{{Key: "$set", Value: set}}, options.UpdateOne().SetUpsert(true))
		// Two first subscribes of one browser race to insert; the loser updates the winner's.
		if isDuplicate(err) && attempt == 0 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("save subscription: %w", wrap(err))
		}
		return id, nil
	}
}

func subscriptionFields(sub *store.Subscription) bson.D {
	return bson.D{
		{Key: "p256dh", Value: sub.P256dh},
		{Key: "auth", Value: sub.Auth},
		{Key: "kinds", Value: sub.Kinds},
		{Key: "areas", Value: sub.Areas},
		{Key: "min_severity", Value: sub.MinSeverity},
		{Key: "min_rank", Value: sub.MinSeverity.Rank()},
		{Key: "discreet", Value: sub.Discreet},
		{Key: "lang", Value: sub.Lang},
	}
}

// InsertSubscriptions adds many new subscriptions at once, for seeding and benchmarks. Each
// id is set from its endpoint and MinRank from MinSeverity.
func (s *Store) InsertSubscriptions(ctx context.Context, subs []store.Subscription) error {
	if len(subs) == 0 {
		return nil
	}
	docs := make([]any, len(subs))
	for i := range subs {
		subs[i].ID = store.SubscriptionID(subs[i].Endpoint)
		subs[i].MinRank = subs[i].MinSeverity.Rank()
		docs[i] = &subs[i]
	}
	if _, err := s.c(store.ColSubscriptions).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
		return fmt.Errorf("insert subscriptions: %w", wrap(err))
	}
	return nil
}

// Subscription returns one subscription.
func (s *Store) Subscription(ctx context.Context, id string) (*store.Subscription, error) {
	return findOne[store.Subscription](ctx, s.c(store.ColSubscriptions), byID(id))
}

// UpdateSubscription replaces what subscription id receives, and its keys. The endpoint is
// fixed by the id; a browser whose endpoint changed subscribes again. tokenHash must still be
// the stored one, so a subscribe from the same browser in between wins over an old token.
func (s *Store) UpdateSubscription(ctx context.Context, id, tokenHash string, sub *store.Subscription) error {
	res, err := s.c(store.ColSubscriptions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "token_hash", Value: tokenHash}},
		bson.D{{Key: "$set", Value: subscriptionFields(sub)}})
	if err != nil {
		return fmt.Errorf("update subscription: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

// DeleteSubscription removes subscription id if tokenHash is still its token's.
func (s *Store) DeleteSubscription(ctx context.Context, id, tokenHash string) error {
	res, err := s.c(store.ColSubscriptions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "token_hash", Value: tokenHash}})
	if err != nil {
		return fmt.Errorf("delete subscription: %w", wrap(err))
	}
	if res.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

// DeleteGoneSubscription removes a subscription its push service reported gone (404/410). The
// id is derived from the endpoint the push went to (SubscriptionID), so this can only remove
// that endpoint's record, never one a browser renewed since.
func (s *Store) DeleteGoneSubscription(ctx context.Context, endpoint string) (bool, error) {
	res, err := s.c(store.ColSubscriptions).DeleteOne(ctx, byID(store.SubscriptionID(endpoint)))
	if err != nil {
		return false, fmt.Errorf("delete gone subscription: %w", wrap(err))
	}
	return res.DeletedCount > 0, nil
}

// MatchingSubscriptionsTotal counts the subscriptions an alert goes to, for progress pages.
func (s *Store) MatchingSubscriptionsTotal(ctx context.Context, m store.SubscriptionMatch) (n int64, ok bool, err error) {
	n, err = s.c(store.ColSubscriptions).CountDocuments(ctx, matchFilter(m))
	if err != nil {
		return 0, false, fmt.Errorf("count subscriptions: %w", wrap(err))
	}
	return n, true, nil
}

// subscriptionWalk streams the subscriptions an alert goes to from one cursor, holding at most
// one server batch in memory whatever the number of subscriptions.
type subscriptionWalk struct {
	cur *mongo.Cursor
}

// WalkSubscriptions starts or resumes a walk over the subscriptions matching m, in _id order
// after pos.After, over the {kinds, _id} index, so a resumed walk starts exactly after its
// checkpoint.
func (s *Store) WalkSubscriptions(ctx context.Context, m store.SubscriptionMatch, pos store.WalkPosition) (store.SubscriptionWalk, error) {
	filter := matchFilter(m)
	if pos.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: pos.After}}})
	}
	cur, err := s.c(store.ColSubscriptions).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(walkBatch))
	if err != nil {
		return nil, fmt.Errorf("walk subscriptions: %w", wrap(err))
	}
	return &subscriptionWalk{cur: cur}, nil
}

// Next returns up to n more subscriptions; none means the walk is complete.
func (w *subscriptionWalk) Next(ctx context.Context, n int) ([]store.Subscription, error) {
	out := make([]store.Subscription, 0, n)
	for len(out) < n && w.cur.Next(ctx) {
		var sub store.Subscription
		if err := w.cur.Decode(&sub); err != nil {
			return nil, fmt.Errorf("decode subscription: %w", err)
		}
		out = append(out, sub)
	}
	if err := w.cur.Err(); err != nil {
		return nil, fmt.Errorf("walk subscriptions: %w", wrap(err))
	}
	return out, nil
}

// Close ends the walk and frees the server's cursor.
func (w *subscriptionWalk) Close(ctx context.Context) { _ = w.cur.Close(ctx) }
