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

// finishField holds, on an alert or a report, what a retraction, an edit, an extension or a
// decision has left to do after its commit point (finishMark): the push of a new version, if
// any, and the audit entry. The mark is written by the same single-document update as the
// change itself, so a change never exists without it; like markField it is not part of the
// record types and exists only so that whoever finds the rest undone can finish it.
const finishField = "finishing"

// finishMark is what is left of an action past its commit point.
type finishMark struct {
	Audit store.AuditEntry `bson:"audit"`
	// Push is the alert version whose push is to be queued; 0 for none.
	Push int `bson:"push,omitempty"`
	// Retraction queues the push of a retraction, of the version the alert holds: a retracted
	// alert never changes again, so it is the one the retraction wrote.
	Retraction bool      `bson:"retraction,omitempty"`
	At         time.Time `bson:"at"`
}

// finishingAlert is an alert with the mark of an unfinished retraction, edit or extension, if
// any.
type finishingAlert struct {
	report.Alert `bson:",inline"`
	Mark         *finishMark `bson:"finishing,omitempty"`
}

// maxFinishTries bounds how often an action finishes someone else's mark and tries again before
// it reports a conflict: each try that loses means another moderator acted in between.
const maxFinishTries = 3

// EditPublishedAlert applies ch as a new version of alert id, queues its push when repush is
// set and appends entry to the audit log, without a transaction. The steps, each atomic on one
// document and safe to repeat:
//
//  1. apply the edit and mark the alert with what is left (entry, and the new version to push
//     when repush), only if the alert is published, at fromVersion and carries no mark (one
//     found is finished first, see below): the commit point;
//  2. enqueue the delivery "<id>.<fromVersion+1>" (idempotent);
//  3. append entry under its id (a duplicate means done);
//  4. remove the mark, conditional on entry's id.
//
// A process that dies after step 1 leaves the edit public and the mark on it. A retry of the
// same call finishes it; so does the next edit or extension of the alert by anyone, which
// finishes a mark it finds before writing its own (so one mark never overwrites another); and
// otherwise the next delivery claim on any replica does, once the mark is markLease old
// (settleMarks). The push is delayed, never lost, and the entry is logged once.
func (s *Store) EditPublishedAlert(ctx context.Context, id string, fromVersion int, ch store.AlertChange, repush bool, entry store.AuditEntry) (*report.Alert, error) {
	now := s.now()
	mark := finishMark{Audit: entry, At: now}
	if repush {
		mark.Push = fromVersion + 1
	}
	return s.changeAndFinish(ctx, editFilter(id, fromVersion), editUpdate(ch, now, bson.E{Key: finishField, Value: mark}), &mark)
}

// ExtendPublishedAlert moves a published alert's expiry and appends entry to the audit log, in
// the steps of EditPublishedAlert with nothing to push: the new expiry and the mark holding
// entry are one update, so the change is never without its record, and the entry is appended
// once however often the steps are repeated.
func (s *Store) ExtendPublishedAlert(ctx context.Context, id string, expires time.Time, entry store.AuditEntry) (*report.Alert, error) {
	mark := finishMark{Audit: entry, At: s.now()}
	return s.changeAndFinish(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.AlertPublished}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: expires}, {Key: finishField, Value: mark}}}},
		&mark)
}

// changeAndFinish applies update, which also writes mark, to the alert that filter selects (its
// first element is the id) unless the alert carries a mark, then finishes mark. No match is
// ErrNotFound for a missing alert and ErrConflict for one in another state, unless the call is
// a repetition of one that got as far as step 1: then it finishes that and returns the alert.
func (s *Store) changeAndFinish(ctx context.Context, filter, update bson.D, mark *finishMark) (*report.Alert, error) {
	id := filter[0].Value.(string)
	unmarked := append(filter[:len(filter):len(filter)], bson.E{Key: finishField, Value: bson.D{{Key: "$exists", Value: false}}})
	for range maxFinishTries {
		var a report.Alert
		err := s.c(store.ColAlerts).FindOneAndUpdate(ctx, unmarked, update,
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&a)
		if err == nil {
			if err := s.finishAlert(ctx, &a, mark); err != nil {
				return nil, err
			}
			return &a, nil
		}
		if err = wrap(err); !errors.Is(err, store.ErrNotFound) {
			// The update may have happened all the same (a lost reply): its mark is finished
			// by a retry, the next action on the alert or settleMarks.
			return nil, fmt.Errorf("change alert: %w", err)
		}
		cur, err := findOne[finishingAlert](ctx, s.c(store.ColAlerts), byID(id))
		if err != nil {
			return nil, err
		}
		if cur.Mark != nil && cur.Mark.Audit.ID == mark.Audit.ID {
			// An earlier try of this very call committed and stopped half-way.
			if err := s.finishAlert(ctx, &cur.Alert, cur.Mark); err != nil {
				return nil, err
			}
			return &cur.Alert, nil
		}
		if done, err := s.logged(ctx, mark.Audit); err != nil {
			return nil, err
		} else if done {
			return &cur.Alert, nil // done entirely by an earlier try
		}
		if cur.Mark == nil {
			return nil, store.ErrConflict
		}
		// Another action's rest, unfinished (in progress, or its process died): finish it,
		// which is harmless either way, and try again.
		if err := s.finishAlert(ctx, &cur.Alert, cur.Mark); err != nil {
			return nil, err
		}
	}
	return nil, store.ErrConflict
}

// finishAlert is steps 2 to 4 of EditPublishedAlert for alert a, as read with its mark m.
func (s *Store) finishAlert(ctx context.Context, a *report.Alert, m *finishMark) error {
	var err error
	switch {
	case m.Retraction:
		err = s.EnqueueDelivery(ctx, a.ID, a.Version, true)
	case m.Push > 0:
		err = s.EnqueueDelivery(ctx, a.ID, m.Push, false)
	}
	if err != nil {
		return err
	}
	return s.logAndUnmark(ctx, store.ColAlerts, a.ID, m.Audit)
}

// DecideReportAudited records a decision that publishes nothing (a rejection or a question) and
// appends entry to the audit log, without a transaction. The steps, each atomic on one document
// and safe to repeat:
//
//  1. decide the report as DecideReport does and mark it with entry, only if it carries no mark
//     (one found is finished first): the commit point;
//  2. append entry under its id (a duplicate means done);
//  3. remove the mark, conditional on entry's id.
//
// The decision is never lost and the entry never precedes it. A process that dies after step 1
// leaves the mark: a retry of the same call finishes it; so does the next audited decision on
// the report (after the reporter answered a question) and its withdrawal by the reporter, and
// otherwise the next delivery claim on any replica once the mark is markLease old
// (settleMarks).
func (s *Store) DecideReportAudited(ctx context.Context, id, moderator string, d store.Decision, entry store.AuditEntry) error {
	for attempt := range maxFinishTries {
		now := s.now()
		mark := finishMark{Audit: entry, At: now}
		filter := append(claimableBy(id, moderator, now), bson.E{Key: finishField, Value: bson.D{{Key: "$exists", Value: false}}})
		res, err := s.c(store.ColReports).UpdateOne(ctx, filter, decideUpdate(d, now, bson.E{Key: finishField, Value: mark}))
		if err != nil {
			return fmt.Errorf("decide report: %w", wrap(err))
		}
		if res.MatchedCount > 0 {
			return s.finishReport(ctx, id, &mark)
		}
		cur, err := findOne[struct {
			Mark *finishMark `bson:"finishing"`
		}](ctx, s.c(store.ColReports), byID(id))
		if err != nil {
			return err
		}
		if cur.Mark != nil && cur.Mark.Audit.ID == entry.ID {
			return s.finishReport(ctx, id, cur.Mark) // an earlier try of this call committed
		}
		if done, err := s.logged(ctx, entry); err != nil {
			return err
		} else if done {
			return nil
		}
		switch {
		case cur.Mark != nil:
			if err := s.finishReport(ctx, id, cur.Mark); err != nil {
				return err
			}
			continue
		case attempt == 0:
			// A decision being published (ApproveReport) whose writer died is settled as
			// DecideReport settles it.
			if settled, err := s.settleLapsedMark(ctx, id); err != nil {
				return err
			} else if settled {
				continue
			}
		}
		return store.ErrConflict
	}
	return store.ErrConflict
}

// finishReport is steps 2 and 3 of DecideReportAudited for report id and its mark m.
func (s *Store) finishReport(ctx context.Context, id string, m *finishMark) error {
	return s.logAndUnmark(ctx, store.ColReports, id, m.Audit)
}

// logAndUnmark is the last two steps shared by retractions, edits, extensions and audited
// decisions: append entry under its id (a duplicate means done), then remove the mark on
// document id of col, only if it is still entry's, so that a newer action's mark stays.
func (s *Store) logAndUnmark(ctx context.Context, col, id string, entry store.AuditEntry) error {
	if err := s.AppendAudit(ctx, entry); err != nil && !errors.Is(err, store.ErrExists) {
		return err
	}
	_, err := s.c(col).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: finishField + ".audit._id", Value: entry.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: finishField, Value: ""}}}})
	if err != nil {
		return fmt.Errorf("finish %s: %w", col, wrap(err))
	}
	return nil
}

// logged reports whether entry is in the audit log already, under its id and for its target:
// the sign that an earlier try of the same call got to the end.
func (s *Store) logged(ctx context.Context, entry store.AuditEntry) (bool, error) {
	e, err := findOne[store.AuditEntry](ctx, s.c(store.ColAudit), byID(entry.ID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return e.Actor == entry.Actor && e.Target == entry.Target, nil
}

// settleFinishes finishes the retractions, edits, extensions and decisions whose writer stopped
// after the commit point: those marked more than markLease ago, at most 50 of each per call.
func (s *Store) settleFinishes(ctx context.Context, now time.Time) error {
	lapsed := bson.D{{Key: finishField + ".at", Value: bson.D{{Key: "$lt", Value: now.Add(-markLease)}}}}
	alerts, err := findAll[finishingAlert](ctx, s.c(store.ColAlerts), "find unfinished alert changes", lapsed, options.Find().SetLimit(50))
	if err != nil {
		return err
	}
	for _, a := range alerts {
		if a.Mark != nil {
			if err := s.finishAlert(ctx, &a.Alert, a.Mark); err != nil {
				return err
			}
		}
	}
	reports, err := findAll[struct {
		ID   string      `bson:"_id"`
		Mark *finishMark `bson:"finishing"`
	}](ctx, s.c(store.ColReports), "find unfinished decisions", lapsed,
		options.Find().SetLimit(50).SetProjection(bson.D{{Key: finishField, Value: 1}}))
	if err != nil {
		return err
	}
	for _, r := range reports {
		if r.Mark != nil {
			if err := s.finishReport(ctx, r.ID, r.Mark); err != nil {
				return err
			}
		}
	}
	return nil
}
