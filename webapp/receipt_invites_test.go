package webapp

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// decidedReceipt files a report through the form, records d on it as a moderator would, and
// returns its receipt code.
func decidedReceipt(t *testing.T, ts *testSite, d store.Decision) string {
	t.Helper()
	r := request(t, ts.h, "POST", "/report/bad-date", badDateForm())
	code := receiptCode.FindStringSubmatch(r.body)[1]
	stored, err := ts.report(code)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.DecideReport(context.Background(), stored.ID, "ana", d); err != nil {
		t.Fatal(err)
	}
	return code
}

// TestReceiptOfARejectionThatInvitesMore: "not enough information" reads as not published,
// yet keeps the form to add information, and an answer puts the report back in the queue.
func TestReceiptOfARejectionThatInvitesMore(t *testing.T) {
	ts := newTestSite(t)
	code := decidedReceipt(t, ts, store.Decision{Status: report.StatusNeedsInfo, Note: report.EncodeNote(report.NoteRejectInsufficient, "")})
	var r response
	for _, c := range []struct{ lang, status string }{{"en", "Not published"}, {"es", report.StatusLabel("es", report.StatusRejected)}} {
		r = request(t, ts.h, "POST", "/receipt?lang="+c.lang, url.Values{"code": {code}})
		if r.Code != http.StatusOK || !strings.Contains(r.body, c.status) || !strings.Contains(r.body, `action="/receipt/add`) {
			t.Errorf("%s receipt: %d; want %q and the form to add information", c.lang, r.Code, c.status)
		}
		if strings.Contains(r.body, report.StatusLabel(c.lang, report.StatusNeedsInfo)) {
			t.Errorf("%s receipt calls a rejection a question", c.lang)
		}
	}
	r = request(t, ts.h, "POST", "/receipt/add", url.Values{"code": {code}, "text": {"It was a grey pickup truck."}})
	if got, err := ts.report(code); err != nil || got.Status != report.StatusPending || !got.Answered {
		t.Errorf("after adding information: %d, report %+v, %v; want it back in the queue, answered", r.Code, got, err)
	}
}
