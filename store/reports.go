package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/headsup/headsup/report"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// receiptEntry maps a receipt hash to its report. Lookups go through it because the embedded
// FerretDB (SQLite) only answers a filter on _id from an index and scans the whole collection
// for anything else; with the hash as _id, finding a report by receipt is two indexed reads on
// either database.
type receiptEntry struct {
	Hash     string `bson:"_id"`
	ReportID string `bson:"report_id"`
}

// CreateReport stores a new report. The caller has set its random id and receipt hash. The
// receipt entry is written first: if the process dies in between, no report exists without a
// way for its reporter to reach it (and the client never got its 201).
func (s *Store) CreateReport(ctx context.Context, r *report.Report) error {
	if _, err := s.c(colReceipts).InsertOne(ctx, receiptEntry{Hash: r.ReceiptHash, ReportID: r.ID}); err != nil {
		return fmt.Errorf("create receipt: %w", wrap(err))
	}
	if _, err := s.c(colReports).InsertOne(ctx, r); err != nil {
		return fmt.Errorf("create report: %w", wrap(err))
	}
	return nil
}

// reportIDForReceipt returns the id of the report a receipt hash belongs to.
func (s *Store) reportIDForReceipt(ctx context.Context, receiptHash string) (string, error) {
	e, err := findOne[receiptEntry](ctx, s.c(colReceipts), bson.D{{Key: "_id", Value: receiptHash}})
	if err != nil {
		return "", err
	}
	return e.ReportID, nil
}

// Report returns the report with the given id.
func (s *Store) Report(ctx context.Context, id string) (*report.Report, error) {
	return findOne[report.Report](ctx, s.c(colReports), bson.D{{Key: "_id", Value: id}})
}

// ReportByReceipt returns the report whose receipt hashes to receiptHash.
func (s *Store) ReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error) {
	id, err := s.reportIDForReceipt(ctx, receiptHash)
	if err != nil {
		return nil, err
	}
	r, err := s.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.ReceiptHash != receiptHash { // cannot happen unless the two collections disagree
		return nil, ErrNotFound
	}
	return r, nil
}

// AddFollowup appends information to a report that is still pending or approved; others
// (rejected, merged, purged) return ErrNotFound because there is nothing left to add to.
func (s *Store) AddFollowup(ctx context.Context, receiptHash string, f report.Followup) error {
	id, err := s.reportIDForReceipt(ctx, receiptHash)
	if err != nil {
		return err
	}
	res, err := s.c(colReports).UpdateOne(ctx,
		bson.D{
			{Key: "_id", Value: id},
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
	id, err := s.reportIDForReceipt(ctx, receiptHash)
	if err != nil {
		return nil, err
	}
	var r report.Report
	err = s.c(colReports).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r)
	if err != nil && !errors.Is(wrap(err), ErrNotFound) {
		return nil, wrap(err)
	}
	// The entry goes last, so a retry after a crash in between still finds what to finish.
	if _, err := s.c(colReceipts).DeleteOne(ctx, bson.D{{Key: "_id", Value: receiptHash}}); err != nil {
		return nil, wrap(err)
	}
	if r.ID == "" {
		return nil, ErrNotFound
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
	docs, err := findAll[struct {
		ID string `bson:"_id"`
	}](ctx, s.c(colReports), "list report ids", bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}
