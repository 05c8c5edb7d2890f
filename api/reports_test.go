package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
)

func TestSubmitFollowAndWithdraw(t *testing.T) {
	ts := newTestServer(t)
	w := ts.request(t, "POST", "/api/v1/reports", map[string]any{"kind": "drug_alert", "fields": validBadBatch(), "altcha": ts.solvedProof(t)})
	if w.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	rec := decodeJSON[Receipt](t, w)
	if rec.Status != "pending" || !report.ValidID(rec.ID) || len(strings.ReplaceAll(rec.Receipt, "-", "")) != 16 {
		t.Fatalf("receipt = %+v", rec)
	}
	stored, err := ts.store.Report(context.Background(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Verified || stored.DrugAlert == nil || stored.DrugAlert.SoldAs != "pressed_oxy" {
		t.Fatalf("stored report = %+v", stored)
	}
	if !stored.SubmittedDay.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("submission time kept more precisely than the day: %v", stored.SubmittedDay)
	}
	if strings.Contains(stored.ReceiptHash, rec.Receipt) || stored.ReceiptHash == "" {
		t.Fatal("receipt stored in the clear")
	}

	// The reporter may type the code in lower case, with spaces and without dashes.
	typed := strings.ToLower(strings.ReplaceAll(rec.Receipt, "-", " "))
	w = ts.request(t, "GET", "/api/v1/receipts/"+strings.ReplaceAll(typed, " ", "%20"), nil)
	if w.Code != 200 {
		t.Fatalf("receipt lookup: %d %s", w.Code, w.Body)
	}
	view := decodeJSON[receiptView](t, w)
	if view.Status != report.StatusPending || view.Submitted != "2026-11-25" || view.Kind != report.DrugAlert || !view.CanAdd {
		t.Fatalf("receipt view = %+v", view)
	}

	w = ts.request(t, "POST", "/api/v1/receipts/"+rec.Receipt+"/followups", map[string]string{"text": "Same pills seen in Ward 7 today."})
	if w.Code != http.StatusCreated {
		t.Fatalf("follow-up: %d %s", w.Code, w.Body)
	}
	w = ts.request(t, "GET", "/api/v1/receipts/"+rec.Receipt, nil)
	if v := decodeJSON[receiptView](t, w); v.Followups != 1 {
		t.Fatalf("follow-ups = %d, want 1", v.Followups)
	}

	w = ts.request(t, "DELETE", "/api/v1/receipts/"+rec.Receipt, nil)
	if w.Code != 200 {
		t.Fatalf("withdraw: %d %s", w.Code, w.Body)
	}
	if _, err := ts.store.Report(context.Background(), rec.ID); err == nil {
		t.Fatal("withdrawn report still stored")
	}
	w = ts.request(t, "GET", "/api/v1/receipts/"+rec.Receipt, nil)
	if e := decodeJSON[errorResponse](t, w); w.Code != 404 || e.Error.Code != "receipt_not_found" {
		t.Fatalf("after withdraw: %d %s", w.Code, w.Body)
	}
}

func TestWrongReceiptIs404(t *testing.T) {
	ts := newTestServer(t)
	for _, code := range []string{"AAAA-AAAA-AAAA-AAAA", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "short", "%24where", strings.Repeat("Z", 200)} {
		for _, m := range []string{"GET", "DELETE"} {
			w := ts.request(t, m, "/api/v1/receipts/"+code, nil)
			if w.Code != 404 {
				t.Errorf("%s %s = %d, want 404", m, code, w.Code)
			}
		}
	}
}

func TestProofOfWork(t *testing.T) {
	ts := newTestServer(t)
	proof := ts.solvedProof(t)
	body := map[string]any{"kind": "bad_date", "fields": validBadDate(), "altcha": proof}
	if w := ts.request(t, "POST", "/api/v1/reports", body); w.Code != 201 {
		t.Fatalf("first use: %d %s", w.Code, w.Body)
	}
	w := ts.request(t, "POST", "/api/v1/reports", body)
	if e := decodeJSON[errorResponse](t, w); w.Code != 400 || e.Error.Code != "replayed_proof" {
		t.Fatalf("replay: %d %s", w.Code, w.Body)
	}
	body["altcha"] = "bm90IGEgcHJvb2Y="
	w = ts.request(t, "POST", "/api/v1/reports", body)
	if e := decodeJSON[errorResponse](t, w); w.Code != 400 || e.Error.Code != "invalid_proof" {
		t.Fatalf("garbage proof: %d %s", w.Code, w.Body)
	}
	ids, err := ts.store.AllReportIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 {
		t.Fatalf("%d reports stored, want only the first", len(ids))
	}
}

func TestUnverifiedReportsAreAcceptedAndLimited(t *testing.T) {
	ts := newTestServer(t)
	body := map[string]any{"kind": "bad_date", "fields": validBadDate()}
	for i := range 2 {
		w := ts.request(t, "POST", "/api/v1/reports", body)
		if w.Code != 201 {
			t.Fatalf("report %d without proof: %d %s", i, w.Code, w.Body)
		}
		r, err := ts.store.Report(context.Background(), decodeJSON[Receipt](t, w).ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verified {
			t.Fatal("report without proof marked verified")
		}
	}
	w := ts.request(t, "POST", "/api/v1/reports", body)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("third unverified report: %d Retry-After=%q", w.Code, w.Header().Get("Retry-After"))
	}
	var refusal struct {
		Error struct {
			Code       string `json:"code"`
			RetryAfter int    `json:"retry_after"`
		} `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &refusal); err != nil || refusal.Error.Code != "rate_limited" ||
		strconv.Itoa(refusal.Error.RetryAfter) != w.Header().Get("Retry-After") {
		t.Errorf("refusal body %s (%v): want code rate_limited and retry_after equal to Retry-After %s", w.Body, err, w.Header().Get("Retry-After"))
	}
	// Reports with solved proofs are not limited per address: five people on one connection
	// (and more) all get through.
	for i := range 6 {
		body["altcha"] = ts.solvedProof(t)
		if w := ts.request(t, "POST", "/api/v1/reports", body); w.Code != 201 {
			t.Fatalf("report %d with a proof from the limited address: %d %s", i+1, w.Code, w.Body)
		}
	}
}

func TestBadInputIsRefusedClearly(t *testing.T) {
	ts := newTestServer(t)
	withField := func(k string, v any) map[string]any {
		f := validBadBatch()
		f[k] = v
		return map[string]any{"kind": "drug_alert", "fields": f}
	}
	tests := []struct {
		name, body, contentType string
		status                  int
		code, field             string
	}{
		{"not json", `{"kind":`, "", 400, "invalid_json", ""},
		{"trailing data", `{"kind":"drug_alert","fields":{}} {}`, "", 400, "invalid_json", ""},
		{"unknown top-level field", `{"kind":"drug_alert","fields":{},"ip":"1.2.3.4"}`, "", 400, "unknown_field", ""},
		{"operator key", `{"kind":"drug_alert","fields":{"$where":"1"}}`, "", 400, "", "$where"},
		{"dotted key", mustJSON(withField("a.b", "x")), "", 400, "", ""},
		{"wrong type", mustJSON(withField("routes", "smoked")), "", 400, "invalid_field", "routes"},
		{"control characters", mustJSON(withField("details", "bad\x07bell")), "", 400, "invalid_field", "details"},
		{"future date", mustJSON(withField("date", "2026-12-25")), "", 400, "invalid_field", "date"},
		{"over a year back", mustJSON(withField("date", "2025-10-01")), "", 400, "invalid_field", "date"},
		{"unknown area", mustJSON(withField("area", "ward-99")), "", 400, "invalid_field", "area"},
		{"unknown kind", `{"kind":"weather","fields":{}}`, "", 400, "unknown_kind", ""},
		{"missing fields", `{"kind":"drug_alert"}`, "", 400, "invalid_field", ""},
		{"invalid utf-8", "{\"kind\":\"drug_alert\",\"fields\":{\"details\":\"\xff\xfe\"}}", "", 400, "invalid_utf8", ""},
		{"form encoded", "kind=drug_alert", "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"too large", `{"kind":"drug_alert","fields":{"details":"` + strings.Repeat("a", 70<<10) + `"}}`, "", 413, "too_large", ""},
		{"honeypot", `{"kind":"drug_alert","fields":{},"website":"http://spam"}`, "", 400, "spam_suspected", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			w := ts.request(t, "POST", "/api/v1/reports", []byte(tc.body), "Content-Type", ct)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			e := decodeJSON[errorResponse](t, w)
			if tc.code != "" && e.Error.Code != tc.code {
				t.Errorf("code %q, want %q", e.Error.Code, tc.code)
			}
			if e.Error.Message == "" {
				t.Error("no message for a person")
			}
			if tc.field != "" && e.Error.Fields[tc.field] == "" {
				t.Errorf("no message for field %q: %v", tc.field, e.Error.Fields)
			}
		})
	}
	if ids, err := ts.store.AllReportIDs(context.Background()); err != nil || len(ids) != 0 {
		t.Fatalf("bad input stored %d reports (err %v)", len(ids), err)
	}
}

func TestValidationMessagesFollowLanguage(t *testing.T) {
	ts := newTestServer(t)
	body := map[string]any{"kind": "bad_date", "fields": map[string]any{"date": "2026-11-20", "area": "ward-1", "details": "x"}}
	en := decodeJSON[errorResponse](t, ts.request(t, "POST", "/api/v1/reports", body))
	es := decodeJSON[errorResponse](t, ts.request(t, "POST", "/api/v1/reports", body, "Accept-Language", "es-MX,es;q=0.9"))
	if en.Error.Fields["harms"] == "" || es.Error.Fields["harms"] == "" || en.Error.Fields["harms"] == es.Error.Fields["harms"] {
		t.Fatalf("harms message en=%q es=%q; want both, different", en.Error.Fields["harms"], es.Error.Fields["harms"])
	}
}

func mustJSON(v any) string {
	data, err := jsonMarshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}
