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

// ErrConflict is returned when a record changed under the caller: a report decided by another
// moderator, an alert edited since the form was loaded.
var ErrConflict = errors.New("changed by someone else")

// PendingReports returns one page of the queue, oldest first. Submission times are kept only
// to the day, so within a day the order is by id, which is random but stable across pages.
func (s *Store) PendingReports(ctx context.Context, skip, limit int) ([]report.Report, error) {
	return findAll[report.Report](ctx, s.c(colReports), "list pending reports", bson.D{{Key: "status", Value: report.StatusPending}}, options.Find().
		SetSort(bson.D{{Key: "submitted_day", Value: 1}, {Key: "_id", Value: 1}}).
		SetSkip(int64(max(skip, 0))).SetLimit(int64(limit)))
}

// PendingCounts counts pending reports per kind.
func (s *Store) PendingCounts(ctx context.Context) (map[report.Kind]int64, error) {
	out := map[report.Kind]int64{}
	for _, k := range report.Kinds {
		n, err := s.c(colReports).CountDocuments(ctx, bson.D{{Key: "status", Value: report.StatusPending}, {Key: "kind", Value: k}})
		if err != nil {
			return nil, fmt.Errorf("count pending reports: %w", wrap(err))
		}
		out[k] = n
	}
	return out, nil
}

// ClaimReport gives moderator a lease on a pending report unless someone else holds an
// unexpired one; holding it already extends it. It returns the report as it now is and whether
// the caller holds it, so the page can say who does.
func (s *Store) ClaimReport(ctx context.Context, id, moderator string, lease time.Duration) (*report.Report, bool, error) {
	now := s.Now()
	var r report.Report
	err := s.c(colReports).FindOneAndUpdate(ctx,
		claimableBy(id, moderator, now),
		bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_by", Value: moderator}, {Key: "claimed_until", Value: now.Add(lease)}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&r)
	if err == nil {
		return &r, true, nil
	}
	if !errors.Is(wrap(err), ErrNotFound) {
		return nil, false, fmt.Errorf("claim report: %w", wrap(err))
	}
	cur, err := s.Report(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return cur, false, nil
}

// ReleaseClaim gives a report back to the queue before the lease runs out.
func (s *Store) ReleaseClaim(ctx context.Context, id, moderator string) error {
	_, err := s.c(colReports).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "claimed_by", Value: moderator}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "claimed_by", Value: ""}, {Key: "claimed_until", Value: ""}}}})
	return wrap(err)
}

// Decision is a moderator's verdict on a pending report.
type Decision struct {
	Status  report.Status // approved, rejected or merged
	Note    string        // shown to the reporter on the receipt
	AlertID string        // the alert it became or was merged into
}

// DecideReport records a decision on a report that is still pending and, when a lease is
// held, held by moderator. A report decided meanwhile is ErrConflict; a withdrawn one
// ErrNotFound.
func (s *Store) DecideReport(ctx context.Context, id, moderator string, d Decision) error {
	now := s.Now()
	set := bson.D{{Key: "status", Value: d.Status}, {Key: "decided_at", Value: now}}
	if d.Note != "" {
		set = append(set, bson.E{Key: "note", Value: d.Note})
	}
	if d.AlertID != "" {
		set = append(set, bson.E{Key: "alert_id", Value: d.AlertID})
	}
	res, err := s.c(colReports).UpdateOne(ctx,
		claimableBy(id, moderator, now),
		bson.D{
			{Key: "$set", Value: set},
			{Key: "$unset", Value: bson.D{{Key: "claimed_by", Value: ""}, {Key: "claimed_until", Value: ""}}},
		})
	if err != nil {
		return fmt.Errorf("decide report: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		if _, err := s.Report(ctx, id); err != nil {
			return err
		}
		return ErrConflict
	}
	return nil
}

// PurgeDecidedReports removes the raw text of reports decided before cutoff: the kind's fields
// and the follow-ups go, the status, dates, note and alert link stay so the receipt still
// answers. It returns how many reports were purged.
func (s *Store) PurgeDecidedReports(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.c(colReports).UpdateMany(ctx,
		bson.D{
			{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{report.StatusApproved, report.StatusRejected, report.StatusMerged}}}},
			{Key: "decided_at", Value: bson.D{{Key: "$lt", Value: cutoff}}},
			{Key: "purged", Value: bson.D{{Key: "$ne", Value: true}}},
		},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "purged", Value: true}}},
			{Key: "$unset", Value: bson.D{{Key: "bad_date", Value: ""}, {Key: "drug_alert", Value: ""}, {Key: "followups", Value: ""}}},
		})
	if err != nil {
		return 0, fmt.Errorf("purge decided reports: %w", wrap(err))
	}
	return res.ModifiedCount, nil
}

// DayCount is how many records of a kind fell on one day (reports) or named one area (alerts).
type DayCount struct {
	Day   time.Time
	Kind  report.Kind
	Area  string
	Count int
}

// ReportCountsByDay counts reports received since the given day, per day and kind. It
// reads only the kind and the day, which survive the retention purge.
func (s *Store) ReportCountsByDay(ctx context.Context, since time.Time) ([]DayCount, error) {
	cur, err := s.c(colReports).Aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "submitted_day", Value: bson.D{{Key: "$gte", Value: since}}}}}},
		bson.D{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: bson.D{{Key: "day", Value: "$submitted_day"}, {Key: "kind", Value: "$kind"}}},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	})
	if err != nil {
		return nil, fmt.Errorf("count reports: %w", wrap(err))
	}
	var rows []struct {
		ID struct {
			Day  time.Time   `bson:"day"`
			Kind report.Kind `bson:"kind"`
		} `bson:"_id"`
		N int `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count reports: %w", wrap(err))
	}
	out := make([]DayCount, len(rows))
	for i, r := range rows {
		out[i] = DayCount{Day: r.ID.Day, Kind: r.ID.Kind, Count: r.N}
	}
	return out, nil
}

// AlertCountsByDay counts alerts published since the given time per publication day, kind
// and area; an alert for two areas counts once in each.
func (s *Store) AlertCountsByDay(ctx context.Context, since time.Time) ([]DayCount, error) {
	docs, err := findAll[report.Alert](ctx, s.c(colAlerts), "count alerts", bson.D{{Key: "published", Value: bson.D{{Key: "$gte", Value: since}}}},
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
	out := make([]DayCount, 0, len(order))
	for _, k := range order {
		out = append(out, DayCount{Day: k.day, Kind: k.kind, Area: k.area, Count: counts[k]})
	}
	return out, nil
}

// claimableBy selects report id if it is still pending and moderator may act on it: the claim
// is theirs, has lapsed, or was never taken. Claiming and deciding use the same rule, so a
// moderator can decide exactly what they could claim.
func claimableBy(id, moderator string, now time.Time) bson.D {
	return bson.D{
		{Key: "_id", Value: id},
		{Key: "status", Value: report.StatusPending},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "claimed_by", Value: moderator}},
			bson.D{{Key: "claimed_until", Value: bson.D{{Key: "$lt", Value: now}}}},
			bson.D{{Key: "claimed_until", Value: bson.D{{Key: "$exists", Value: false}}}},
		}},
	}
}
