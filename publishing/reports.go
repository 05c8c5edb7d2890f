package publishing

import (
	"context"
	"errors"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// Identifier is an identifier from a report (normalised) that a moderator chose to make
// checkable, public, or both.
type Identifier struct {
	Type  string
	Value string // normalised, as report.NormalizeIdentifierIn returns it
	// Checkable identifiers are found by the identifier check; Public ones are shown on the
	// alert.
	Checkable bool
	Public    bool
}

// Approve publishes an alert made from r and the moderator's text, queues its push, records
// the decision and the audit entry: all of it, or, when the report was decided (ErrConflict)
// or withdrawn (ErrNotFound) meanwhile, none. The caller has validated ch.
func (s *Service) Approve(ctx context.Context, moderator string, r *report.Report, ch store.AlertChange, ids []Identifier) (*report.Alert, error) {
	now := s.now()
	common := r.Common()
	a := &report.Alert{
		ID: report.NewID(), Version: 1, Kind: r.Kind, Severity: ch.Severity, Title: ch.Title, Body: ch.Body, Areas: ch.Areas,
		Details: ch.Details, Texts: ch.Texts,
		IncidentDay: common.IncidentDay(), TimeBand: common.TimeBand, Published: now, Updated: now, Expires: ch.Expires,
		Status: report.AlertPublished, ReportCount: 1, Identifiers: s.identifiers(ids),
	}
	d := store.Decision{Status: report.StatusApproved, Note: NoteApproved, AlertID: a.ID}
	err := s.Store.ApproveReport(ctx, r.ID, moderator, a, d, s.auditEntry(moderator, ActionApprove, r.ID, "alert="+a.ID))
	if err != nil {
		return nil, domainError(err)
	}
	s.wake()
	return a, nil
}

// identifiers is what the alert stores of each chosen identifier: for a checkable one its HMAC,
// which the check looks up; the value itself only when it is Public, else a masked hint for
// moderators ("•••0177"), so a checkable-only number is kept as the page promises: keyed.
func (s *Service) identifiers(ids []Identifier) []report.Identifier {
	var out []report.Identifier
	for _, id := range ids {
		if !id.Checkable && !id.Public {
			continue
		}
		ri := report.Identifier{Type: id.Type, Public: id.Public}
		if id.Public {
			ri.Value = id.Value
		} else {
			ri.Hint = report.MaskIdentifier(id.Type, id.Value)
		}
		if id.Checkable {
			ri.HMAC = report.IdentifierHMAC(s.IdentifierKey, id.Type, id.Value)
		}
		out = append(out, ri)
	}
	return out
}

// Reject closes a report with the note the reporter reads on the receipt; reason is the code
// the audit log keeps. A rejection whose note invites more information (not enough to
// publish) waits for it as a question does: the reporter keeps the form to add information,
// and an answer brings the report back to the queue. Decided meanwhile is ErrConflict,
// withdrawn ErrNotFound.
func (s *Service) Reject(ctx context.Context, moderator, reportID, reason, note string) error {
	status := report.StatusRejected
	if report.NoteInvitesMore(note) {
		status = report.StatusNeedsInfo
	}
	err := s.Store.DecideReportAudited(ctx, reportID, moderator, store.Decision{Status: status, Note: note},
		s.auditEntry(moderator, ActionReject, reportID, "reason="+reason))
	return domainError(err)
}

// Merge counts r in a published alert of its kind about the same thing, optionally adding the
// report's area to the alert, and records the decision and the audit entry in one step. An
// alert that is not published or of another kind is ErrNotMergeable; retracted, decided or
// withdrawn meanwhile is ErrConflict or ErrNotFound, and nothing changed.
func (s *Service) Merge(ctx context.Context, moderator string, r *report.Report, alertID string, addArea bool) (*report.Alert, error) {
	a, err := s.MergeTarget(ctx, r, alertID)
	if err != nil {
		return nil, err
	}
	var addAreas []string
	if area := r.Common().Area; addArea && report.KnownArea(s.Areas, area) {
		addAreas = []string{area}
	}
	d := store.Decision{Status: report.StatusMerged, Note: NoteMerged, AlertID: a.ID}
	merged, err := s.Store.MergeReport(ctx, r.ID, moderator, a.ID, addAreas, d, s.auditEntry(moderator, ActionMerge, r.ID, "alert="+a.ID))
	if err != nil {
		return nil, domainError(err)
	}
	return merged, nil
}

// MergeTarget is alert alertID if r may be merged into it, a published alert of r's kind, for
// the page that asks before a merge; any other id is ErrNotMergeable.
func (s *Service) MergeTarget(ctx context.Context, r *report.Report, alertID string) (*report.Alert, error) {
	if !report.ValidID(alertID) {
		return nil, ErrNotMergeable
	}
	a, err := s.Store.Alert(ctx, alertID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNotMergeable
	case err != nil:
		return nil, err
	case a.Status != report.AlertPublished || a.Kind != r.Kind:
		return nil, ErrNotMergeable
	}
	return a, nil
}
