package mongodb

import (
	"context"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// RetractPublishedAlert withdraws a published alert as a new version, queues the retraction's
// push and appends entry to the audit log, without a transaction, in the steps of
// EditPublishedAlert: the retraction and the mark holding entry are one update (the commit
// point, only if the alert is published: else ErrConflict, or ErrNotFound), then the push, the
// entry and the removal of the mark follow, each safe to repeat. A process that dies after the
// commit point leaves the mark, which a retry of the same call, the next action on the alert or
// the next delivery claim once it is markLease old finishes (settleMarks). The push is delayed,
// never lost.
func (s *Store) RetractPublishedAlert(ctx context.Context, id string, entry store.AuditEntry) (*report.Alert, error) {
	now := s.now()
	mark := finishMark{Audit: entry, Retraction: true, At: now}
	return s.changeAndFinish(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "status", Value: report.AlertRetracted}, {Key: "updated", Value: now},
				{Key: finishField, Value: mark}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
		},
		&mark)
}

// settleInterval is how often a replica looks for actions left half-done.
const settleInterval = time.Minute

// settleMarks finishes the retractions, edits, extensions and decisions whose writer stopped
// after the commit point (settleFinishes). Delivery claims call it, at most once per
// settleInterval per store, so that while any dispatcher runs no retraction stays unpushed;
// the query finds nothing almost always, through its index.
func (s *Store) settleMarks(ctx context.Context) error {
	now := s.now()
	last := s.settled.Load()
	if now.UnixMilli()-last < settleInterval.Milliseconds() && now.UnixMilli() >= last {
		return nil
	}
	if !s.settled.CompareAndSwap(last, now.UnixMilli()) {
		return nil // another goroutine is at it
	}
	return s.settleFinishes(ctx, now)
}
