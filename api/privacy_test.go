package api

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/headsup/headsup/store/storetest"
)

// TestNothingIdentifyingIsLoggedOrStored sends requests the way a proxy would forward them, with
// canary addresses and a canary User-Agent, and then looks for the canaries — and the receipt
// codes handed out — in everything the server wrote: its logs and every document of every
// collection, on every engine.
func TestNothingIdentifyingIsLoggedOrStored(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) { testNothingIdentifyingIsLoggedOrStored(t, newTestServerOn(t, eng.New(t))) })
	}
}

func testNothingIdentifyingIsLoggedOrStored(t *testing.T, ts *testServer) {
	canaries := []string{"203.0.113.77", "2001:db8::7777", "CanaryAgent/9.9", "canary-forwarded-host"}
	headers := []string{
		"X-Forwarded-For", "203.0.113.77, 2001:db8::7777",
		"X-Real-IP", "203.0.113.77",
		"Forwarded", "for=203.0.113.77;host=canary-forwarded-host, for=\"[2001:db8::7777]\"",
		"User-Agent", "CanaryAgent/9.9",
	}
	var receipts []string
	submit := func(kind string, fields map[string]any, proof bool) {
		body := map[string]any{"kind": kind, "fields": fields}
		if proof {
			body["altcha"] = ts.solvedProof(t)
		}
		w := ts.request(t, "POST", "/api/v1/reports", body, headers...)
		if w.Code != 201 {
			t.Fatalf("submit: %d %s", w.Code, w.Body)
		}
		receipts = append(receipts, decodeJSON[Receipt](t, w).Receipt)
	}
	submit("bad_date", validBadDate(), true)
	submit("drug_alert", validBadBatch(), false)
	ts.request(t, "GET", "/api/v1/meta", nil, headers...)
	ts.request(t, "GET", "/api/v1/alerts?kind=bad_date", nil, headers...)
	ts.request(t, "GET", "/api/v1/receipts/"+receipts[0], nil, headers...)
	ts.request(t, "POST", "/api/v1/receipts/"+receipts[0]+"/followups", map[string]string{"text": "more detail"}, headers...)
	ts.request(t, "DELETE", "/api/v1/receipts/"+receipts[1], nil, headers...)
	ts.request(t, "GET", "/api/v1/receipts/"+receipts[1], nil, headers...)
	ts.request(t, "POST", "/api/v1/reports", `{"broken`, headers...)
	ts.request(t, "GET", "/no/such/page?x=203.0.113.77", nil, headers...)

	logs := ts.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/reports"`) {
		t.Fatalf("access log missing; captured:\n%s", logs)
	}
	var everything strings.Builder
	everything.WriteString(logs)
	ctx := context.Background()
	cols, err := ts.store.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range cols {
		docs, err := ts.store.DumpCollection(ctx, col)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			everything.WriteString(d + "\n")
			if ipShaped.MatchString(timestamp.ReplaceAllString(d, "")) {
				t.Errorf("document in %s holds something shaped like an IP address: %s", col, d)
			}
		}
	}
	all := everything.String()
	for _, c := range canaries {
		if strings.Contains(all, c) {
			t.Errorf("canary %q found in logs or database", c)
		}
	}
	for _, r := range receipts {
		if strings.Contains(all, r) || strings.Contains(all, strings.ReplaceAll(r, "-", "")) {
			t.Errorf("receipt %s found in logs or database", r)
		}
	}
	if strings.Contains(logs, "192.0.2.10") {
		t.Error("client address logged")
	}
}

// timestamp is an RFC 3339 time as records are dumped; its clock time would look like an IPv6
// address to ipShaped.
var timestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)

var ipShaped = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{0,4}){2,7}\b`)
