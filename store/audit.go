package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AuditEntry is one moderator action. It names who did what to which record, and when; it
// never holds report text or a network address. The store has no method that changes or
// deletes entries: the log is append-only by construction.
type AuditEntry struct {
	ID     string    `bson:"_id"`
	Time   time.Time `bson:"time"`
	Actor  string    `bson:"actor"`  // a moderator's name, or "system"
	Action string    `bson:"action"` // sign_in, approve, …
	Target string    `bson:"target,omitempty"`
	Detail string    `bson:"detail,omitempty"` // short and fixed-form: a role, a reason code
}

// AuditFilter selects entries; zero fields do not filter.
type AuditFilter struct {
	Actor  string
	Action string
	From   time.Time // inclusive
	To     time.Time // exclusive
	Skip   int
	Limit  int
}

func init() {
	extraIndexes = append(extraIndexes, func(ctx context.Context, s *Store) error {
		for _, keys := range []bson.D{
			{{Key: "time", Value: -1}, {Key: "_id", Value: -1}},
			{{Key: "actor", Value: 1}, {Key: "time", Value: -1}},
			{{Key: "action", Value: 1}, {Key: "time", Value: -1}},
		} {
			if _, err := s.c(colAudit).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
				return fmt.Errorf("create index on %s: %w", colAudit, wrap(err))
			}
		}
		return nil
	})
}

// AppendAudit adds an entry.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if _, err := s.c(colAudit).InsertOne(ctx, e); err != nil {
		return fmt.Errorf("append audit entry: %w", wrap(err))
	}
	return nil
}

// AuditLog returns entries matching f, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	filter := bson.D{}
	if f.Actor != "" {
		filter = append(filter, bson.E{Key: "actor", Value: f.Actor})
	}
	if f.Action != "" {
		filter = append(filter, bson.E{Key: "action", Value: f.Action})
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		r := bson.D{}
		if !f.From.IsZero() {
			r = append(r, bson.E{Key: "$gte", Value: f.From})
		}
		if !f.To.IsZero() {
			r = append(r, bson.E{Key: "$lt", Value: f.To})
		}
		filter = append(filter, bson.E{Key: "time", Value: r})
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return findAll[AuditEntry](ctx, s.c(colAudit), "read audit log", filter, options.Find().
		SetSort(bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}).
		SetSkip(int64(max(f.Skip, 0))).SetLimit(int64(limit)))
}
