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

// insertAlertForTest stores an alert through the export format, so this test needs nothing from
// the moderation code.
func insertAlertForTest(ctx context.Context, s *store.Store, a *report.Alert) error {
	doc, err := store.MarshalForImport(a)
	if err != nil {
		return err
	}
	return s.Import(ctx, "alerts", doc)
}
