package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
	"github.com/headsup/headsup/web"
)

// testServer is the API on a fresh database, with its logs captured.
type testServer struct {
	engine *gin.Engine
	store  store.Store
	intake *intake.Service
	logs   *testkit.Buffer
}

var testNow = time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerOn(t, storetest.New(t))
}

// newTestServerOn is newTestServer on a given engine's database, for tests about what each
// engine stores.
func newTestServerOn(t *testing.T, s store.Store) *testServer {
	t.Helper()
	s.SetClock(func() time.Time { return testNow })
	logs := &testkit.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := func() time.Time { return testNow }
	in := &intake.Service{
		Store:      s,
		Areas:      report.DefaultAreas(),
		Proofs:     altcha.NewIssuer([]byte("0123456789abcdef0123456789abcdef"), 1000, time.Minute, now),
		Receipts:   intake.ReceiptKey("receipt-key-for-tests-0123456789abcdef"),
		Unverified: ratelimit.New(ratelimit.Options{Rate: 3, Period: time.Hour, Burst: 2, Now: now}),
		Now:        now,
		// The key moderators store checkable identifiers under.
		IdentifierKey: []byte("identifier-key"),
	}
	e, err := web.NewEngine(web.EngineOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	Register(e, Deps{Store: s, Intake: in, BaseURL: "https://alerts.example.org", VAPIDPublicKey: "BPUBLIC"})
	return &testServer{engine: e, store: s, intake: in, logs: logs}
}

// request sends one request through the router and returns the recorded response.
func (ts *testServer) request(t *testing.T, method, path string, body any, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	req.RemoteAddr = "192.0.2.10:4321"
	w := httptest.NewRecorder()
	ts.engine.ServeHTTP(w, req)
	return w
}

// solvedProof fetches a challenge through the API and solves it, as the page's worker does.
func (ts *testServer) solvedProof(t *testing.T) string {
	t.Helper()
	w := ts.request(t, "GET", "/api/v1/challenge", nil)
	if w.Code != 200 {
		t.Fatalf("challenge: %d %s", w.Code, w.Body)
	}
	var ch altcha.Challenge
	if err := json.Unmarshal(w.Body.Bytes(), &ch); err != nil {
		t.Fatal(err)
	}
	n, ok := altcha.Solve(ch)
	if !ok {
		t.Fatal("challenge has no solution")
	}
	return altcha.Payload(ch, n)
}

func decodeJSON[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, w.Body)
	}
	return v
}

type errorResponse struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func validBadBatch() map[string]any {
	return map[string]any{
		"date": "2026-11-20", "area": "ward-6", "time_band": "evening",
		"details": "Blue pressed pills sold as oxy near the station; two people went out cold.",
		"sold_as": "pressed_oxy", "form": "pill", "colour": "light blue", "stamp": "M 30",
		"routes": []string{"swallowed", "snorted"}, "effects": []string{"overdose", "multiple_naloxone"},
		"fentanyl_strip": "positive", "xylazine_strip": "not_tested",
	}
}

func validBadDate() map[string]any {
	return map[string]any{
		"date": "2026-11-21", "area": "ward-8",
		"details": "Picked me up on Alabama Ave, took my money and pushed me out of the car.",
		"harms":   []string{"robbery_theft", "physical_violence"}, "contact": "street",
		"phones": []string{"(202) 555-0147"}, "vehicle_colour": "grey", "vehicle_make": "Honda", "plate": "DC 4KX",
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
