package webapp

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// TestReceiptOfALapsedQuestion: a question left unanswered past the retention period has its
// report's text purged; the receipt still shows the status and the question, says in the
// reader's language why there is nothing left to answer, and refuses a late answer clearly.
func TestReceiptOfALapsedQuestion(t *testing.T) {
	ts := newTestSite(t)
	note := report.EncodeNote(report.NoteQuestionWhere, "")
	code := decidedReceipt(t, ts, store.Decision{Status: report.StatusNeedsInfo, Note: note})
	ctx := context.Background()
	r := request(t, ts.h, "POST", "/receipt", url.Values{"code": {code}})
	if r.Code != http.StatusOK || !strings.Contains(r.body, `action="/receipt/add"`) || strings.Contains(r.body, "not answered in time") {
		t.Fatalf("a question within the retention period: %d, want the answer form", r.Code)
	}

	if n, err := ts.store.PurgeDecidedReports(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	for _, c := range []struct{ lang, lapsed, question string }{
		{"en", "not answered in time", report.NoteText("en", note)},
		{"es", "no se respondió a tiempo", report.NoteText("es", note)},
	} {
		r = request(t, ts.h, "POST", "/receipt?lang="+c.lang, url.Values{"code": {code}})
		if r.Code != http.StatusOK || !strings.Contains(r.body, c.lapsed) || !strings.Contains(r.body, c.question) {
			t.Errorf("%s receipt of a lapsed question: %d; want the status, the question and why it lapsed", c.lang, r.Code)
		}
		if strings.Contains(r.body, `action="/receipt/add"`) {
			t.Errorf("%s receipt of a lapsed question still offers the answer form", c.lang)
		}
	}
	r = request(t, ts.h, "POST", "/receipt/add", url.Values{"code": {code}, "text": {"It was on 14th Street."}})
	if r.Code != http.StatusOK || !strings.Contains(r.body, "This report can no longer be changed.") || !strings.Contains(r.body, "not answered in time") {
		t.Errorf("a late answer: %d; want it refused with the reason", r.Code)
	}
	if got, err := ts.report(code); err != nil || len(got.Followups) != 0 || got.BadDate != nil {
		t.Errorf("a late answer was stored: %+v, %v", got, err)
	}
}
