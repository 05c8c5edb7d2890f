package store

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/headsup/headsup/report"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ErrEndpointInUse is returned when a subscription would take an endpoint another subscription
// already has; the endpoint is a browser's identity, so two records for it would push twice.
var ErrEndpointInUse = errors.New("push endpoint belongs to another subscription")

// Subscription is one browser's push subscription and what it wants to receive. It holds no
// account, address or time: only what a push needs. The token that lets its owner change it is
// kept as a hash.
type Subscription struct {
	ID       string `bson:"_id"`
	Endpoint string `bson:"endpoint"`
	P256dh   string `bson:"p256dh"`
	Auth     string `bson:"auth"`
	// TokenHash is the SHA-256 of the bearer token, hex; the token itself is shown only once.
	TokenHash   string          `bson:"token_hash"`
	Kinds       []report.Kind   `bson:"kinds"`
	Areas       []string        `bson:"areas"`
	MinSeverity report.Severity `bson:"min_severity"`
	// MinRank is MinSeverity.Rank(), stored so that matching is a number comparison in the query.
	MinRank  int    `bson:"min_rank"`
	Discreet bool   `bson:"discreet"`
	Lang     string `bson:"lang"`
}

// SubscriptionMatch selects the subscriptions an alert goes to: those wanting its kind, in at
// least one of its areas, whose minimum severity is at or below the alert's.
type SubscriptionMatch struct {
	Kind     report.Kind
	Areas    []string
	Severity report.Severity
}

func (m SubscriptionMatch) filter() bson.D {
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

func init() {
	extraIndexes = append(extraIndexes, func(ctx context.Context, s *Store) error {
		// Unique: a browser that subscribes again replaces its record instead of adding one.
		_, err := s.c(colSubscriptions).Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys: bson.D{{Key: "endpoint", Value: 1}}, Options: options.Index().SetUnique(true)})
		if err != nil {
			return fmt.Errorf("create index on %s: %w", colSubscriptions, wrap(err))
		}
		return nil
	})
}

// isFerret asks the server what it is; FerretDB answers buildInfo with its own version field.
// It is asked per call rather than cached (the Store struct belongs to store.go), which costs
// one small round trip per window of subscriptions. Errors count as MongoDB, whose plan is the
// safe default.
func (s *Store) isFerret(ctx context.Context) bool {
	var info bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false
	}
	_, ok := info["ferretdbVersion"]
	return ok
}

// SaveSubscription stores sub, or replaces the record that has the same endpoint (a browser
// subscribing again), keeping that record's id. It returns the id stored.
func (s *Store) SaveSubscription(ctx context.Context, sub *Subscription) (string, error) {
	set := subscriptionFields(sub)
	set = append(set, bson.E{Key: "endpoint", Value: sub.Endpoint})
	for attempt := 0; ; attempt++ {
		var doc struct {
			ID string `bson:"_id"`
		}
		err := s.c(colSubscriptions).FindOneAndUpdate(ctx,
			bson.D{{Key: "endpoint", Value: sub.Endpoint}},
			bson.D{{Key: "$set", Value: set}, {Key: "$setOnInsert", Value: bson.D{{Key: "_id", Value: sub.ID}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After).
				SetProjection(bson.D{{Key: "_id", Value: 1}}),
		).Decode(&doc)
		// Two requests for one new endpoint race to insert; the loser updates the winner's record.
		if isDuplicate(err) && attempt == 0 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("save subscription: %w", wrap(err))
		}
		return doc.ID, nil
	}
}

func subscriptionFields(sub *Subscription) bson.D {
	return bson.D{
		{Key: "p256dh", Value: sub.P256dh},
		{Key: "auth", Value: sub.Auth},
		{Key: "token_hash", Value: sub.TokenHash},
		{Key: "kinds", Value: sub.Kinds},
		{Key: "areas", Value: sub.Areas},
		{Key: "min_severity", Value: sub.MinSeverity},
		{Key: "min_rank", Value: sub.MinSeverity.Rank()},
		{Key: "discreet", Value: sub.Discreet},
		{Key: "lang", Value: sub.Lang},
	}
}

// InsertSubscriptions adds many new subscriptions at once, for imports and benchmarks. MinRank
// is filled in from MinSeverity.
func (s *Store) InsertSubscriptions(ctx context.Context, subs []Subscription) error {
	docs := make([]any, len(subs))
	for i := range subs {
		subs[i].MinRank = subs[i].MinSeverity.Rank()
		docs[i] = &subs[i]
	}
	if _, err := s.c(colSubscriptions).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
		return fmt.Errorf("insert subscriptions: %w", wrap(err))
	}
	return nil
}

// Subscription returns one subscription.
func (s *Store) Subscription(ctx context.Context, id string) (*Subscription, error) {
	var sub Subscription
	if err := s.c(colSubscriptions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&sub); err != nil {
		return nil, wrap(err)
	}
	return &sub, nil
}

// UpdateSubscription replaces what subscription id receives, and its endpoint and keys (a
// browser renews them after pushsubscriptionchange). tokenHash must still be the stored one, so
// a subscribe from the same browser in between wins over an update with the old token.
func (s *Store) UpdateSubscription(ctx context.Context, id, tokenHash string, sub *Subscription) error {
	set := subscriptionFields(sub)
	set = append(set, bson.E{Key: "endpoint", Value: sub.Endpoint})
	res, err := s.c(colSubscriptions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "token_hash", Value: tokenHash}},
		bson.D{{Key: "$set", Value: set}})
	if isDuplicate(err) {
		return ErrEndpointInUse
	}
	if err != nil {
		return fmt.Errorf("update subscription: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteSubscription removes subscription id if tokenHash is still its token's.
func (s *Store) DeleteSubscription(ctx context.Context, id, tokenHash string) error {
	res, err := s.c(colSubscriptions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "token_hash", Value: tokenHash}})
	if err != nil {
		return fmt.Errorf("delete subscription: %w", wrap(err))
	}
	if res.DeletedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteGoneSubscription removes a subscription its push service reported gone (404/410), but
// only if it still has that endpoint: a browser may have renewed it since the push was sent.
func (s *Store) DeleteGoneSubscription(ctx context.Context, id, endpoint string) (bool, error) {
	res, err := s.c(colSubscriptions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "endpoint", Value: endpoint}})
	if err != nil {
		return false, fmt.Errorf("delete gone subscription: %w", wrap(err))
	}
	return res.DeletedCount > 0, nil
}

// CountMatchingSubscriptions counts the subscriptions an alert goes to, for progress pages.
func (s *Store) CountMatchingSubscriptions(ctx context.Context, m SubscriptionMatch) (int64, error) {
	n, err := s.c(colSubscriptions).CountDocuments(ctx, m.filter())
	if err != nil {
		return 0, fmt.Errorf("count subscriptions: %w", wrap(err))
	}
	return n, nil
}

// MatchingSubscriptions returns up to limit subscriptions matching m whose id is greater than
// after, in id order, so that a fan-out can walk them in windows and resume from the last id
// it finished. It never holds more than limit subscriptions.
//
// On MongoDB this is an ordinary sorted, limited query on the _id index. FerretDB v1 pushes
// neither range filters nor sorts down to SQLite: a sorted query would make it load and sort
// every matching document in memory. There the documents are streamed unsorted instead, and
// the limit smallest ids are kept in a bounded heap: one pass over the collection per window,
// and memory bounded by limit whatever the number of subscriptions.
func (s *Store) MatchingSubscriptions(ctx context.Context, m SubscriptionMatch, after string, limit int) ([]Subscription, error) {
	filter := m.filter()
	if after != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	// token_hash is never needed to send a push, so it never leaves the database for it.
	projection := bson.D{{Key: "token_hash", Value: 0}}
	if !s.isFerret(ctx) {
		cur, err := s.c(colSubscriptions).Find(ctx, filter, options.Find().
			SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
			SetBatchSize(int32(min(limit, 1000))).SetProjection(projection))
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", wrap(err))
		}
		out := make([]Subscription, 0, limit)
		if err := cur.All(ctx, &out); err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", wrap(err))
		}
		return out, nil
	}
	cur, err := s.c(colSubscriptions).Find(ctx, filter, options.Find().SetBatchSize(1000).SetProjection(projection))
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", wrap(err))
	}
	defer cur.Close(ctx)
	h := make(subHeap, 0, limit)
	var sub Subscription
	for cur.Next(ctx) {
		// Compare the raw id first: most documents of a large collection lose to the heap's
		// top and are never decoded.
		id, ok := cur.Current.Lookup("_id").StringValueOK()
		if !ok || (len(h) == limit && strings.Compare(id, h[0].ID) >= 0) {
			continue
		}
		sub = Subscription{}
		if err := cur.Decode(&sub); err != nil {
			return nil, fmt.Errorf("decode subscription: %w", err)
		}
		if len(h) < limit {
			heap.Push(&h, sub)
		} else {
			h[0] = sub
			heap.Fix(&h, 0)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", wrap(err))
	}
	out := make([]Subscription, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(Subscription)
	}
	return out, nil
}

// subHeap is a max-heap by id: its top is the largest of the smallest ids seen so far.
type subHeap []Subscription

func (h subHeap) Len() int           { return len(h) }
func (h subHeap) Less(i, j int) bool { return h[i].ID > h[j].ID }
func (h subHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *subHeap) Push(x any)        { *h = append(*h, x.(Subscription)) }
func (h *subHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
