package mongodb

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AppendAudit adds an entry.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	if _, err := s.c(store.ColAudit).InsertOne(ctx, e); err != nil {
		return fmt.Errorf("append audit entry: %w", wrap(err))
	}
	return nil
}

// AuditLog returns entries matching f, newest first.
func (s *Store) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
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
	return findAll[store.AuditEntry](ctx, s.c(store.ColAudit), "read audit log", filter, options.Find().
		SetSort(bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}).
		SetSkip(int64(max(f.Skip, 0))).SetLimit(int64(limit)))
}
