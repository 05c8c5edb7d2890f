package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/headsup/headsup/report"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

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

// SaveSubscription stores sub under SubscriptionID(sub.Endpoint), replacing the record a
// browser made when it subscribed before (a new token, keys and choices). It returns the id.
func (s *Store) SaveSubscription(ctx context.Context, sub *Subscription) (string, error) {
	id := SubscriptionID(sub.Endpoint)
	set := append(subscriptionFields(sub), bson.E{Key: "endpoint", Value: sub.Endpoint},
		bson.E{Key: "token_hash", Value: sub.TokenHash})
	for attempt := 0; ; attempt++ {
		_, err := s.c(colSubscriptions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
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

func subscriptionFields(sub *Subscription) bson.D {
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

// InsertSubscriptions adds many new subscriptions at once, for imports and benchmarks. Each id
// is set from its endpoint and MinRank from MinSeverity.
func (s *Store) InsertSubscriptions(ctx context.Context, subs []Subscription) error {
	docs := make([]any, len(subs))
	for i := range subs {
		subs[i].ID = SubscriptionID(subs[i].Endpoint)
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
	return findOne[Subscription](ctx, s.c(colSubscriptions), bson.D{{Key: "_id", Value: id}})
}

// UpdateSubscription replaces what subscription id receives, and its keys. The endpoint is
// fixed by the id; a browser whose endpoint changed subscribes again. tokenHash must still be
// the stored one, so a subscribe from the same browser in between wins over an old token.
func (s *Store) UpdateSubscription(ctx context.Context, id, tokenHash string, sub *Subscription) error {
	res, err := s.c(colSubscriptions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "token_hash", Value: tokenHash}},
		bson.D{{Key: "$set", Value: subscriptionFields(sub)}})
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

// DeleteGoneSubscription removes a subscription its push service reported gone (404/410). The
// id is derived from the endpoint the push went to (SubscriptionID), so this can only remove
// that endpoint's record, never one a browser renewed since; filtering on _id alone keeps it
// one indexed lookup on MongoDB and the one query FerretDB pushes down to SQLite.
func (s *Store) DeleteGoneSubscription(ctx context.Context, endpoint string) (bool, error) {
	res, err := s.c(colSubscriptions).DeleteOne(ctx, bson.D{{Key: "_id", Value: SubscriptionID(endpoint)}})
	if err != nil {
		return false, fmt.Errorf("delete gone subscription: %w", wrap(err))
	}
	return res.DeletedCount > 0, nil
}

// SubscriptionID is the id of the subscription for endpoint: the first 128 bits of its SHA-256,
// URL-safe (report.ValidID accepts it). Deriving the id from the endpoint makes "subscribe
// again replaces the old record" an upsert by _id, and an id always names one endpoint, so
// deleting by id after a 404/410 can never remove a renewed subscription. The endpoint is an
// unguessable capability URL, so the id is as random as a generated one and dates nothing.
// (FerretDB v1 only pushes _id equality down to SQLite; a lookup by any other field decodes
// every subscription, which is why the id and not the endpoint is the key.)
func SubscriptionID(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// MatchingSubscriptionsTotal counts the subscriptions an alert goes to, for progress pages,
// when that is cheap: on MongoDB. On FerretDB counting decodes every subscription (it costs as
// much as the fan-out's own walk), so ok is false there and the total is known at the end.
func (s *Store) MatchingSubscriptionsTotal(ctx context.Context, m SubscriptionMatch) (n int64, ok bool, err error) {
	if s.isFerret(ctx) {
		return 0, false, nil
	}
	n, err = s.c(colSubscriptions).CountDocuments(ctx, m.filter())
	if err != nil {
		return 0, false, fmt.Errorf("count subscriptions: %w", wrap(err))
	}
	return n, true, nil
}

// WalkPosition is where a walk over subscriptions resumes: after the subscription with id
// After. Markers are the ids last handed out before it, in walk order, for servers where the
// walk is not in id order (see WalkSubscriptions).
type WalkPosition struct {
	After   string   `bson:"after,omitempty"`
	Markers []string `bson:"markers,omitempty"`
}

// SubscriptionWalk streams the subscriptions an alert goes to, a batch at a time, holding at
// most one driver batch in memory whatever the number of subscriptions.
type SubscriptionWalk struct {
	s       *Store
	m       SubscriptionMatch
	direct  *directWalk // reading the embedded database's file instead of a cursor
	cur     *mongo.Cursor
	ferret  bool
	skip    map[string]int // FerretDB resume: marker id -> its index
	skipped int            // index+1 of the last marker passed; 0 while none seen
	// Restarted is set when a FerretDB walk could not find where it stopped (every marker was
	// deleted since) and started again from the first subscription: at least once still holds,
	// but more than one batch may be sent twice.
	Restarted bool
}

// WalkSubscriptions starts or resumes a walk over the subscriptions matching m.
//
// On MongoDB the walk is in _id order over the _id index and resumes exactly after pos.After.
// FerretDB v1 pushes neither range filters nor sorts down to SQLite: every query other than
// _id equality decodes every document, and a sorted one also holds them all in memory. So
// there one unsorted query streams the whole walk in storage order, which is insertion order
// and is stable (updates stay in place, new subscriptions come last). Resuming skips up to the
// last of pos.Markers still present; that costs one more pass, only after a crash. On the
// embedded database read directly (Embedded.ReadDirectly) the walk is in _id order again and
// resumes exactly after pos.After, one indexed query per batch.
func (s *Store) WalkSubscriptions(ctx context.Context, m SubscriptionMatch, pos WalkPosition) (*SubscriptionWalk, error) {
	if s.direct != nil {
		dw, err := s.direct.walk(ctx, m, pos.After)
		if err != nil {
			return nil, err
		}
		return &SubscriptionWalk{s: s, m: m, direct: dw}, nil
	}
	w := &SubscriptionWalk{s: s, m: m, ferret: s.isFerret(ctx)}
	if w.ferret && len(pos.Markers) > 0 {
		w.skip = make(map[string]int, len(pos.Markers))
		for i, id := range pos.Markers {
			w.skip[id] = i
		}
	}
	after := pos.After
	if w.ferret {
		after = ""
	}
	if err := w.open(ctx, after); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *SubscriptionWalk) open(ctx context.Context, after string) error {
	filter := w.m.filter()
	// No projection: FerretDB v1 applies one by deep-copying every document several times,
	// which costs more than carrying the token hash along (it is never used or logged here).
	opts := options.Find().SetBatchSize(500)
	if !w.ferret {
		if after != "" {
			filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
		}
		opts.SetSort(bson.D{{Key: "_id", Value: 1}})
	}
	cur, err := w.s.c(colSubscriptions).Find(ctx, filter, opts)
	if err != nil {
		return fmt.Errorf("walk subscriptions: %w", wrap(err))
	}
	w.cur = cur
	return nil
}

// Next returns up to n more subscriptions; none means the walk is complete. Only what a push
// needs is sure to be filled in: Kinds, Areas and TokenHash may be empty.
func (w *SubscriptionWalk) Next(ctx context.Context, n int) ([]Subscription, error) {
	if w.direct != nil {
		return w.direct.next(ctx, n)
	}
	out := make([]Subscription, 0, n)
	for len(out) < n && w.cur.Next(ctx) {
		if w.skip != nil {
			id, _ := w.cur.Current.Lookup("_id").StringValueOK()
			if i, ok := w.skip[id]; ok {
				if i+1 > w.skipped {
					w.skipped = i + 1
				}
				continue
			}
			if w.skipped == 0 {
				continue // still before the resume point
			}
			// The first subscription after the last surviving marker: resume here.
			w.skip = nil
		}
		var sub Subscription
		if err := w.cur.Decode(&sub); err != nil {
			return nil, fmt.Errorf("decode subscription: %w", err)
		}
		out = append(out, sub)
	}
	if err := w.cur.Err(); err != nil {
		return nil, fmt.Errorf("walk subscriptions: %w", wrap(err))
	}
	if len(out) == 0 && w.skip != nil {
		// The stream ended while skipping. If a marker was seen, everything before the end
		// was done already; if none was, where we stopped is unknown: start again.
		w.skip = nil
		if w.skipped == 0 {
			w.Restarted = true
			_ = w.cur.Close(ctx)
			if err := w.open(ctx, ""); err != nil {
				return nil, err
			}
			return w.Next(ctx, n)
		}
	}
	return out, nil
}

// Close ends the walk and frees the server's cursor.
func (w *SubscriptionWalk) Close(ctx context.Context) {
	if w.cur != nil {
		_ = w.cur.Close(ctx)
	}
}
