package alertcache_test

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/alertcache"
	"github.com/headsup/headsup/store/storetest"
)

// clock is a test clock both the store and the cache read.
type clock struct{ t atomic.Int64 }

func (c *clock) Now() time.Time          { return time.UnixMilli(c.t.Load()).UTC() }
func (c *clock) Set(t time.Time)         { c.t.Store(t.UnixMilli()) }
func (c *clock) Advance(d time.Duration) { c.t.Add(d.Milliseconds()) }

// counting counts the listing reads that reach the database.
type counting struct {
	store.Store
	lists atomic.Int64
}

func (c *counting) PublishedAlerts(ctx context.Context, f store.AlertFilter) ([]report.Alert, error) {
	c.lists.Add(1)
	return c.Store.PublishedAlerts(ctx, f)
}

var start = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// seed stores alerts of both kinds over several areas: current, expired and retracted.
func seed(t *testing.T, s store.Store) []report.Alert {
	t.Helper()
	ctx := context.Background()
	var out []report.Alert
	areas := []string{"ward-1", "ward-2", "ward-6"}
	for i := range 30 {
		kind := report.BadDate
		if i%3 == 0 {
			kind = report.DrugAlert
		}
		published := start.Add(-time.Duration(i) * time.Hour)
		if i%7 == 0 {
			published = start.Add(-time.Duration(i-1) * time.Hour) // ties in publish time, ordered by id
		}
		a := report.Alert{
			ID: report.NewID(), Version: 1, Kind: kind, Severity: report.SeverityWarning,
			Title: fmt.Sprintf("alert %d", i), Body: "body", Areas: []string{areas[i%3]},
			IncidentDay: report.Day(published), Published: published, Updated: published,
			Expires: start.Add(time.Duration(i-5) * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 1,
		}
		if i%5 == 0 {
			a.Areas = append(a.Areas, "ward-6")
		}
		if err := s.CreateAlert(ctx, &a); err != nil {
			t.Fatal(err)
		}
		if i%11 == 4 {
			if _, err := s.RetractAlert(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, a)
	}
	return out
}

func newPair(t *testing.T) (*counting, *alertcache.Store, *clock) {
	clk := &clock{}
	clk.Set(start)
	base := &counting{Store: storetest.New(t)}
	base.SetClock(clk.Now)
	seed(t, base)
	c := alertcache.Wrap(base, 2*time.Second)
	c.SetClock(clk.Now)
	return base, c, clk
}

func TestAnswersAsTheStoreDoes(t *testing.T) {
	base, cache, _ := newPair(t)
	ctx := context.Background()
	all, err := base.PublishedAlerts(ctx, store.AlertFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 10 {
		t.Fatalf("seed left only %d current alerts", len(all))
	}
	mid := all[len(all)/2]
	for _, f := range []store.AlertFilter{
		{}, {Limit: 5}, {Limit: 100}, {Limit: 1000}, {Kind: report.DrugAlert}, {Kind: report.BadDate, Area: "ward-6"},
		{Area: "ward-2"}, {Since: start.Add(-10 * time.Hour)}, {AfterPublished: mid.Published, AfterID: mid.ID, Limit: 7},
		{Kind: report.BadDate, AfterPublished: mid.Published, AfterID: mid.ID},
	} {
		want, err := base.PublishedAlerts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cache.PublishedAlerts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), ids(want)) {
			t.Errorf("filter %+v:\n cache %v\n store %v", f, ids(got), ids(want))
		}
	}
	for _, a := range all {
		got, err := cache.Alert(ctx, a.ID)
		if err != nil || got.Title != a.Title || got.Status != report.AlertPublished {
			t.Errorf("Alert(%s) = %+v, %v", a.ID, got, err)
		}
	}
}

func TestReadsCostNoRoundTripWithinTTL(t *testing.T) {
	base, cache, clk := newPair(t)
	ctx := context.Background()
	all, err := cache.PublishedAlerts(ctx, store.AlertFilter{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	loaded := base.lists.Load()
	for range 500 {
		if _, err := cache.PublishedAlerts(ctx, store.AlertFilter{Limit: 5}); err != nil {
			t.Fatal(err)
		}
		if _, err := cache.Alert(ctx, all[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := base.lists.Load(); n != loaded {
		t.Errorf("500 home pages within the TTL read the database %d more times, want 0", n-loaded)
	}
	clk.Advance(2 * time.Second)
	if _, err := cache.PublishedAlerts(ctx, store.AlertFilter{}); err != nil {
		t.Fatal(err)
	}
	if base.lists.Load() == loaded {
		t.Error("the snapshot was not reloaded after its TTL")
	}
}

func TestRetractedIsGoneAtOnceHereAndWithinTTLElsewhere(t *testing.T) {
	base, here, clk := newPair(t)
	ctx := context.Background()
	elsewhere := alertcache.Wrap(base, 2*time.Second) // another replica on the same database
	elsewhere.SetClock(clk.Now)
	top, err := here.PublishedAlerts(ctx, store.AlertFilter{Limit: 1})
	if err != nil || len(top) != 1 {
		t.Fatalf("%v %v", top, err)
	}
	if _, err := elsewhere.PublishedAlerts(ctx, store.AlertFilter{}); err != nil { // warm its snapshot
		t.Fatal(err)
	}
	entry := store.AuditEntry{ID: report.NewID(), Time: start, Actor: "ana", Action: "alert_retract", Target: top[0].ID}
	if _, err := here.RetractPublishedAlert(ctx, top[0].ID, entry); err != nil {
		t.Fatal(err)
	}
	a, err := here.Alert(ctx, top[0].ID)
	if err != nil || a.Status != report.AlertRetracted {
		t.Fatalf("the replica that retracted still serves %+v, %v", a, err)
	}
	if listed(t, here, top[0].ID) {
		t.Error("the replica that retracted still lists the alert")
	}
	clk.Advance(2 * time.Second)
	if listed(t, elsewhere, top[0].ID) {
		t.Error("another replica still lists a retracted alert after the TTL")
	}
	if a, err := elsewhere.Alert(ctx, top[0].ID); err != nil || a.Status != report.AlertRetracted {
		t.Errorf("another replica serves %+v, %v after the TTL", a, err)
	}
}

func TestExpiredLeavesAtItsInstant(t *testing.T) {
	_, cache, clk := newPair(t)
	ctx := context.Background()
	all, err := cache.PublishedAlerts(ctx, store.AlertFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	soonest := all[0]
	for _, a := range all {
		if a.Expires.Before(soonest.Expires) {
			soonest = a
		}
	}
	clk.Set(soonest.Expires.Add(-time.Millisecond))
	if _, err := cache.PublishedAlerts(ctx, store.AlertFilter{}); err != nil { // fresh snapshot holding it
		t.Fatal(err)
	}
	clk.Set(soonest.Expires)
	if listed(t, cache, soonest.ID) {
		t.Error("an alert is listed at its expiry instant")
	}
}

func listed(t *testing.T, s store.Alerts, id string) bool {
	t.Helper()
	got, err := s.PublishedAlerts(context.Background(), store.AlertFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range got {
		if a.ID == id {
			return true
		}
	}
	return false
}

func ids(as []report.Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// TestDetailsAndTextsServedWholeAndUnshared checks that the cache hands out an alert's
// description, its texts and its identifiers' hints as stored, and that a caller changing what
// it got (a page localising a detail in place) does not change what the next reader sees.
func TestDetailsAndTextsServedWholeAndUnshared(t *testing.T) {
	base, cache, _ := newPair(t)
	ctx := context.Background()
	a := &report.Alert{ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger,
		Title: "Robbery", Body: "", Areas: []string{"ward-1"}, IncidentDay: report.Day(start), Published: start.Add(time.Minute),
		Updated: start, Expires: start.Add(24 * time.Hour), Status: report.AlertPublished, ReportCount: 1,
		Details:     []report.Detail{{Field: "vehicle", Text: "red sedan"}, {Field: "harms", Codes: []string{"robbery_theft"}}},
		Texts:       []report.Translation{{Lang: "en", Title: "Robbery"}, {Lang: "es", Title: "Robo", Body: "Un cliente robó."}},
		Identifiers: []report.Identifier{{Type: "phone", Hint: "•••0177", HMAC: "h"}}}
	if err := cache.CreateAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	want, err := base.Alert(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want.Details, a.Details) || !reflect.DeepEqual(want.Texts, a.Texts) || want.Identifiers[0].Hint != "•••0177" {
		t.Fatalf("the store gave back %+v", want)
	}
	for range 2 {
		got, err := cache.Alert(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := cache.PublishedAlerts(ctx, store.AlertFilter{Limit: 1})
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("newest alert = %v, %v", ids(list), err)
		}
		for _, g := range []*report.Alert{got, &list[0]} {
			if !reflect.DeepEqual(g, want) {
				t.Fatalf("cache gave\n %+v\nstore gave\n %+v", g, want)
			}
			g.Details[1].Codes[0] = "changed"
			g.Details[0].Text = "changed"
			g.Texts[1].Title = "changed"
		}
	}
}
