package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// TestUpgradeFromVersion2 opens a database written by the release before migration 3 (alert
// details and texts, identifier hints, report hashes): its alerts and reports read as they
// were, and the new fields work on them afterwards.
func TestUpgradeFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "headsup.db")
	old, err := sql.Open("sqlite", "file:"+path)
	ok(t, err, "open old")
	for _, m := range migrations[:2] {
		_, err := old.ExecContext(ctx, m)
		ok(t, err, "old schema")
	}
	for _, q := range []string{
		`PRAGMA user_version = 2`,
		`INSERT INTO alerts (id, version, kind, severity, title, body, areas, published, updated, expires, status, report_count)
			VALUES ('a1', 1, 'bad_date', 'danger', 'Old title', 'Old body', '["ward-1"]', 1773144000000, 1773144000000, 1893456000000, 'published', 1)`,
		`INSERT INTO alert_areas (alert_id, area) VALUES ('a1', 'ward-1')`,
		`INSERT INTO alert_identifiers (alert_id, seq, type, value, hmac, public) VALUES ('a1', 0, 'phone', '2025550100', 'h1', 1)`,
		`INSERT INTO reports (id, receipt_hash, kind, status, submitted_day) VALUES ('r1', 'rh1', 'bad_date', 'pending', 1773100800000)`,
	} {
		_, err := old.ExecContext(ctx, q)
		ok(t, err, q)
	}
	ok(t, old.Close(), "close old")

	s, err := Open(ctx, path, Options{})
	ok(t, err, "open")
	defer s.Close(ctx)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations) || v < 3 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	a, err := s.Alert(ctx, "a1")
	ok(t, err, "old alert")
	if a.Title != "Old title" || a.Details != nil || a.Texts != nil || len(a.Identifiers) != 1 ||
		a.Identifiers[0] != (report.Identifier{Type: "phone", Value: "2025550100", HMAC: "h1", Public: true}) {
		t.Fatalf("old alert read as %+v", a)
	}
	r, err := s.Report(ctx, "r1")
	ok(t, err, "old report")
	if r.Answered || r.StaffEntered || r.IdentifierHMACs != nil || r.Status != report.StatusPending {
		t.Fatalf("old report read as %+v", r)
	}
	details := []report.Detail{{Field: "vehicle", Text: "red sedan"}}
	u, err := s.UpdateAlert(ctx, "a1", 1, store.AlertChange{Title: "New", Severity: report.SeverityDanger, Areas: a.Areas,
		Expires: a.Expires, Details: details})
	ok(t, err, "edit the old alert")
	if len(u.Details) != 1 || u.Details[0].Field != "vehicle" || u.Details[0].Text != "red sedan" {
		t.Fatalf("old alert after an edit with details: %+v", u)
	}
}
