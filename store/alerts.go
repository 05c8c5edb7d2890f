package store

import (
	"context"
	"time"

	"github.com/headsup/headsup/report"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AlertFilter selects public alerts. The zero value is every published, unexpired alert.
type AlertFilter struct {
	Kind  report.Kind
	Area  string
	Since time.Time
	// After continues a listing after the alert with this publish time and id (newest first).
	AfterPublished time.Time
	AfterID        string
	Limit          int
}

// PublishedAlerts returns published, unexpired alerts, newest first. Expiry is checked in the
// query, so an expired alert leaves the feed by itself without a purge.
func (s *Store) PublishedAlerts(ctx context.Context, f AlertFilter) ([]report.Alert, error) {
	filter := bson.D{
		{Key: "status", Value: report.AlertPublished},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: s.Now()}}},
	}
	if f.Kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: f.Kind})
	}
	if f.Area != "" {
		filter = append(filter, bson.E{Key: "areas", Value: f.Area})
	}
	if !f.Since.IsZero() {
		filter = append(filter, bson.E{Key: "published", Value: bson.D{{Key: "$gte", Value: f.Since}}})
	}
	if f.AfterID != "" {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "published", Value: bson.D{{Key: "$lt", Value: f.AfterPublished}}}},
			bson.D{{Key: "published", Value: f.AfterPublished}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: f.AfterID}}}},
		}})
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	return findAll[report.Alert](ctx, s.c(colAlerts), "list alerts", filter, options.Find().
		SetSort(bson.D{{Key: "published", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(limit)))
}

// Alert returns one alert in any status; callers decide what the public may see.
func (s *Store) Alert(ctx context.Context, id string) (*report.Alert, error) {
	return findOne[report.Alert](ctx, s.c(colAlerts), bson.D{{Key: "_id", Value: id}})
}

// CountPublishedAlerts counts alerts the public can see now, for metrics.
func (s *Store) CountPublishedAlerts(ctx context.Context) (int64, error) {
	n, err := s.c(colAlerts).CountDocuments(ctx, bson.D{
		{Key: "status", Value: report.AlertPublished},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: s.Now()}}},
	})
	return n, wrap(err)
}
