package moderation_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// raceStore runs before just as an approval or a merge reaches the database: what the reporter
// or another browser tab does in the instant after the form was checked.
type raceStore struct {
	store.Store
	before func(ctx context.Context)
}

func (s *raceStore) ApproveReport(ctx context.Context, reportID, moderator string, a *report.Alert, d store.Decision, e store.AuditEntry) error {
	s.before(ctx)
	return s.Store.ApproveReport(ctx, reportID, moderator, a, d, e)
}

func (s *raceStore) MergeReport(ctx context.Context, reportID, moderator, alertID string, addAreas []string, d store.Decision, e store.AuditEntry) (*report.Alert, error) {
	s.before(ctx)
	return s.Store.MergeReport(ctx, reportID, moderator, alertID, addAreas, d, e)
}

// TestDecisionRacesChangeNothing: an approval or merge that loses a race with a withdrawal, a
// decision or a retraction publishes and changes nothing, and the moderator is told so. It runs
// on every engine: one writes the decision in a transaction, the other in steps.
func TestDecisionRacesChangeNothing(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			rs := &raceStore{Store: eng.New(t), before: func(context.Context) {}}
			h := newHarnessOn(t, rs)
			a := h.signUp("ana", "moderator")
			ctx := context.Background()
			count := func(col string) int {
				t.Helper()
				docs, err := rs.DumpCollection(ctx, col)
				if err != nil {
					t.Fatal(err)
				}
				return len(docs)
			}
			audited := func(action string) int {
				t.Helper()
				log, err := rs.AuditLog(ctx, store.AuditFilter{Action: action})
				if err != nil {
					t.Fatal(err)
				}
				return len(log)
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			// race is a decision on r that runs before just as it reaches the store.
			type race struct {
				name   string
				r      *report.Report
				before func(ctx context.Context)
			}
			// lose claims the report and posts form to its action, with the race run in between.
			lose := func(tc race, action string, form url.Values) *httptest.ResponseRecorder {
				t.Helper()
				if w := h.do("POST", "/moderation/reports/"+tc.r.ID+"/claim", url.Values{}, a.cookie); w.Code != http.StatusSeeOther {
					t.Fatalf("claim: %d", w.Code)
				}
				rs.before = tc.before
				defer func() { rs.before = func(context.Context) {} }()
				return h.do("POST", "/moderation/reports/"+tc.r.ID+"/"+action, form, a.cookie)
			}

			// withdraw is the reporter withdrawing r.
			withdraw := func(r *report.Report) func(ctx context.Context) {
				return func(ctx context.Context) {
					_, err := rs.Store.DeleteReportByReceipt(ctx, r.ReceiptHash)
					must(err)
				}
			}

			// Approvals that lose: nothing is published, nothing queued, nothing audited.
			withdrawn := h.addReport("withdrawn")
			decided := h.addReport("decided in another tab")
			for _, tc := range []race{
				{"withdrawn", withdrawn, withdraw(withdrawn)},
				{"decided", decided, func(ctx context.Context) {
					must(rs.Store.DecideReport(ctx, decided.ID, "ana", store.Decision{Status: report.StatusRejected, Note: "no"}))
				}},
			} {
				w := lose(tc, "approve", approveForm("Alert", "Body"))
				if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "nothing was published") ||
					!strings.Contains(w.Body.String(), `href="/moderation/queue"`) {
					t.Errorf("approval of a %s report: %d\n%s", tc.name, w.Code, w.Body)
				}
				if n, m := count(store.ColAlerts), count(store.ColDeliveries); n != 0 || m != 0 {
					t.Errorf("approval of a %s report left %d alerts and %d delivery jobs", tc.name, n, m)
				}
			}
			if n := audited(moderation.ActionApprove); n != 0 {
				t.Errorf("%d approvals audited; none happened", n)
			}
			if got, err := rs.Report(ctx, decided.ID); err != nil || got.Status != report.StatusRejected || got.AlertID != "" {
				t.Errorf("the other tab's decision was overwritten: %+v %v", got, err)
			}

			// Merges that lose: the alert keeps its count and areas, the report stays pending
			// (or gone), nothing is audited.
			target := h.approve(a, h.addReport("first").ID, approveForm("Alert", "Body"))
			gone := h.addReport("withdrawn before the merge")
			gone.BadDate.Area = "ward-8"
			pending := h.addReport("merged into a retracted alert")
			for _, tc := range []race{
				{"withdrawn report", gone, withdraw(gone)},
				{"retracted alert", pending, func(ctx context.Context) {
					_, err := rs.Store.RetractAlert(ctx, target)
					must(err)
				}},
			} {
				w := lose(tc, "merge", url.Values{"alert": {target}, "add_area": {"1"}, "confirm": {"yes"}})
				if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "Nothing was changed") {
					t.Errorf("merge with a %s: %d\n%s", tc.name, w.Code, w.Body)
				}
				al, err := rs.Alert(ctx, target)
				if err != nil || al.ReportCount != 1 || len(al.Areas) != 2 {
					t.Errorf("merge with a %s changed the alert: %+v %v", tc.name, al, err)
				}
			}
			if got, err := rs.Report(ctx, pending.ID); err != nil || got.Status != report.StatusPending || got.AlertID != "" {
				t.Errorf("report after a merge into a retracted alert: %+v %v", got, err)
			}
			if n := audited(moderation.ActionMerge); n != 0 {
				t.Errorf("%d merges audited; none happened", n)
			}
		})
	}
}
