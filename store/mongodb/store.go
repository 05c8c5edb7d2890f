// Package mongodb keeps Heads Up's data in MongoDB, for services that run several replicas. It
// is the only package that imports the MongoDB driver. It never needs a multi-document
// transaction: every change is a single-document atomic update, work that writes several
// records is a sequence of idempotent steps (see ApproveReport), exclusive work is coordinated
// with leases and unique keys, and expiry is done by explicit purges rather than TTL indexes.
// The tests run it against FerretDB in-process (package ferrettest), which speaks the same
// protocol but ignores indexes; indexes_test.go checks that every query has one.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

var _ store.Store = (*Store)(nil)

// Store is every collection of one MongoDB database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	clock  atomic.Pointer[func() time.Time]
	// settled is when settleMarks last looked, Unix milliseconds of the store's clock.
	settled atomic.Int64
}

// Open connects to the server at uri, checks that it answers and creates the indexes.
func Open(ctx context.Context, uri, database string) (*Store, error) {
	return open(ctx, uri, database)
}

// open is Open with extra client options, so that tests can watch the commands sent.
func open(ctx context.Context, uri, database string, extra ...func(*options.ClientOptions)) (*Store, error) {
	// Defaults first, so that options in the URI (maxPoolSize, w, …) win.
	opts := options.Client().SetMaxPoolSize(64).ApplyURI(uri).
		SetAppName("headsup").
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second).
		SetTimeout(15 * time.Second).
		// An acknowledged report must survive a crash: wait for the journal of a majority.
		SetWriteConcern(writeconcern.Majority())
	for _, f := range extra {
		f(opts)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", redact(err))
	}
	s := &Store{client: client, db: client.Database(database)}
	s.SetClock(time.Now)
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

// Engine names this engine for logs and metrics.
func (s *Store) Engine() string { return "mongodb" }

// SetClock replaces the clock used for leases, expiry and timestamps. It is safe to call while
// other goroutines use the store, because tests move time under a running dispatcher.
func (s *Store) SetClock(now func() time.Time) { s.clock.Store(&now) }

func (s *Store) now() time.Time { return (*s.clock.Load())() }

// Close disconnects from the server.
func (s *Store) Close(ctx context.Context) error { return wrap(s.client.Disconnect(ctx)) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, redact(err))
	}
	return nil
}

func (s *Store) c(name string) *mongo.Collection { return s.db.Collection(name) }

// wrap turns driver errors into the store's errors so that callers never import the driver.
func wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return store.ErrNotFound
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%w: %w", store.ErrExists, redact(err))
	case mongo.IsNetworkError(err), mongo.IsTimeout(err), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, mongo.ErrClientDisconnected), errors.As(err, new(topology.ServerSelectionError)):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, redact(err))
	}
	return redact(err)
}

// isDuplicate reports whether err is a unique-index violation.
func isDuplicate(err error) bool { return mongo.IsDuplicateKeyError(err) }

// byID is the filter on one document's _id.
func byID(id any) bson.D { return bson.D{{Key: "_id", Value: id}} }

// findOne decodes the one document matching filter; ErrNotFound when there is none.
func findOne[T any](ctx context.Context, c *mongo.Collection, filter any, opts ...options.Lister[options.FindOneOptions]) (*T, error) {
	var v T
	if err := c.FindOne(ctx, filter, opts...).Decode(&v); err != nil {
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
