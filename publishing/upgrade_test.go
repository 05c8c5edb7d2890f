package publishing_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/sqlite"
	"github.com/headsup/headsup/store/storetest"
)

// oldAlert is a bad-date alert as publishing stored it before identifiers were normalised
// with NFKC and E.164: every checkable identifier with its plain value, public or not, and an
// HMAC of the old normal form (phones digits only, a US number without its country code;
// handles only lower-cased).
func oldAlert(key []byte, id string) *report.Alert {
	old := func(typ, value string, public bool) report.Identifier {
		return report.Identifier{Type: typ, Value: value, HMAC: report.IdentifierHMAC(key, typ, value), Public: public}
	}
	return &report.Alert{ID: id, Version: 3, Kind: report.BadDate, Severity: report.SeverityDanger, Title: "Robbery, ward 6",
		Body: "Took the money.", Areas: []string{"ward-6"}, Published: testNow, Updated: testNow, Expires: testNow.Add(90 * 24 * time.Hour),
		Status: report.AlertPublished, ReportCount: 2, Identifiers: []report.Identifier{
			old(report.IdentifierPhone, "2025550177", false),
			old(report.IdentifierEmail, "jose\u0301_dc", false), // NFD, as it was typed
			old(report.IdentifierPlate, "ABC123", true),
			old(report.IdentifierPhone, "442079460958", true), // a UK number, its + dropped
		}}
}

// check finds alerts as /check does: the value normalised for the US and hashed with key.
func check(t *testing.T, s store.Store, key []byte, typ, value string) []report.Alert {
	t.Helper()
	n, err := report.NormalizeIdentifierIn("US", typ, value)
	if err != nil {
		t.Fatalf("normalise %q: %v", value, err)
	}
	found, err := s.AlertsByIdentifier(context.Background(), report.IdentifierHMAC(key, typ, n))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestUpgradeIdentifiers(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			s := eng.New(t)
			s.SetClock(func() time.Time { return testNow })
			key, err := s.SettingOrCreate(ctx, "identifier_hmac_key", "key-of-this-database")
			if err != nil {
				t.Fatal(err)
			}
			a := oldAlert([]byte(key), "alert-old")
			if err := s.CreateAlert(ctx, a); err != nil {
				t.Fatal(err)
			}
			// A new alert's identifiers are in the current form already, and one alert has none.
			fresh := &report.Alert{ID: "alert-new", Version: 1, Kind: report.BadDate, Severity: report.SeverityWarning, Title: "T",
				Areas: []string{"ward-1"}, Published: testNow, Updated: testNow, Expires: testNow.Add(time.Hour), Status: report.AlertPublished,
				Identifiers: []report.Identifier{{Type: report.IdentifierPhone, Hint: "•••0100",
					HMAC: report.IdentifierHMAC([]byte(key), report.IdentifierPhone, "+12025550100")}}}
			bare := &report.Alert{ID: "alert-bare", Version: 1, Kind: report.DrugAlert, Severity: report.SeverityInfo, Title: "T",
				Areas: []string{"ward-1"}, Published: testNow, Updated: testNow, Expires: testNow.Add(time.Hour), Status: report.AlertPublished}
			for _, x := range []*report.Alert{fresh, bare} {
				if err := s.CreateAlert(ctx, x); err != nil {
					t.Fatal(err)
				}
			}
			const typed = "+1 202 555 0177"
			if n := len(check(t, s, []byte(key), report.IdentifierPhone, typed)); n != 0 {
				t.Fatalf("before the upgrade /check found %d alerts: the old HMAC should not match", n)
			}

			log := &testkit.Buffer{}
			up, err := publishing.UpgradeIdentifiers(ctx, s, []byte(key), "US", slog.New(slog.NewJSONHandler(log, nil)))
			if err != nil {
				t.Fatal(err)
			}
			want := publishing.IdentifierUpgrade{Alerts: 2, Changed: 1, Rehashed: 3, Masked: 2}
			if up != want {
				t.Fatalf("upgrade counted %+v, want %+v", up, want)
			}
			for _, q := range []struct{ typ, value string }{
				{report.IdentifierPhone, typed}, {report.IdentifierPhone, "(202) 555-0177"}, {report.IdentifierPhone, "202.555.0177"},
				{report.IdentifierEmail, "@José_DC"}, {report.IdentifierEmail, "ＪＯＳＥ\u0301_ＤＣ\u200b"},
				{report.IdentifierPlate, "abc 123"}, {report.IdentifierPhone, "+44 20 7946 0958"},
			} {
				if found := check(t, s, []byte(key), q.typ, q.value); len(found) != 1 || found[0].ID != a.ID {
					t.Errorf("after the upgrade /check %s %q found %d alerts, want the old one", q.typ, q.value, len(found))
				}
			}
			if found := check(t, s, []byte(key), report.IdentifierPhone, "202 555 0100"); len(found) != 1 || found[0].ID != fresh.ID {
				t.Errorf("a new alert's identifier is no longer found (%d alerts)", len(found))
			}

			got, err := s.Alert(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != a.Version || got.Title != a.Title || got.ReportCount != a.ReportCount || !got.Updated.Equal(a.Updated) {
				t.Errorf("the upgrade changed the alert itself: %+v", got)
			}
			if pub := got.PublicIdentifiers(); len(pub) != 2 || pub[0].Value != "ABC123" || pub[1].Value != "+442079460958" {
				t.Errorf("public identifiers after the upgrade = %+v, want the plate and +442079460958", pub)
			}
			if got.Identifiers[0].Hint != "•••0177" || got.Identifiers[0].Value != "" || got.Identifiers[1].Value != "" || got.Identifiers[1].Hint == "" {
				t.Errorf("checkable-only identifiers after the upgrade = %+v, want masked hints and no values", got.Identifiers[:2])
			}
			for _, col := range mustList(t, s) {
				recs, err := s.DumpCollection(ctx, col)
				if err != nil {
					t.Fatal(err)
				}
				for _, rec := range recs {
					for _, secret := range []string{"2025550177", "5550177", "_dc"} {
						if strings.Contains(rec, secret) {
							t.Errorf("%q is still stored in %s after the upgrade: %s", secret, col, rec)
						}
					}
				}
			}
			if line := log.String(); !strings.Contains(line, `"changed":1`) || strings.Contains(line, "0177") || strings.Count(line, "\n") != 1 {
				t.Errorf("log = %q, want one line of counts without values", line)
			}

			// Once done, a restart does not walk the alerts again.
			if up, err := publishing.UpgradeIdentifiers(ctx, s, []byte(key), "US", nil); err != nil || !up.Skipped || up.Alerts != 0 {
				t.Fatalf("second start: %+v, %v; want skipped", up, err)
			}
			// Run again anyway (as after a crash before the marker), it changes nothing.
			if err := s.PutSetting(ctx, "identifiers_upgraded", ""); err != nil {
				t.Fatal(err)
			}
			if up, err := publishing.UpgradeIdentifiers(ctx, s, []byte(key), "US", nil); err != nil || up.Changed != 0 || up.Rehashed != 0 {
				t.Fatalf("a repeated upgrade: %+v, %v; want no change", up, err)
			}
			again, err := s.Alert(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(again.Identifiers) != fmt.Sprint(got.Identifiers) {
				t.Errorf("a repeated upgrade changed identifiers: %+v, was %+v", again.Identifiers, got.Identifiers)
			}
		})
	}
}

func mustList(t *testing.T, s store.Store) []string {
	t.Helper()
	cols, err := s.Collections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// crashingStore fails ReplaceAlertIdentifiers after writing the first alert it is given, as a
// process that dies in the middle of a page would.
type crashingStore struct {
	store.Store
}

var errCrash = errors.New("crash")

func (c crashingStore) ReplaceAlertIdentifiers(ctx context.Context, changes []store.AlertIdentifiers) error {
	if len(changes) > 0 {
		if err := c.Store.ReplaceAlertIdentifiers(ctx, changes[:1]); err != nil {
			return err
		}
	}
	return errCrash
}

// TestUpgradeIdentifiersAfterCrash checks that an upgrade that died midway is finished by the
// next start, with the same result as one that never stopped.
func TestUpgradeIdentifiersAfterCrash(t *testing.T) {
	ctx := context.Background()
	key := []byte("k")
	clean, crashed := storetest.New(t), storetest.New(t)
	for _, s := range []store.Store{clean, crashed} {
		for i := range 3 {
			if err := s.CreateAlert(ctx, oldAlert(key, "alert-"+strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := publishing.UpgradeIdentifiers(ctx, crashingStore{crashed}, key, "US", nil); !errors.Is(err, errCrash) {
		t.Fatalf("upgrade through a crashing store: %v", err)
	}
	if _, err := crashed.Setting(ctx, "identifiers_upgraded"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unfinished upgrade left its marker (%v)", err)
	}
	up, err := publishing.UpgradeIdentifiers(ctx, crashed, key, "US", nil)
	if err != nil || up.Changed != 2 || up.Alerts != 3 {
		t.Fatalf("upgrade after the crash: %+v, %v; want the 2 alerts left of 3 changed", up, err)
	}
	if _, err := publishing.UpgradeIdentifiers(ctx, clean, key, "US", nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		id := "alert-" + strconv.Itoa(i)
		a, err := clean.Alert(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b, err := crashed.Alert(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(a.Identifiers) != fmt.Sprint(b.Identifiers) {
			t.Errorf("%s after a crash and a restart: %+v, without a crash: %+v", id, b.Identifiers, a.Identifiers)
		}
	}
}

// TestUpgradeIdentifiersVolume measures the upgrade of HEADSUP_UPGRADE_ALERTS old alerts (for
// example 20000) in a SQLite database written as the server writes it (synchronous FULL):
//
//	HEADSUP_UPGRADE_ALERTS=20000 go test -run UpgradeIdentifiersVolume -v ./publishing
func TestUpgradeIdentifiersVolume(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HEADSUP_UPGRADE_ALERTS"))
	if n <= 0 {
		t.Skip("set HEADSUP_UPGRADE_ALERTS to the number of alerts")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := storetest.Open(t, false, func(ctx context.Context) (store.Store, error) {
		return sqlite.Open(ctx, filepath.Join(dir, "headsup.db"), sqlite.Options{})
	})
	s.SetClock(func() time.Time { return testNow })
	key := []byte("k")
	built := time.Now()
	var batch []any
	for i := range n {
		a := oldAlert(key, fmt.Sprintf("alert-%07d", i))
		a.Identifiers[0].Value = fmt.Sprintf("2025%06d", i) // each alert its own number
		a.Identifiers[0].HMAC = report.IdentifierHMAC(key, report.IdentifierPhone, a.Identifiers[0].Value)
		batch = append(batch, a)
		if len(batch) == 1000 || i == n-1 {
			if err := s.Load(ctx, store.ColAlerts, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	t.Logf("built %d old alerts in %v", n, time.Since(built).Round(time.Millisecond))
	start := time.Now()
	up, err := publishing.UpgradeIdentifiers(ctx, s, key, "US", nil)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if up.Alerts != n || up.Changed != n {
		t.Fatalf("upgraded %+v, want %d alerts changed", up, n)
	}
	t.Logf("upgraded %d alerts (%d identifiers rehashed, %d masked) in %v", up.Changed, up.Rehashed, up.Masked, took.Round(time.Millisecond))
	if found := check(t, s, key, report.IdentifierPhone, fmt.Sprintf("+1 202 5%06d", n-1)); len(found) != 1 {
		t.Fatalf("the last alert's number finds %d alerts after the upgrade", len(found))
	}
}
