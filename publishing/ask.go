package publishing

import (
	"context"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// ActionAsk is the audit action of a question put to a reporter.
const ActionAsk = "ask"

// Ask puts a question to the reporter of a pending report: it leaves the queue as "needs more
// information" until the reporter answers through their receipt, which makes it pending again,
// marked answered. note is the stored note (report.EncodeNote): a stock question's code and
// the moderator's words. Decided meanwhile is ErrConflict, withdrawn ErrNotFound.
func (s *Service) Ask(ctx context.Context, moderator, reportID, note string) error {
	code, _ := report.SplitNote(note)
	err := s.Store.DecideReportAudited(ctx, reportID, moderator, store.Decision{Status: report.StatusNeedsInfo, Note: note},
		s.auditEntry(moderator, ActionAsk, reportID, "question="+code))
	return domainError(err)
}
