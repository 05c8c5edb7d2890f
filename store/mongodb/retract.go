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

// retractField holds, on a retracted alert, what its retraction has left to do (retractionMark)
// until it is done. Like markField on reports, it exists only so the steps can be repeated.
const retractField = "retracting"

// retractionMark is a retraction being written: the audit entry to append, and when it began.
type retractionMark struct {
	Audit store.AuditEntry `bson:"audit"`
	At    time.Time        `bson:"at"`
}

// markedAlert is an alert with the mark of a retraction in progress, if any.
type markedAlert struct {
	report.Alert `bson:",inline"`
	Mark         *retractionMark `bson:"retracting,omitempty"`
}

// RetractPublishedAlert withdraws a published alert as a new version, queues the retraction's
// push and appends entry to the audit log, without a transaction. The steps, each atomic on one
// document and safe to repeat:
//
//  1. retract the alert and mark it with entry (only if published: else ErrConflict, or
//     ErrNotFound): the commit point;
//  2. enqueue the retraction's delivery "<id>.<version>" (idempotent);
//  3. append the audit entry under its id (a duplicate means done);
//  4. remove the mark, conditional on entry's id.
//
// A process that dies after step 1 leaves the mark: a retry of the same call finishes it, and
// otherwise the next delivery claim on any replica does, once the mark is markLease old
// (settleRetractions). The push is delayed, never lost.
func (s *Store) RetractPublishedAlert(ctx context.Context, id string, entry store.AuditEntry) (*report.Alert, error) {
	now := s.now()
	var a markedAlert
	err := s.c(store.ColAlerts).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "status", Value: report.AlertRetracted}, {Key: "updated", Value: now},
				{Key: retractField, Value: retractionMark{Audit: entry, At: now}}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
		},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&a)
	if err = wrap(err); errors.Is(err, store.ErrNotFound) {
		// Not published (or missing): maybe an earlier try of this very call committed.
		cur, err := findOne[markedAlert](ctx, s.c(store.ColAlerts), byID(id))
		if err != nil {
			return nil, err
		}
		switch {
		case cur.Status != report.AlertRetracted:
			return nil, store.ErrConflict
		case cur.Mark != nil && cur.Mark.Audit.ID == entry.ID:
			a = *cur // step 1 done, the rest maybe not
		default:
			if done, err := s.logged(ctx, entry); err != nil {
				return nil, err
			} else if done {
				return &cur.Alert, nil // done entirely by the earlier try
			}
			return nil, store.ErrConflict
		}
	} else if err != nil {
		// The update may have happened all the same (a lost reply): the mark, if any, is
		// settled by a retry or by settleRetractions.
		return nil, fmt.Errorf("retract alert: %w", err)
	}
	if err := s.finishRetraction(ctx, id, a.Version, entry); err != nil {
		return nil, err
	}
	return &a.Alert, nil
}

// finishRetraction is steps 2 to 4 of RetractPublishedAlert.
func (s *Store) finishRetraction(ctx context.Context, id string, version int, entry store.AuditEntry) error {
	if err := s.EnqueueDelivery(ctx, id, version, true); err != nil {
		return err
	}
	return s.logAndUnmark(ctx, store.ColAlerts, retractField, id, entry)
}

// settleInterval is how often a replica looks for retractions left half-done.
const settleInterval = time.Minute

// settleRetractions finishes the retractions whose writer stopped after the commit point: those
// marked more than markLease ago, and the edits, extensions and decisions left the same way
// (settleFinishes). Delivery claims call it, at most once per settleInterval per
// store, so that while any dispatcher runs no retraction stays unpushed; the query finds nothing
// almost always, through its index.
func (s *Store) settleRetractions(ctx context.Context) error {
	now := s.now()
	last := s.settled.Load()
	if now.UnixMilli()-last < settleInterval.Milliseconds() && now.UnixMilli() >= last {
		return nil
	}
	if !s.settled.CompareAndSwap(last, now.UnixMilli()) {
		return nil // another goroutine is at it
	}
	if err := s.settleFinishes(ctx, now); err != nil {
		return err
	}
	marked, err := findAll[markedAlert](ctx, s.c(store.ColAlerts), "find unfinished retractions",
		bson.D{{Key: retractField + ".at", Value: bson.D{{Key: "$lt", Value: now.Add(-markLease)}}}},
		options.Find().SetLimit(50))
	if err != nil {
		return err
	}
	for _, a := range marked {
		if a.Mark == nil || a.Status != report.AlertRetracted {
			continue
		}
		if err := s.finishRetraction(ctx, a.ID, a.Version, a.Mark.Audit); err != nil {
			return err
		}
	}
	return nil
}
