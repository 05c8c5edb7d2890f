package mongodb

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AlertsWithIdentifiers returns the alerts holding identifiers, in id order after afterID. It
// walks the _id index and skips alerts without identifiers as it goes: an upgrade that runs
// once may read every alert, and needs no index of its own.
func (s *Store) AlertsWithIdentifiers(ctx context.Context, afterID string, limit int) ([]report.Alert, error) {
	return findAll[report.Alert](ctx, s.c(store.ColAlerts), "list alerts with identifiers", bson.D{
		{Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}},
		{Key: "identifiers.0", Value: bson.D{{Key: "$exists", Value: true}}},
	}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(store.WalkLimit(limit))))
}

// ReplaceAlertIdentifiers sets the identifiers of each alert listed, one update per alert:
// each is whole by itself, so a call repeated after a crash finishes the job.
func (s *Store) ReplaceAlertIdentifiers(ctx context.Context, changes []store.AlertIdentifiers) error {
	for _, ch := range changes {
		update := bson.D{{Key: "$set", Value: bson.D{{Key: "identifiers", Value: ch.Identifiers}}}}
		if len(ch.Identifiers) == 0 {
			update = bson.D{{Key: "$unset", Value: bson.D{{Key: "identifiers", Value: ""}}}}
		}
		if _, err := s.c(store.ColAlerts).UpdateOne(ctx, byID(ch.AlertID), update); err != nil {
			return fmt.Errorf("replace alert identifiers: %w", wrap(err))
		}
	}
	return nil
}
