package mongodb

import (
	"context"
	"errors"
	"fmt"

	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// index is one declared index. Every query this package sends must be served by one of them
// (or by _id); TestEveryQueryHasAnIndex checks that against the commands a workload sends,
// because FerretDB, which the tests run on, ignores indexes and would never show a slow query.
type index struct {
	col    string
	keys   bson.D
	unique bool
}

func asc(fields ...string) bson.D {
	d := make(bson.D, len(fields))
	for i, f := range fields {
		d[i] = bson.E{Key: f, Value: 1}
	}
	return d
}

// indexes is every index the engine uses, in one place so that the coverage test and Open
// agree. Sort directions follow the queries that use them.
var indexes = []index{
	// Reports: by receipt (the reporter's only handle), the queue, the retention purge and
	// the statistics.
	{store.ColReports, asc("receipt_hash"), true},
	{store.ColReports, asc("status", "submitted_day", "_id"), false},
	{store.ColReports, asc("status", "decided_at"), false},
	{store.ColReports, asc("submitted_day"), false},
	// Linking: the open reports naming an identifier, newest day first (multikey). Status
	// leads so that years of decided reports naming the same phone are never walked.
	{store.ColReports, bson.D{{Key: "status", Value: 1}, {Key: "identifier_hmacs", Value: 1}, {Key: "submitted_day", Value: -1}, {Key: "_id", Value: 1}}, false},
	// Decisions whose audit entry a process that died left unwritten (settleFinishes).
	{store.ColReports, asc(finishField + ".at"), false},

	// Alerts: the public listing (newest first, with its cursor), counts of what is live,
	// the moderators' lists, /check and the statistics.
	{store.ColAlerts, bson.D{{Key: "status", Value: 1}, {Key: "published", Value: -1}, {Key: "_id", Value: -1}}, false},
	{store.ColAlerts, asc("status", "expires"), false},
	{store.ColAlerts, bson.D{{Key: "status", Value: 1}, {Key: "updated", Value: -1}, {Key: "_id", Value: 1}}, false},
	{store.ColAlerts, bson.D{{Key: "identifiers.hmac", Value: 1}, {Key: "published", Value: -1}}, false},
	{store.ColAlerts, asc("published"), false},
	// Retractions, edits and extensions left half-done by a process that died (settleFinishes).
	{store.ColAlerts, asc(finishField + ".at"), false},

	// Subscriptions: one record per endpoint, and the fan-out walk in _id order within the
	// alert's kind (kinds and areas are both arrays, which MongoDB cannot index together).
	{store.ColSubscriptions, asc("endpoint"), true},
	{store.ColSubscriptions, asc("kinds", "_id"), false},

	// Deliveries: the dispatcher's claim (due jobs, oldest first) and the progress pages.
	{store.ColDeliveries, asc("state", "due"), false},
	{store.ColDeliveries, bson.D{{Key: "alert_id", Value: 1}, {Key: "alert_version", Value: -1}}, false},
	{store.ColDeliveryClaims, asc("job", "epoch"), false},

	{store.ColModerators, asc("name"), true},

	{store.ColSessions, asc("moderator_id"), false},
	{store.ColSessions, asc("created"), false},
	{store.ColSessions, asc("last_seen"), false},

	// Audit: newest first, by actor or by action, each within a time range.
	{store.ColAudit, bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}, false},
	{store.ColAudit, bson.D{{Key: "actor", Value: 1}, {Key: "time", Value: -1}, {Key: "_id", Value: -1}}, false},
	{store.ColAudit, bson.D{{Key: "action", Value: 1}, {Key: "time", Value: -1}, {Key: "_id", Value: -1}}, false},

	{store.ColSpent, asc("expires"), false},
}

// ensureIndexes creates every collection and index. Creating an existing one is a no-op, so
// this runs at every start and on several replicas at once. One CreateOne per index: FerretDB
// 1.24 (the test server) panics when CreateMany is given indexes that already exist.
func (s *Store) ensureIndexes(ctx context.Context) error {
	for _, name := range store.TransferCollections {
		var ce mongo.CommandError
		if err := s.db.CreateCollection(ctx, name); err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
			return fmt.Errorf("create collection %s: %w", name, wrap(err))
		}
	}
	for _, i := range indexes {
		model := mongo.IndexModel{Keys: i.keys}
		if i.unique {
			model.Options = options.Index().SetUnique(true)
		}
		if _, err := s.c(i.col).Indexes().CreateOne(ctx, model); err != nil {
			return fmt.Errorf("create index on %s: %w", i.col, wrap(err))
		}
	}
	return nil
}
