package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

func TestExportThenImportMovesAlertsAndSettings(t *testing.T) {
	ctx := context.Background()
	from, to := t.TempDir(), t.TempDir()
	envFor := func(dir string) func(string) string {
		return func(k string) string {
			return map[string]string{"HEADSUP_DATA_DIR": dir, "HEADSUP_LOG_LEVEL": "error"}[k]
		}
	}
	// Put an alert and a setting in the first data folder.
	env := &environment{getenv: envFor(from), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	db, err := openForCommand(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	s := db.store
	published := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	alert := report.Alert{ID: report.NewID(), Version: 2, Kind: report.DrugAlert, Severity: report.SeverityDanger,
		Title: "Blue pills", Body: "Sold as oxy", Areas: []string{"ward-6"}, Published: published, Updated: published,
		Expires: published.Add(14 * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 3,
		Identifiers: []report.Identifier{{Type: "phone", Value: "2025550147", HMAC: "abc", Public: false}}}
	if err := insertAlertForTest(ctx, s, &alert); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SettingOrCreate(ctx, "vapid_private_key", "secret-key"); err != nil {
		t.Fatal(err)
	}
	db.close(ctx)

	var dump, errOut bytes.Buffer
	if err := run(ctx, []string{"export"}, envFor(from), nil, &dump, &errOut); err != nil {
		t.Fatalf("export: %v %s", err, errOut.String())
	}
	if strings.Count(dump.String(), "\n") < 2 || !strings.Contains(dump.String(), `"collection":"alerts"`) {
		t.Fatalf("export output:\n%s", dump.String())
	}
	if err := run(ctx, []string{"import"}, envFor(to), bytes.NewReader(dump.Bytes()), &bytes.Buffer{}, &errOut); err != nil {
		t.Fatalf("import: %v %s", err, errOut.String())
	}
	// Importing twice must not duplicate anything.
	if err := run(ctx, []string{"import"}, envFor(to), bytes.NewReader(dump.Bytes()), &bytes.Buffer{}, &errOut); err != nil {
		t.Fatalf("second import: %v", err)
	}
	db2, err := openForCommand(ctx, &environment{getenv: envFor(to), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.close(ctx)
	s2 := db2.store
	got, err := s2.Alert(ctx, alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != alert.Title || got.Version != 2 || !got.Published.Equal(published) || len(got.Identifiers) != 1 || got.Identifiers[0].HMAC != "abc" {
		t.Fatalf("imported alert = %+v", got)
	}
	if v, err := s2.Setting(ctx, "vapid_private_key"); err != nil || v != "secret-key" {
		t.Fatalf("imported setting = %q %v", v, err)
	}
	if err := run(ctx, []string{"import"}, envFor(to), strings.NewReader("not json\n"), &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("garbage imported without error")
	}
}

// insertAlertForTest stores an alert the way import and migrate do, so this test needs nothing
// from the moderation code.
func insertAlertForTest(ctx context.Context, s store.Store, a *report.Alert) error {
	return s.Load(ctx, store.ColAlerts, []any{a})
}

// TestImportReadsTheEarlierReleasesExport: the FerretDB-based releases wrote MongoDB canonical
// extended JSON; moving an old data folder up relies on importing such a file.
func TestImportReadsTheEarlierReleasesExport(t *testing.T) {
	ctx := context.Background()
	// Lines as bson.MarshalExtJSON(canonical) wrote them for a report.Alert and a setting.
	const old = `{"collection":"alerts","document":{"_id":"Hx3kq8Qm1cVQ0f2bW9sZpA","version":{"$numberInt":"3"},"kind":"bad_date","severity":"danger","title":"Violent client","body":"He hit a worker.","areas":["ward-6","ward-7"],"incident_day":{"$date":{"$numberLong":"1763596800000"}},"time_band":"night","published":{"$date":{"$numberLong":"1763640000123"}},"updated":{"$date":{"$numberLong":"1763640000123"}},"expires":{"$date":{"$numberLong":"1771416000123"}},"status":"published","report_count":{"$numberInt":"2"},"identifiers":[{"type":"phone","value":"2025550147","hmac":"9f86d081884c7d65","public":true}]}}
{"collection":"settings","document":{"_id":"vapid_private_key","value":"old-secret"}}
`
	dir := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"HEADSUP_DATA_DIR": dir, "HEADSUP_LOG_LEVEL": "error"}[k]
	}
	var errOut bytes.Buffer
	if err := run(ctx, []string{"import"}, getenv, strings.NewReader(old), &bytes.Buffer{}, &errOut); err != nil {
		t.Fatalf("import: %v %s", err, errOut.String())
	}
	db, err := openForCommand(ctx, &environment{getenv: getenv, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.close(ctx)
	got, err := db.store.Alert(ctx, "Hx3kq8Qm1cVQ0f2bW9sZpA")
	if err != nil {
		t.Fatal(err)
	}
	published := time.UnixMilli(1763640000123).UTC()
	if got.Version != 3 || got.ReportCount != 2 || got.TimeBand != "night" || !got.Published.Equal(published) ||
		!got.IncidentDay.Equal(time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)) || len(got.Areas) != 2 ||
		len(got.Identifiers) != 1 || got.Identifiers[0] != (report.Identifier{Type: "phone", Value: "2025550147", HMAC: "9f86d081884c7d65", Public: true}) {
		t.Fatalf("imported alert = %+v", got)
	}
	if v, err := db.store.Setting(ctx, "vapid_private_key"); err != nil || v != "old-secret" {
		t.Fatalf("imported setting = %q %v", v, err)
	}
}
