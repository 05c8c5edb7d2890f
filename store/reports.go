package store

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/report"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateReport stores a new report. The caller has set its random id and receipt hash.
func (s *Store) CreateReport(ctx context.Context, r *report.Report) error {
	if _, err := s.c(colReports).InsertOne(ctx, r); err != nil {
		return fmt.Errorf("create report: %w", wrap(err))
	}
	return nil
}

// Report returns the report with the given id.
func (s *Store) Report(ctx context.Context, id string) (*report.Report, error) {
	return s.findReport(ctx, bson.D{{Key: "_id", Value: id}})
}

// ReportByReceipt returns the report whose receipt hashes to receiptHash.
func (s *Store) ReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error) {
	return s.findReport(ctx, bson.D{{Key: "receipt_hash", Value: receiptHash}})
}

func (s *Store) findReport(ctx context.Context, filter bson.D) (*report.Report, error) {
	var r report.Report
	if err := s.c(colReports).FindOne(ctx, filter).Decode(&r); err != nil {
		return nil, wrap(err)
	}
	return &r, nil
}

// AddFollowup appends information to a report that is still pending or approved; others
// (rejected, merged, purged) return ErrNotFound because there is nothing left to add to.
func (s *Store) AddFollowup(ctx context.Context, receiptHash string, f report.Followup) error {
	res, err := s.c(colReports).UpdateOne(ctx,
		bson.D{
			{Key: "receipt_hash", Value: receiptHash},
			{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{report.StatusPending, report.StatusApproved}}}},
			{Key: "purged", Value: bson.D{{Key: "$ne", Value: true}}},
		},
		bson.D{{Key: "$push", Value: bson.D{{Key: "followups", Value: f}}}})
	if err != nil {
		return fmt.Errorf("add follow-up: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteReportByReceipt withdraws a report: the raw document is deleted at once. A published
// alert made from it is a separate document and stays.
func (s *Store) DeleteReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error) {
	var r report.Report
	err := s.c(colReports).FindOneAndDelete(ctx, bson.D{{Key: "receipt_hash", Value: receiptHash}}).Decode(&r)
	if err != nil {
		return nil, wrap(err)
	}
	return &r, nil
}

// CountReports counts reports in a status, for the queue and metrics.
func (s *Store) CountReports(ctx context.Context, status report.Status) (int64, error) {
	n, err := s.c(colReports).CountDocuments(ctx, bson.D{{Key: "status", Value: status}})
	return n, wrap(err)
}

// AllReportIDs is for tests: the ids of every stored report, oldest first.
func (s *Store) AllReportIDs(ctx context.Context) ([]string, error) {
	cur, err := s.c(colReports).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}
