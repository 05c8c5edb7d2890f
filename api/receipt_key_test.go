package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/web"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// receiptHMAC is the stored form of a receipt code, computed here without the package's
// helpers: hex of HMAC-SHA256 under the operator's key of the code's 16 characters, upper
// case, without dashes.
func receiptHMAC(key []byte, canonical string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// canonicalReceipt is the code as the reporter got it, without its dashes; it fails the test
// when the code is not 16 characters of Crockford's base32.
func canonicalReceipt(t *testing.T, code string) string {
	t.Helper()
	canon := strings.ReplaceAll(code, "-", "")
	if len(canon) != 16 || strings.Trim(canon, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != "" {
		t.Fatalf("receipt %q is not 16 characters of Crockford base32", code)
	}
	return canon
}

func randomKey(t *testing.T) intake.ReceiptKey {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestStoredReceiptHashIsKeyedHMAC pins what makes a stolen copy of the database useless for
// finding a reporter's report: the stored receipt hash is HMAC-SHA256 under the operator's
// key, so without the key a guessed or known code cannot be confirmed, and a server with
// another key cannot open, extend or withdraw the report.
func TestStoredReceiptHashIsKeyedHMAC(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	key1, key2 := randomKey(t), randomKey(t)
	ts.intake.Receipts = key1

	// A second API on the same database whose only difference is the receipt key: what a
	// copy of the database in the hands of someone without the key amounts to.
	in2 := *ts.intake
	in2.Receipts = key2
	e2, err := web.NewEngine(web.EngineOptions{Logger: slog.New(slog.NewJSONHandler(ts.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	Register(e2, Deps{Store: ts.store, Intake: &in2, BaseURL: "https://alerts.example.org", VAPIDPublicKey: "BPUBLIC"})
	ts2 := &testServer{engine: e2, store: ts.store, intake: &in2, logs: ts.logs}

	submit := func(s *testServer) (Receipt, string) {
		t.Helper()
		w := s.request(t, "POST", "/api/v1/reports", map[string]any{"kind": "bad_date", "fields": validBadDate(), "altcha": s.solvedProof(t)})
		if w.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", w.Code, w.Body)
		}
		rec := decodeJSON[Receipt](t, w)
		stored, err := s.store.Report(ctx, rec.ID)
		if err != nil {
			t.Fatalf("read the submitted report: %v", err)
		}
		return rec, stored.ReceiptHash
	}
	rec1, stored1 := submit(ts)
	rec2, stored2 := submit(ts2)
	canon1, canon2 := canonicalReceipt(t, rec1.Receipt), canonicalReceipt(t, rec2.Receipt)

	if want := receiptHMAC(key1, canon1); stored1 != want {
		t.Errorf("stored receipt hash = %q, want hex HMAC-SHA256(key, code) = %q", stored1, want)
	}
	if want := receiptHMAC(key2, canon2); stored2 != want {
		t.Errorf("stored receipt hash under the second key = %q, want %q", stored2, want)
	}
	// The same code under the other key is another hash: the key, not the code alone,
	// decides what is stored.
	if receiptHMAC(key2, canon1) == stored1 || receiptHMAC(key1, canon2) == stored2 {
		t.Error("the stored hash of a code does not depend on the key")
	}
	if stored1 == receiptHMAC(nil, canon1) || stored1 == hex.EncodeToString(sha256Sum(canon1)) {
		t.Error("the stored hash can be computed from the code alone, without the key")
	}

	// Each receipt opens its report on the server with its key, typed as a person may type
	// it, and on no other.
	lookup := func(s *testServer, code string) int {
		t.Helper()
		return s.request(t, "GET", "/api/v1/receipts/"+code, nil).Code
	}
	typed := strings.ToLower(strings.ReplaceAll(rec1.Receipt, "-", ""))
	if got := lookup(ts, typed); got != http.StatusOK {
		t.Errorf("receipt lookup with the right key = %d, want 200", got)
	}
	if got := lookup(ts2, rec2.Receipt); got != http.StatusOK {
		t.Errorf("second receipt lookup with its key = %d, want 200", got)
	}
	for _, tc := range []struct {
		name string
		s    *testServer
		code string
	}{{"first receipt, second key", ts2, rec1.Receipt}, {"second receipt, first key", ts, rec2.Receipt}} {
		w := tc.s.request(t, "GET", "/api/v1/receipts/"+tc.code, nil)
		if e := decodeJSON[errorResponse](t, w); w.Code != http.StatusNotFound || e.Error.Code != "receipt_not_found" {
			t.Errorf("%s: lookup = %d %s, want 404 receipt_not_found", tc.name, w.Code, w.Body)
		}
		if w := tc.s.request(t, "POST", "/api/v1/receipts/"+tc.code+"/followups", map[string]string{"text": "More details."}); w.Code != http.StatusNotFound {
			t.Errorf("%s: follow-up = %d, want 404", tc.name, w.Code)
		}
		if w := tc.s.request(t, "DELETE", "/api/v1/receipts/"+tc.code, nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: withdraw = %d, want 404", tc.name, w.Code)
		}
	}
	// Nothing the wrong key was used for touched the reports.
	for _, rec := range []Receipt{rec1, rec2} {
		r, err := ts.store.Report(ctx, rec.ID)
		if err != nil {
			t.Fatalf("report %s after lookups under the wrong key: %v", rec.ID, err)
		}
		if len(r.Followups) != 0 {
			t.Errorf("report %s got a follow-up through the wrong key", rec.ID)
		}
	}
	// The right key still withdraws.
	if w := ts.request(t, "DELETE", "/api/v1/receipts/"+rec1.Receipt, nil); w.Code != http.StatusOK {
		t.Fatalf("withdraw with the right key: %d %s", w.Code, w.Body)
	}
	if lookup(ts, rec1.Receipt) != http.StatusNotFound {
		t.Error("withdrawn report still found by its receipt")
	}
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}
