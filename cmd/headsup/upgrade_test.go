package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/config"
	"github.com/headsup/headsup/report"
)

// TestServeUpgradesOldIdentifiers: an alert published before identifiers were normalised as
// /check now does (a phone as digits only, its value kept though not public), imported from an
// older release's export, is found by /check once the server has started again, and its number
// is no longer stored.
func TestServeUpgradesOldIdentifiers(t *testing.T) {
	getenv := moderationEnv(t)
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A first start creates the database and its identifier key, as an older release did.
	first := startApp(t, getenv, appOptions{})
	first.moderation.stop()
	first.stopWorkers()
	first.close(ctx)

	s, err := openSQLite(ctx, filepath.Join(cfg.DataDir, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.Setting(ctx, "identifier_hmac_key")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The alert comes in through an import of an older release's export, into a database
	// whose upgrade has run already.
	expires := time.Now().Add(24 * time.Hour).UnixMilli()
	line := fmt.Sprintf(`{"collection":"alerts","document":{"_id":"Hx3kq8Qm1cVQ0f2bW9sZpB","version":{"$numberInt":"1"},"kind":"bad_date",`+
		`"severity":"danger","title":"Robbery","body":"","areas":["ward-6"],"published":{"$date":{"$numberLong":"%d"}},`+
		`"updated":{"$date":{"$numberLong":"%d"}},"expires":{"$date":{"$numberLong":"%d"}},"status":"published",`+
		`"report_count":{"$numberInt":"1"},"identifiers":[{"type":"phone","value":"2025550177","hmac":"%s","public":false}]}}`+"\n",
		time.Now().UnixMilli(), time.Now().UnixMilli(), expires, report.IdentifierHMAC([]byte(key), report.IdentifierPhone, "2025550177"))
	var errOut bytes.Buffer
	if err := run(ctx, []string{"import"}, getenv, strings.NewReader(line), &bytes.Buffer{}, &errOut); err != nil {
		t.Fatalf("import: %v %s", err, errOut.String())
	}
	old := &report.Alert{ID: "Hx3kq8Qm1cVQ0f2bW9sZpB"}

	a := startApp(t, getenv, appOptions{})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/check", strings.NewReader(`{"type":"phone","value":"+1 202 555 0177"}`))
	req.Header.Set("Content-Type", "application/json")
	a.engine.ServeHTTP(rec, req)
	var body struct {
		Matches []struct {
			ID string `json:"id"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("check: %d %s (%v)", rec.Code, rec.Body, err)
	}
	if len(body.Matches) != 1 || body.Matches[0].ID != old.ID {
		t.Fatalf("check of +1 202 555 0177 after the restart = %s, want the old alert", rec.Body)
	}
	for _, col := range []string{"alerts", "alert_identifiers"} {
		recs, err := a.store.DumpCollection(ctx, col)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if strings.Contains(r, "5550177") {
				t.Fatalf("the number is still stored in %s: %s", col, r)
			}
		}
	}
}
