package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateReport stores a new report. The caller has set its random id and receipt hash; the
// unique index on receipt_hash refuses a second report with the same receipt.
func (s *Store) CreateReport(ctx context.Context, r *report.Report) error {
	if _, err := s.c(store.ColReports).InsertOne(ctx, r); err != nil {
		return fmt.Errorf("create report: %w", wrap(err))
	}
	return nil
}

// Report returns the report with the given id.
func (s *Store) Report(ctx context.Context, id string) (*report.Report, error) {
	return findOne[report.Report](ctx, s.c(store.ColReports), byID(id))
}

func byReceipt(receiptHash string) bson.D { return bson.D{{Key: "receipt_hash", Value: receiptHash}} }

// ReportByReceipt returns the report whose receipt hashes to receiptHash.
func (s *Store) ReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error) {
	return findOne[report.Report](ctx, s.c(store.ColReports), byReceipt(receiptHash))
}

// AddFollowup appends information to a report that is still pending, approved or waiting for
// an answer, and adds hmacs to its identifier hashes; an answer puts the report back in the
// queue, marked answered. Others (rejected, merged, purged) return ErrNotFound because there is
// nothing left to add to. Each try is one update conditional on the status it expects, so an
// answer and a moderator's decision cannot both win; a status that changed between the two
// tries is tried again.
func (s *Store) AddFollowup(ctx context.Context, receiptHash string, f report.Followup, hmacs []string) error {
	add := bson.D{{Key: "$push", Value: bson.D{{Key: "followups", Value: f}}}}
	if len(hmacs) > 0 {
		add = append(add, bson.E{Key: "$addToSet", Value: bson.D{{Key: "identifier_hmacs", Value: bson.D{{Key: "$each", Value: hmacs}}}}})
	}
	// An answer makes the report undecided again, so the retention purge waits for the next
	// decision.
	answer := append(slices.Clone(add), bson.E{Key: "$set", Value: bson.D{{Key: "status", Value: report.StatusPending}, {Key: "answered", Value: true}}},
		bson.E{Key: "$unset", Value: bson.D{{Key: "decided_at", Value: ""}}})
	open := func(statuses ...report.Status) bson.D {
		return bson.D{
			{Key: "receipt_hash", Value: receiptHash},
			{Key: "status", Value: bson.D{{Key: "$in", Value: statuses}}},
			{Key: "purged", Value: bson.D{{Key: "$ne", Value: true}}},
		}
	}
	for range 3 {
		for _, try := range []struct {
			filter, update bson.D
		}{
			{open(report.StatusNeedsInfo), answer},
			{open(report.StatusPending, report.StatusApproved), add},
		} {
			res, err := s.c(store.ColReports).UpdateOne(ctx, try.filter, try.update)
			if err != nil {
				return fmt.Errorf("add follow-up: %w", wrap(err))
			}
			if res.MatchedCount > 0 {
				return nil
			}
		}
		n, err := s.c(store.ColReports).CountDocuments(ctx, open(report.StatusPending, report.StatusApproved, report.StatusNeedsInfo))
		if err != nil {
			return fmt.Errorf("add follow-up: %w", wrap(err))
		}
		if n == 0 {
			return store.ErrNotFound
		}
	}
	return fmt.Errorf("add follow-up: %w", store.ErrConflict)
}

// DeleteReportByReceipt withdraws a report: the raw document is deleted at once. A published
// alert made from it is a separate document and stays.
func (s *Store) DeleteReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error) {
	// A decision whose audit entry is still to be written (DecideReportAudited) is finished
	// first: the mark that holds the entry goes with the report.
	marked, err := findOne[struct {
		ID   string      `bson:"_id"`
		Mark *finishMark `bson:"finishing"`
	}](ctx, s.c(store.ColReports), byReceipt(receiptHash), options.FindOne().SetProjection(bson.D{{Key: finishField, Value: 1}}))
	if err != nil {
		return nil, err
	}
	if marked.Mark != nil {
		if err := s.finishReport(ctx, marked.ID, marked.Mark); err != nil {
			return nil, err
		}
	}
	var r report.Report
	if err := s.c(store.ColReports).FindOneAndDelete(ctx, byReceipt(receiptHash)).Decode(&r); err != nil {
		return nil, wrap(err)
	}
	return &r, nil
}

// CountReports counts reports in a status, for the queue and metrics.
func (s *Store) CountReports(ctx context.Context, status report.Status) (int64, error) {
	n, err := s.c(store.ColReports).CountDocuments(ctx, bson.D{{Key: "status", Value: status}})
	return n, wrap(err)
}

// ReportsByIdentifiers returns the pending and needs_info reports holding any of hmacs, each
// once, newest day first. The index on status and the multikey identifier_hmacs serves it,
// bounded to open reports.
func (s *Store) ReportsByIdentifiers(ctx context.Context, hmacs []string, limit int) ([]report.Report, error) {
	hmacs, limit = store.IdentifierQuery(hmacs, limit)
	if len(hmacs) == 0 {
		return nil, nil
	}
	return findAll[report.Report](ctx, s.c(store.ColReports), "find reports by identifier", bson.D{
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{report.StatusPending, report.StatusNeedsInfo}}}},
		{Key: "identifier_hmacs", Value: bson.D{{Key: "$in", Value: hmacs}}},
	}, options.Find().SetSort(bson.D{{Key: "submitted_day", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// AllReportIDs is for tests: the ids of every stored report, in id order.
func (s *Store) AllReportIDs(ctx context.Context) ([]string, error) {
	docs, err := findAll[struct {
		ID string `bson:"_id"`
	}](ctx, s.c(store.ColReports), "list report ids", bson.D{}, options.Find().
		SetProjection(bson.D{{Key: "_id", Value: 1}}).SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// PendingReports returns one page of the queue, oldest first. Submission times are kept only
// to the day, so within a day the order is by id, which is random but stable across pages.
func (s *Store) PendingReports(ctx context.Context, skip, limit int) ([]report.Report, error) {
	return findAll[report.Report](ctx, s.c(store.ColReports), "list pending reports", bson.D{{Key: "status", Value: report.StatusPending}}, options.Find().
		SetSort(bson.D{{Key: "submitted_day", Value: 1}, {Key: "_id", Value: 1}}).
		SetSkip(int64(max(skip, 0))).SetLimit(int64(max(limit, 0))))
}

// PendingCounts counts pending reports per kind.
func (s *Store) PendingCounts(ctx context.Context) (map[report.Kind]int64, error) {
	out := map[report.Kind]int64{}
	for _, k := range report.Kinds {
		n, err := s.c(store.ColReports).CountDocuments(ctx, bson.D{{Key: "status", Value: report.StatusPending}, {Key: "kind", Value: k}})
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
	for attempt := 0; ; attempt++ {
		now := s.now()
		var r report.Report
		err := s.c(store.ColReports).FindOneAndUpdate(ctx,
			claimableBy(id, moderator, now),
			bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_by", Value: moderator}, {Key: "claimed_until", Value: now.Add(lease)}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&r)
		if err == nil {
			return &r, true, nil
		}
		if !errors.Is(wrap(err), store.ErrNotFound) {
			return nil, false, fmt.Errorf("claim report: %w", wrap(err))
		}
		if attempt == 0 {
			if settled, err := s.settleLapsedMark(ctx, id); err != nil {
				return nil, false, err
			} else if settled {
				continue
			}
		}
		cur, err := s.Report(ctx, id)
		if err != nil {
			return nil, false, err
		}
		return cur, false, nil
	}
}

// ReleaseClaim gives a report back to the queue before the lease runs out. A report being
// decided (see ApproveReport) keeps its claim until the decision is written.
func (s *Store) ReleaseClaim(ctx context.Context, id, moderator string) error {
	_, err := s.c(store.ColReports).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "claimed_by", Value: moderator}, {Key: markField, Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "claimed_by", Value: ""}, {Key: "claimed_until", Value: ""}}}})
	return wrap(err)
}

// DecideReport records a decision on a report that is still pending and, when a lease is
// held, held by moderator. A report decided meanwhile is ErrConflict; a withdrawn one
// ErrNotFound.
func (s *Store) DecideReport(ctx context.Context, id, moderator string, d store.Decision) error {
	for attempt := 0; ; attempt++ {
		now := s.now()
		res, err := s.c(store.ColReports).UpdateOne(ctx, claimableBy(id, moderator, now), decideUpdate(d, now))
		if err != nil {
			return fmt.Errorf("decide report: %w", wrap(err))
		}
		if res.MatchedCount > 0 {
			return nil
		}
		if attempt == 0 {
			if settled, err := s.settleLapsedMark(ctx, id); err != nil {
				return err
			} else if settled {
				continue
			}
		}
		if _, err := s.Report(ctx, id); err != nil {
			return err
		}
		return store.ErrConflict
	}
}

// decideUpdate writes a decision and ends the claim, any decision in progress and the mark of
// an answered question. A question sets decided_at too, so that an unanswered one is purged
// after the retention period like any decision; the answer unsets it (AddFollowup).
func decideUpdate(d store.Decision, now time.Time, more ...bson.E) bson.D {
	set := append(bson.D{{Key: "status", Value: d.Status}, {Key: "decided_at", Value: now}}, more...)
	if d.Note != "" {
		set = append(set, bson.E{Key: "note", Value: d.Note})
	}
	if d.AlertID != "" {
		set = append(set, bson.E{Key: "alert_id", Value: d.AlertID})
	}
	return bson.D{
		{Key: "$set", Value: set},
		{Key: "$unset", Value: bson.D{{Key: "claimed_by", Value: ""}, {Key: "claimed_until", Value: ""}, {Key: markField, Value: ""},
			{Key: "answered", Value: ""}}},
	}
}

// PurgeDecidedReports removes the raw text of reports decided before cutoff (a question left
// unanswered counts from when it was asked): the kind's fields,
// the follow-ups and the hashes of the identifiers found in them go; the status, dates, note
// and alert link stay so the receipt still answers. It returns how many reports were purged.
func (s *Store) PurgeDecidedReports(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.c(store.ColReports).UpdateMany(ctx,
		bson.D{
			{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{report.StatusApproved, report.StatusRejected, report.StatusMerged, report.StatusNeedsInfo}}}},
			{Key: "decided_at", Value: bson.D{{Key: "$lt", Value: cutoff}}},
			{Key: "purged", Value: bson.D{{Key: "$ne", Value: true}}},
		},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "purged", Value: true}}},
			{Key: "$unset", Value: bson.D{{Key: "bad_date", Value: ""}, {Key: "drug_alert", Value: ""}, {Key: "followups", Value: ""},
				{Key: "identifier_hmacs", Value: ""}}},
		})
	if err != nil {
		return 0, fmt.Errorf("purge decided reports: %w", wrap(err))
	}
	return res.ModifiedCount, nil
}

// ReportCountsByDay counts reports received since the given day, per day and kind. It
// reads only the kind and the day, which survive the retention purge.
func (s *Store) ReportCountsByDay(ctx context.Context, since time.Time) ([]store.DayCount, error) {
	cur, err := s.c(store.ColReports).Aggregate(ctx, bson.A{
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
	out := make([]store.DayCount, len(rows))
	for i, r := range rows {
		out[i] = store.DayCount{Day: r.ID.Day, Kind: r.ID.Kind, Count: r.N}
	}
	return out, nil
}

// claimableBy selects report id if it is still pending, no decision is being written
// (ApproveReport, MergeReport), and moderator may act on it: the claim is theirs, has lapsed,
// or was never taken. Claiming and deciding use the same rule, so a moderator can decide
// exactly what they could claim.
func claimableBy(id, moderator string, now time.Time) bson.D {
	return bson.D{
		{Key: "_id", Value: id},
		{Key: "status", Value: report.StatusPending},
		{Key: markField, Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "claimed_by", Value: moderator}},
			bson.D{{Key: "claimed_until", Value: bson.D{{Key: "$lt", Value: now}}}},
			bson.D{{Key: "claimed_until", Value: bson.D{{Key: "$exists", Value: false}}}},
		}},
	}
}
