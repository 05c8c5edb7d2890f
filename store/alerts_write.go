package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/headsup/headsup/report"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateAlert stores a new alert. The caller sets its random id, version 1 and status.
func (s *Store) CreateAlert(ctx context.Context, a *report.Alert) error {
	if _, err := s.c(colAlerts).InsertOne(ctx, a); err != nil {
		return fmt.Errorf("create alert: %w", wrap(err))
	}
	return nil
}

// AlertChange is a moderator's edit of an alert's public content.
type AlertChange struct {
	Title    string
	Body     string
	Severity report.Severity
	Areas    []string
	Expires  time.Time
}

// UpdateAlert applies an edit as a new version, if the alert is still published and still at
// fromVersion: an edit made on a stale page must not silently undo someone else's.
func (s *Store) UpdateAlert(ctx context.Context, id string, fromVersion int, ch AlertChange) (*report.Alert, error) {
	return s.changeAlert(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "version", Value: fromVersion}, {Key: "status", Value: report.AlertPublished}},
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "title", Value: ch.Title}, {Key: "body", Value: ch.Body}, {Key: "severity", Value: ch.Severity},
				{Key: "areas", Value: ch.Areas}, {Key: "expires", Value: ch.Expires}, {Key: "updated", Value: s.Now()},
			}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
		})
}

// RetractAlert withdraws a published alert as a new version, which the dispatcher pushes as a
// retraction.
func (s *Store) RetractAlert(ctx context.Context, id string) (*report.Alert, error) {
	return s.changeAlert(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "status", Value: report.AlertRetracted}, {Key: "updated", Value: s.Now()}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
		})
}

// ExtendAlert moves a published alert's expiry. It is not a new version: nothing a subscriber
// reads changes, so nothing is pushed.
func (s *Store) ExtendAlert(ctx context.Context, id string, expires time.Time) (*report.Alert, error) {
	return s.changeAlert(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: expires}}}})
}

// MergeIntoAlert counts one more report in a published alert and adds areas to it.
func (s *Store) MergeIntoAlert(ctx context.Context, id string, addAreas []string) (*report.Alert, error) {
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "report_count", Value: 1}}}}
	if len(addAreas) > 0 {
		update = append(update, bson.E{Key: "$addToSet", Value: bson.D{{Key: "areas", Value: bson.D{{Key: "$each", Value: addAreas}}}}})
	}
	return s.changeAlert(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}}, update)
}

// changeAlert applies update to the alert matching filter; no match is ErrNotFound when the
// alert does not exist and ErrConflict when it is not in the state the filter expects.
func (s *Store) changeAlert(ctx context.Context, filter, update bson.D) (*report.Alert, error) {
	var a report.Alert
	err := s.c(colAlerts).FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&a)
	if err == nil {
		return &a, nil
	}
	if err = wrap(err); !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("change alert: %w", err)
	}
	if _, err := s.Alert(ctx, filter[0].Value.(string)); err != nil {
		return nil, err
	}
	return nil, ErrConflict
}

// Alert lists for moderators.
const (
	AlertsActive    = "active"
	AlertsExpired   = "expired"
	AlertsRetracted = "retracted"
)

// ModerationAlerts returns one page of alerts in a list (active, expired or retracted), most
// recently updated first.
func (s *Store) ModerationAlerts(ctx context.Context, list string, kind report.Kind, skip, limit int) ([]report.Alert, error) {
	now := s.Now()
	var filter bson.D
	switch list {
	case AlertsExpired:
		filter = bson.D{{Key: "status", Value: report.AlertPublished}, {Key: "expires", Value: bson.D{{Key: "$lte", Value: now}}}}
	case AlertsRetracted:
		filter = bson.D{{Key: "status", Value: report.AlertRetracted}}
	default:
		filter = bson.D{{Key: "status", Value: report.AlertPublished}, {Key: "expires", Value: bson.D{{Key: "$gt", Value: now}}}}
	}
	if kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: kind})
	}
	return findAll[report.Alert](ctx, s.c(colAlerts), "list alerts", filter, options.Find().
		SetSort(bson.D{{Key: "updated", Value: -1}, {Key: "_id", Value: 1}}).
		SetSkip(int64(max(skip, 0))).SetLimit(int64(limit)))
}

// AlertsByIdentifier returns the published, unexpired bad-date alerts holding a checkable
// identifier with this HMAC. Only the HMAC is queried: the value asked about is never stored.
func (s *Store) AlertsByIdentifier(ctx context.Context, hmac string) ([]report.Alert, error) {
	return findAll[report.Alert](ctx, s.c(colAlerts), "find alerts by identifier", bson.D{
		{Key: "status", Value: report.AlertPublished},
		{Key: "kind", Value: report.BadDate},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: s.Now()}}},
		{Key: "identifiers.hmac", Value: hmac},
	}, options.Find().SetSort(bson.D{{Key: "published", Value: -1}}).SetLimit(50))
}
