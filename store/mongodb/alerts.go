package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateAlert stores a new alert. The caller sets its random id, version 1 and status.
func (s *Store) CreateAlert(ctx context.Context, a *report.Alert) error {
	if _, err := s.c(store.ColAlerts).InsertOne(ctx, a); err != nil {
		return fmt.Errorf("create alert: %w", wrap(err))
	}
	return nil
}

// Alert returns one alert in any status; callers decide what the public may see.
func (s *Store) Alert(ctx context.Context, id string) (*report.Alert, error) {
	return findOne[report.Alert](ctx, s.c(store.ColAlerts), byID(id))
}

// live selects the alerts the public can see now. Expiry is checked in the query, so an
// expired alert leaves the feed by itself without a purge.
func (s *Store) live() bson.D {
	return bson.D{
		{Key: "status", Value: report.AlertPublished},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: s.now()}}},
	}
}

// PublishedAlerts returns published, unexpired alerts, newest first.
func (s *Store) PublishedAlerts(ctx context.Context, f store.AlertFilter) ([]report.Alert, error) {
	filter := s.live()
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
	return findAll[report.Alert](ctx, s.c(store.ColAlerts), "list alerts", filter, options.Find().
		SetSort(bson.D{{Key: "published", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(limit)))
}

// CountPublishedAlerts counts alerts the public can see now, for metrics.
func (s *Store) CountPublishedAlerts(ctx context.Context) (int64, error) {
	n, err := s.c(store.ColAlerts).CountDocuments(ctx, s.live())
	return n, wrap(err)
}

// UpdateAlert applies an edit as a new version, if the alert is still published and still at
// fromVersion: an edit made on a stale page must not silently undo someone else's. The change
// replaces the public content whole: empty details or texts are removed, as CreateAlert would
// have left them out.
func (s *Store) UpdateAlert(ctx context.Context, id string, fromVersion int, ch store.AlertChange) (*report.Alert, error) {
	return s.changeAlert(ctx, editFilter(id, fromVersion), editUpdate(ch, s.now()))
}

// editFilter selects alert id if it is still published and at fromVersion.
func editFilter(id string, fromVersion int) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "version", Value: fromVersion}, {Key: "status", Value: report.AlertPublished}}
}

// editUpdate writes ch as a new version; more is set along with it.
func editUpdate(ch store.AlertChange, now time.Time, more ...bson.E) bson.D {
	set := bson.D{
		{Key: "title", Value: ch.Title}, {Key: "body", Value: ch.Body}, {Key: "severity", Value: ch.Severity},
		{Key: "areas", Value: ch.Areas}, {Key: "expires", Value: ch.Expires}, {Key: "updated", Value: now},
	}
	set = append(set, more...)
	unset := bson.D{}
	for _, f := range []struct {
		key   string
		value any
		empty bool
	}{{"details", ch.Details, len(ch.Details) == 0}, {"texts", ch.Texts, len(ch.Texts) == 0}} {
		if f.empty {
			unset = append(unset, bson.E{Key: f.key, Value: ""})
		} else {
			set = append(set, bson.E{Key: f.key, Value: f.value})
		}
	}
	update := bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	return update
}

// RetractAlert withdraws a published alert as a new version, which the dispatcher pushes as a
// retraction.
func (s *Store) RetractAlert(ctx context.Context, id string) (*report.Alert, error) {
	return s.changeAlert(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "status", Value: report.AlertRetracted}, {Key: "updated", Value: s.now()}}},
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
	return s.changeAlert(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}}, mergeUpdate(addAreas, ""))
}

// mergeUpdate counts one more report and adds areas; with reportID set it also remembers the
// report, so that a repeated merge of the same report can be told apart (MergeReport).
func mergeUpdate(addAreas []string, reportID string) bson.D {
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "report_count", Value: 1}}}}
	add := bson.D{}
	if len(addAreas) > 0 {
		add = append(add, bson.E{Key: "areas", Value: bson.D{{Key: "$each", Value: addAreas}}})
	}
	if reportID != "" {
		add = append(add, bson.E{Key: mergedReports, Value: reportID})
	}
	if len(add) > 0 {
		update = append(update, bson.E{Key: "$addToSet", Value: add})
	}
	return update
}

// changeAlert applies update to the alert matching filter; no match is ErrNotFound when the
// alert does not exist and ErrConflict when it is not in the state the filter expects.
func (s *Store) changeAlert(ctx context.Context, filter, update bson.D) (*report.Alert, error) {
	var a report.Alert
	err := s.c(store.ColAlerts).FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&a)
	if err == nil {
		return &a, nil
	}
	if err = wrap(err); !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("change alert: %w", err)
	}
	if _, err := s.Alert(ctx, filter[0].Value.(string)); err != nil {
		return nil, err
	}
	return nil, store.ErrConflict
}

// ModerationAlerts returns one page of alerts in a list (active, expired or retracted), most
// recently updated first.
func (s *Store) ModerationAlerts(ctx context.Context, list string, kind report.Kind, skip, limit int) ([]report.Alert, error) {
	now := s.now()
	var filter bson.D
	switch list {
	case store.AlertsExpired:
		filter = bson.D{{Key: "status", Value: report.AlertPublished}, {Key: "expires", Value: bson.D{{Key: "$lte", Value: now}}}}
	case store.AlertsRetracted:
		filter = bson.D{{Key: "status", Value: report.AlertRetracted}}
	default:
		filter = s.live()
	}
	if kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: kind})
	}
	return findAll[report.Alert](ctx, s.c(store.ColAlerts), "list alerts", filter, options.Find().
		SetSort(bson.D{{Key: "updated", Value: -1}, {Key: "_id", Value: 1}}).
		SetSkip(int64(max(skip, 0))).SetLimit(int64(limit)))
}

// AlertsByIdentifier returns the published, unexpired bad-date alerts holding a checkable
// identifier with this HMAC, newest first. Only the HMAC is queried: the value asked about is
// never stored.
func (s *Store) AlertsByIdentifier(ctx context.Context, hmac string) ([]report.Alert, error) {
	return findAll[report.Alert](ctx, s.c(store.ColAlerts), "find alerts by identifier", bson.D{
		{Key: "identifiers.hmac", Value: hmac},
		{Key: "status", Value: report.AlertPublished},
		{Key: "kind", Value: report.BadDate},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: s.now()}}},
	}, options.Find().SetSort(bson.D{{Key: "published", Value: -1}}).SetLimit(50))
}

// AlertCountsByDay counts alerts published since the given time per publication day, kind
// and area; an alert for two areas counts once in each.
func (s *Store) AlertCountsByDay(ctx context.Context, since time.Time) ([]store.DayCount, error) {
	docs, err := findAll[report.Alert](ctx, s.c(store.ColAlerts), "count alerts", bson.D{{Key: "published", Value: bson.D{{Key: "$gte", Value: since}}}},
		options.Find().SetProjection(bson.D{{Key: "published", Value: 1}, {Key: "kind", Value: 1}, {Key: "areas", Value: 1}}))
	if err != nil {
		return nil, err
	}
	type key struct {
		day  time.Time
		kind report.Kind
		area string
	}
	counts := map[key]int{}
	var order []key
	for _, a := range docs {
		for _, area := range a.Areas {
			k := key{report.Day(a.Published), a.Kind, area}
			if counts[k] == 0 {
				order = append(order, k)
			}
			counts[k]++
		}
	}
	out := make([]store.DayCount, 0, len(order))
	for _, k := range order {
		out = append(out, store.DayCount{Day: k.day, Kind: k.kind, Area: k.area, Count: counts[k]})
	}
	return out, nil
}
