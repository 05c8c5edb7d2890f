// Package store keeps Heads Up's data in MongoDB (or the embedded FerretDB, which speaks the same
// protocol). It is the only package that imports the MongoDB driver. FerretDB v1 has no
// transactions, change streams or TTL indexes, so every change here is a single-document atomic
// update, expiry is done by explicit purges, and exclusive work is coordinated with leases.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// ErrNotFound is returned when the document asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnavailable wraps errors that mean the database cannot be reached right now, so that
// handlers answer 503 with Retry-After instead of 500.
var ErrUnavailable = errors.New("database unavailable")

// Store is every collection of one database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	// Now is the clock; tests replace it.
	Now func() time.Time
	// direct, when set, reads subscriptions for fan-outs from the embedded database's file
	// (Embedded.ReadDirectly).
	direct *directReads
}

// Open connects to the server at uri, checks it answers and creates the indexes.
func Open(ctx context.Context, uri, database string) (*Store, error) {
	// Defaults first, so that options in the URI (maxPoolSize, w, …) win.
	opts := options.Client().SetMaxPoolSize(64).ApplyURI(uri).
		SetAppName("headsup").
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second).
		SetTimeout(15 * time.Second).
		// An acknowledged report must survive a crash: wait for the journal of a majority.
		SetWriteConcern(writeconcern.Majority())
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s := &Store{client: client, db: client.Database(database), Now: time.Now}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	if err := s.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return s, nil
}

// Close disconnects from the server.
func (s *Store) Close(ctx context.Context) error {
	var err error
	if s.direct != nil {
		err = s.direct.close()
	}
	return errors.Join(s.client.Disconnect(ctx), err)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Drop removes the whole database; tests use it to clean up after themselves.
func (s *Store) Drop(ctx context.Context) error { return s.db.Drop(ctx) }

// Collections lists the collection names, for tests that inspect every document.
func (s *Store) Collections(ctx context.Context) ([]string, error) {
	return s.db.ListCollectionNames(ctx, bson.D{})
}

// DumpCollection returns every document of a collection as extended JSON, for tests and the
// privacy checks that look for anything that should never have been stored.
func (s *Store) DumpCollection(ctx context.Context, name string) ([]string, error) {
	cur, err := s.db.Collection(name).Find(ctx, bson.D{})
	if err != nil {
		return nil, wrap(err)
	}
	defer cur.Close(ctx)
	var out []string
	for cur.Next(ctx) {
		data, err := bson.MarshalExtJSON(cur.Current, false, false)
		if err != nil {
			return nil, err
		}
		out = append(out, string(data))
	}
	return out, wrap(cur.Err())
}

const (
	colReports       = "reports"
	colAlerts        = "alerts"
	colSubscriptions = "subscriptions"
	colDeliveries    = "deliveries"
	colModerators    = "moderators"
	colSessions      = "sessions"
	colAudit         = "audit"
	colSettings      = "settings"
	colSpent         = "spent_challenges"
	colReceipts      = "receipts"
)

// collections is every collection the store uses.
var collections = []string{colReports, colAlerts, colSubscriptions, colDeliveries, colDeliveryClaims,
	colModerators, colSessions, colAudit, colSettings, colSpent, colReceipts}

func (s *Store) c(name string) *mongo.Collection { return s.db.Collection(name) }

// ensureIndexes creates every index; creating an existing index is a no-op, so this runs at
// every start and on several replicas at once.
func (s *Store) ensureIndexes(ctx context.Context) error {
	// Every collection exists from the first start, so that start-up work on the embedded
	// database (Embedded.IndexIDs) covers all of them.
	for _, name := range collections {
		var ce mongo.CommandError
		if err := s.db.CreateCollection(ctx, name); err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
			return fmt.Errorf("create collection %s: %w", name, wrap(err))
		}
	}
	type idx struct {
		col    string
		keys   bson.D
		unique bool
	}
	for _, i := range []idx{
		{colReports, bson.D{{Key: "receipt_hash", Value: 1}}, true},
		{colReports, bson.D{{Key: "status", Value: 1}, {Key: "submitted_day", Value: 1}, {Key: "_id", Value: 1}}, false},
		{colReports, bson.D{{Key: "decided_at", Value: 1}}, false},
		{colAlerts, bson.D{{Key: "status", Value: 1}, {Key: "published", Value: -1}}, false},
		{colAlerts, bson.D{{Key: "identifiers.hmac", Value: 1}}, false},
		{colSpent, bson.D{{Key: "expires", Value: 1}}, false},
	} {
		model := mongo.IndexModel{Keys: i.keys}
		if i.unique {
			model.Options = options.Index().SetUnique(true)
		}
		if _, err := s.c(i.col).Indexes().CreateOne(ctx, model); err != nil {
			return fmt.Errorf("create index on %s: %w", i.col, wrap(err))
		}
	}
	for _, f := range extraIndexes {
		if err := f(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// extraIndexes lets each collection's file register its own indexes next to its queries.
var extraIndexes []func(context.Context, *Store) error

// wrap turns driver errors into the store's errors so that callers never import the driver.
func wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return ErrNotFound
	case mongo.IsNetworkError(err), mongo.IsTimeout(err), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, new(topology.ServerSelectionError)):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// isDuplicate reports whether err is a unique-index violation.
func isDuplicate(err error) bool { return mongo.IsDuplicateKeyError(err) }

// findOne decodes the one document matching filter; ErrNotFound when there is none.
func findOne[T any](ctx context.Context, c *mongo.Collection, filter any) (*T, error) {
	var v T
	if err := c.FindOne(ctx, filter).Decode(&v); err != nil {
		return nil, wrap(err)
	}
	return &v, nil
}

// findAll runs a query and decodes every document into a []T (empty, never nil, when nothing
// matches), wrapping errors with what was being done.
func findAll[T any](ctx context.Context, c *mongo.Collection, what string, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, wrap(err))
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, wrap(err))
	}
	return out, nil
}
