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

// markField holds, on a pending report, the decision a moderator is writing (decisionMark);
// mergedReports lists, on an alert, the reports MergeReport counted in it. Neither is part of
// the record types: they exist only so that the steps below can be repeated safely.
const (
	markField     = "deciding"
	mergedReports = "merged_reports"
)

// markLease is how long a decision in progress keeps its report from everyone else. Writing
// one takes a few round trips; a mark older than this belongs to a process that died, and the
// next one to touch the report settles it (settleLapsedMark).
const markLease = 2 * time.Minute

// decisionMark is a decision being written: everything needed to finish it, so that whoever
// finds it abandoned can complete it exactly as its moderator meant.
type decisionMark struct {
	Alert  string           `bson:"alert"`
	Merge  bool             `bson:"merge,omitempty"`
	Areas  []string         `bson:"areas,omitempty"`
	Status report.Status    `bson:"status"`
	Note   string           `bson:"note,omitempty"`
	Audit  store.AuditEntry `bson:"audit"`
	At     time.Time        `bson:"at"`
}

// reportState is the part of a report the publishing steps look at.
type reportState struct {
	Status       report.Status `bson:"status"`
	AlertID      string        `bson:"alert_id"`
	ClaimedBy    string        `bson:"claimed_by"`
	ClaimedUntil time.Time     `bson:"claimed_until"`
	Mark         *decisionMark `bson:"deciding"`
}

// ApproveReport publishes a as version 1, queues its fan-out, records the approval on the
// report and appends entry to the audit log, without a transaction. The steps, each atomic on
// one document and safe to repeat:
//
//  1. mark the report as being approved into a.ID by moderator (only if claimableBy: else
//     ErrConflict, or ErrNotFound when withdrawn), which keeps every other moderator off it;
//  2. insert the alert (a duplicate key means an earlier try did): the commit point;
//  3. enqueue the delivery "<a.ID>.1" (idempotent);
//  4. append the audit entry under its given id (a duplicate means done);
//  5. decide the report, conditional on the mark, which removes it.
//
// Crash windows: after 1, the report is held until the mark lapses (markLease), and then the
// next claim or decision clears it, nothing having been published. After 2, 3 or 4 the alert is
// public; whoever next claims or decides the report after the mark lapses finishes steps 3 to
// 5 from the mark, so the push is delayed but never lost, and no other moderator can decide
// the report differently meanwhile. Retrying the same call with the same alert id finishes it
// at once. A moderator whose steps stall past half the lease gives up before step 2, so a
// settled mark cannot be followed by a late publication.
func (s *Store) ApproveReport(ctx context.Context, reportID, moderator string, a *report.Alert, d store.Decision, entry store.AuditEntry) error {
	m := decisionMark{Alert: a.ID, Status: d.Status, Note: d.Note, Audit: entry}
	if m.Status == "" {
		m.Status = report.StatusApproved
	}
	at, err := s.markReport(ctx, reportID, moderator, &m)
	if err != nil {
		return err
	}
	if s.now().Sub(at) > markLease/2 {
		s.unmark(ctx, reportID, a.ID)
		return fmt.Errorf("approve report: %w: too slow to publish safely", store.ErrUnavailable)
	}
	if _, err := s.c(store.ColAlerts).InsertOne(ctx, a); err != nil && !isDuplicate(err) {
		// The insert may have happened all the same (a lost reply): the mark stays, and
		// settling it finds out.
		return fmt.Errorf("publish alert: %w", wrap(err))
	}
	return s.finishDecision(ctx, reportID, &m)
}

// MergeReport counts a report in the published alert alertID, adds areas to it and records
// the decision and the audit entry, in the same steps as ApproveReport with the alert's update
// as the commit point: it also records the report's id in the alert, so that a repeated step
// never counts the report twice. A retracted or missing alert is ErrConflict and changes
// nothing.
func (s *Store) MergeReport(ctx context.Context, reportID, moderator, alertID string, addAreas []string, d store.Decision, entry store.AuditEntry) (*report.Alert, error) {
	if a, err := s.Alert(ctx, alertID); errors.Is(err, store.ErrNotFound) || (err == nil && a.Status != report.AlertPublished) {
		return nil, store.ErrConflict
	} else if err != nil {
		return nil, err
	}
	m := decisionMark{Alert: alertID, Merge: true, Areas: addAreas, Status: d.Status, Note: d.Note, Audit: entry}
	if m.Status == "" {
		m.Status = report.StatusMerged
	}
	at, err := s.markReport(ctx, reportID, moderator, &m)
	if err != nil {
		return nil, err
	}
	if s.now().Sub(at) > markLease/2 {
		s.unmark(ctx, reportID, alertID)
		return nil, fmt.Errorf("merge report: %w: too slow to merge safely", store.ErrUnavailable)
	}
	counted, err := s.countInAlert(ctx, reportID, &m)
	if err != nil {
		return nil, err // the mark stays for a retry or a settlement to sort out
	}
	if !counted {
		s.unmark(ctx, reportID, alertID)
		return nil, store.ErrConflict
	}
	if err := s.finishDecision(ctx, reportID, &m); err != nil {
		return nil, err
	}
	return s.Alert(ctx, alertID)
}

// markReport is step 1: it marks report id as being decided by moderator as m says and
// returns when. A report this moderator already marked with the same alert is marked again
// (a retry); one already decided into the same alert the same way needs nothing more.
func (s *Store) markReport(ctx context.Context, id, moderator string, m *decisionMark) (time.Time, error) {
	for attempt := 0; ; attempt++ {
		now := s.now()
		m.At = now
		set := bson.D{{Key: "$set", Value: bson.D{
			{Key: "claimed_by", Value: moderator},
			{Key: "claimed_until", Value: now.Add(markLease)},
			{Key: markField, Value: m},
		}}}
		res, err := s.c(store.ColReports).UpdateOne(ctx, claimableBy(id, moderator, now), set)
		if err != nil {
			return time.Time{}, fmt.Errorf("mark report: %w", wrap(err))
		}
		if res.MatchedCount > 0 {
			return now, nil
		}
		r, err := findOne[reportState](ctx, s.c(store.ColReports), byID(id))
		if err != nil {
			return time.Time{}, err
		}
		switch {
		case r.Status == m.Status && r.AlertID == m.Alert:
			// Decided into the same alert: by an earlier try of this very call if its audit
			// entry is there, else by someone else's.
			if done, err := s.logged(ctx, m.Audit); err != nil {
				return time.Time{}, err
			} else if done {
				return now, nil
			}
			return time.Time{}, store.ErrConflict
		case r.Status != report.StatusPending:
			return time.Time{}, store.ErrConflict
		case r.Mark != nil && r.Mark.Alert == m.Alert && r.ClaimedBy == moderator:
			// An earlier try of this call stopped half-way: take its mark over.
			res, err := s.c(store.ColReports).UpdateOne(ctx,
				bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.StatusPending}, {Key: markField + ".alert", Value: m.Alert}}, set)
			if err != nil {
				return time.Time{}, fmt.Errorf("mark report: %w", wrap(err))
			}
			if res.MatchedCount > 0 {
				return now, nil
			}
		case r.Mark != nil && attempt == 0:
			if settled, err := s.settleLapsedMark(ctx, id); err != nil {
				return time.Time{}, err
			} else if settled {
				continue
			}
		}
		return time.Time{}, store.ErrConflict
	}
}

// unmark removes this call's own mark after it gave up before its commit point, so the
// report goes back to the queue at once rather than when the mark lapses. It is best effort:
// a mark left behind lapses anyway.
func (s *Store) unmark(ctx context.Context, id, alertID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = s.c(store.ColReports).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.StatusPending}, {Key: markField + ".alert", Value: alertID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: markField, Value: ""}}}})
}

// countInAlert is MergeReport's commit point: it counts the report in the alert unless it is
// counted already. It returns false when the alert is no longer published and does not hold
// the report.
func (s *Store) countInAlert(ctx context.Context, reportID string, m *decisionMark) (bool, error) {
	res, err := s.c(store.ColAlerts).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: m.Alert}, {Key: "status", Value: report.AlertPublished}, {Key: mergedReports, Value: bson.D{{Key: "$ne", Value: reportID}}}},
		mergeUpdate(m.Areas, reportID))
	if err != nil {
		return false, fmt.Errorf("merge into alert: %w", wrap(err))
	}
	if res.MatchedCount > 0 {
		return true, nil
	}
	return s.alertCounts(ctx, m.Alert, reportID)
}

// alertCounts reports whether alert alertID has counted report reportID.
func (s *Store) alertCounts(ctx context.Context, alertID, reportID string) (bool, error) {
	a, err := findOne[struct {
		Merged []string `bson:"merged_reports"`
	}](ctx, s.c(store.ColAlerts), byID(alertID), options.FindOne().SetProjection(bson.D{{Key: mergedReports, Value: 1}}))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(a.Merged, reportID), nil
}

// finishDecision is steps 3 to 5, after the commit point: queue the push of a new alert,
// append the audit entry, decide the report. Each is a no-op when done already; the decision
// comes last so that a report still marked always has something left to finish.
func (s *Store) finishDecision(ctx context.Context, reportID string, m *decisionMark) error {
	if !m.Merge {
		if err := s.EnqueueDelivery(ctx, m.Alert, 1, false); err != nil {
			return err
		}
	}
	if err := s.AppendAudit(ctx, m.Audit); err != nil && !errors.Is(err, store.ErrExists) {
		return err
	}
	d := store.Decision{Status: m.Status, Note: m.Note, AlertID: m.Alert}
	_, err := s.c(store.ColReports).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: reportID}, {Key: "status", Value: report.StatusPending}, {Key: markField + ".alert", Value: m.Alert}},
		decideUpdate(d, s.now()))
	if err != nil {
		return fmt.Errorf("decide report: %w", wrap(err))
	}
	// No match: decided by an earlier try or by whoever settled the mark, or withdrawn by its
	// reporter meanwhile. Either way the alert stands, as published by a moderator.
	return nil
}

// settleLapsedMark finishes or undoes a decision whose writer stopped half-way, if report id
// carries one whose lease has lapsed: a decision past its commit point (the alert published,
// or the report counted in it) is finished as its moderator meant; one before it is removed.
// It reports whether there was anything to settle.
func (s *Store) settleLapsedMark(ctx context.Context, id string) (bool, error) {
	r, err := findOne[reportState](ctx, s.c(store.ColReports), byID(id))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if r.Mark == nil || r.Status != report.StatusPending || !r.ClaimedUntil.Before(s.now()) {
		return false, nil
	}
	var committed bool
	if r.Mark.Merge {
		committed, err = s.alertCounts(ctx, r.Mark.Alert, id)
	} else {
		_, err = s.Alert(ctx, r.Mark.Alert)
		committed = err == nil
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		return false, err
	}
	if committed {
		return true, s.finishDecision(ctx, id, r.Mark)
	}
	_, err = s.c(store.ColReports).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: report.StatusPending},
			{Key: markField + ".alert", Value: r.Mark.Alert}, {Key: "claimed_until", Value: r.ClaimedUntil}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: markField, Value: ""}}}})
	if err != nil {
		return false, fmt.Errorf("clear abandoned decision: %w", wrap(err))
	}
	return true, nil
}
