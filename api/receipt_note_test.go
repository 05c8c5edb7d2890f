package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// TestReceiptNoteInReadersLanguage: a stock question reads in the language the reporter's
// app asks for, and a question left unanswered past the retention period still shows with
// its status while an answer is refused.
func TestReceiptNoteInReadersLanguage(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	w := ts.request(t, "POST", "/api/v1/reports", map[string]any{"kind": "bad_date", "fields": validBadDate(), "altcha": ts.solvedProof(t)})
	if w.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	rec := decodeJSON[Receipt](t, w)
	note := report.EncodeNote(report.NoteQuestionWhere, "")
	if err := ts.store.DecideReport(ctx, rec.ID, "ana", store.Decision{Status: report.StatusNeedsInfo, Note: note}); err != nil {
		t.Fatal(err)
	}
	en := decodeJSON[receiptView](t, ts.request(t, "GET", "/api/v1/receipts/"+rec.Receipt, nil))
	es := decodeJSON[receiptView](t, ts.request(t, "GET", "/api/v1/receipts/"+rec.Receipt, nil, "Accept-Language", "es-MX,es;q=0.9"))
	if en.Note != report.NoteText("en", note) || es.Note != report.NoteText("es", note) || en.Note == es.Note || es.Note == "" {
		t.Fatalf("question in en = %q, in es = %q; want each language's", en.Note, es.Note)
	}
	if q := decodeJSON[receiptView](t, ts.request(t, "GET", "/api/v1/receipts/"+rec.Receipt+"?lang=es", nil)); q.Note != es.Note {
		t.Fatalf("question with ?lang=es = %q, want %q", q.Note, es.Note)
	}
	if en.Status != report.StatusNeedsInfo || !en.CanAdd {
		t.Fatalf("receipt of a question = %+v, want needs_info and the answer form", en)
	}

	// Unanswered past the retention period: the text goes, the question and status stay.
	if n, err := ts.store.PurgeDecidedReports(ctx, testNow.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	lapsed := decodeJSON[receiptView](t, ts.request(t, "GET", "/api/v1/receipts/"+rec.Receipt, nil, "Accept-Language", "es"))
	if lapsed.Status != report.StatusNeedsInfo || lapsed.CanAdd || lapsed.Note != es.Note {
		t.Fatalf("receipt after the purge = %+v, want needs_info, no answer form, the question", lapsed)
	}
	w = ts.request(t, "POST", "/api/v1/receipts/"+rec.Receipt+"/followups", map[string]string{"text": "It was on 14th Street."})
	if e := decodeJSON[errorResponse](t, w); w.Code/100 != 4 || e.Error.Code == "" {
		t.Fatalf("answer after the purge: %d %s, want a 4xx with a code", w.Code, w.Body)
	}
}
