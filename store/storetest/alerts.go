package storetest

import (
	"slices"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var alertCases = []testCase{
	{"Alerts/CreateAndRead", testAlertCreateAndRead},
	{"Alerts/PublishedFilters", testPublishedFilters},
	{"Alerts/PublishedPaging", testPublishedPaging},
	{"Alerts/PublishedLimit", testPublishedLimit},
	{"Alerts/Update", testAlertUpdate},
	{"Alerts/Retract", testAlertRetract},
	{"Alerts/Extend", testAlertExtend},
	{"Alerts/MergeInto", testMergeIntoAlert},
	{"Alerts/ModerationLists", testModerationAlerts},
	{"Alerts/ByIdentifier", testAlertsByIdentifier},
	{"Alerts/ByIdentifierLimit", testAlertsByIdentifierLimit},
	{"Alerts/CountsByDay", testAlertCountsByDay},
}

// alertAt stores a published alert with the given publication time and expiry.
func (e *env) alertAt(kind report.Kind, areas []string, published, expires time.Time) *report.Alert {
	e.t.Helper()
	a := e.newAlert(kind, areas, time.Hour)
	a.Published, a.Updated, a.Expires = published, published, expires
	e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
	return a
}

// newestFirst fails the test unless list is ordered by publication time, newest first.
func (e *env) newestFirst(list []report.Alert, what string) {
	e.t.Helper()
	for i := 1; i < len(list); i++ {
		if list[i].Published.After(list[i-1].Published) {
			e.t.Fatalf("%s: not newest first: %v before %v", what, list[i-1].Published, list[i].Published)
		}
	}
}

// sameIDs fails the test unless got holds exactly the alerts want, in any order.
func (e *env) sameIDs(got []report.Alert, want []*report.Alert, what string) {
	e.t.Helper()
	g := slices.Sorted(slices.Values(alertIDs(got)))
	var w []string
	for _, a := range want {
		w = append(w, a.ID)
	}
	slices.Sort(w)
	if !slices.Equal(g, w) {
		e.t.Fatalf("%s = %v, want %v", what, g, w)
	}
}

func testAlertCreateAndRead(e *env) {
	a := e.newAlert(report.BadDate, []string{"ward-1", "ward-2"}, 24*time.Hour)
	a.Identifiers = []report.Identifier{
		{Type: report.IdentifierPhone, Value: "2025550100", HMAC: "h-phone", Public: true},
		{Type: report.IdentifierPlate, HMAC: "h-plate"},
		{Type: report.IdentifierPhone, Hint: "•••0177", HMAC: "h-hint"},
	}
	a.ReportCount = 3
	e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
	e.same(must(e.s.Alert(e.ctx, a.ID)), a, "alert read back")
	_, err := e.s.Alert(e.ctx, "missing")
	e.wantErr(err, store.ErrNotFound, "missing alert")
	dup := e.newAlert(report.DrugAlert, []string{"ward-3"}, time.Hour)
	dup.ID = a.ID
	if err := e.s.CreateAlert(e.ctx, dup); err == nil {
		e.t.Fatal("a second alert with the same id was accepted")
	}
	e.same(must(e.s.Alert(e.ctx, a.ID)), a, "alert after a refused duplicate")
}

func testPublishedFilters(e *env) {
	now := e.now()
	day := 24 * time.Hour
	a1 := e.alertAt(report.BadDate, []string{"ward-1"}, now.Add(-5*time.Hour), now.Add(day))
	a2 := e.alertAt(report.DrugAlert, []string{"ward-2", "ward-3"}, now.Add(-4*time.Hour), now.Add(day))
	a3 := e.alertAt(report.BadDate, []string{"ward-2"}, now.Add(-3*time.Hour), now.Add(time.Hour))
	a4 := e.alertAt(report.DrugAlert, []string{"ward-1"}, now.Add(-3*time.Hour), now.Add(day))
	e.alertAt(report.BadDate, []string{"ward-3"}, now.Add(-2*time.Hour), now.Add(-time.Minute)) // expired
	a6 := e.alertAt(report.BadDate, []string{"ward-1"}, now.Add(-time.Hour), now.Add(day))
	_, err := e.s.RetractAlert(e.ctx, a6.ID)
	e.ok(err, "retract")
	a7 := e.alertAt(report.DrugAlert, []string{"ward-1", "ward-2"}, now.Add(-time.Hour), now.Add(day))

	for _, c := range []struct {
		name string
		f    store.AlertFilter
		want []*report.Alert
	}{
		{"every current alert", store.AlertFilter{}, []*report.Alert{a1, a2, a3, a4, a7}},
		{"bad dates", store.AlertFilter{Kind: report.BadDate}, []*report.Alert{a1, a3}},
		{"ward-2", store.AlertFilter{Area: "ward-2"}, []*report.Alert{a2, a3, a7}},
		{"bad batches in ward-1", store.AlertFilter{Kind: report.DrugAlert, Area: "ward-1"}, []*report.Alert{a4, a7}},
		{"since 3½ hours ago", store.AlertFilter{Since: now.Add(-210 * time.Minute)}, []*report.Alert{a3, a4, a7}},
		{"ward-9", store.AlertFilter{Area: "ward-9"}, nil},
	} {
		got := must(e.s.PublishedAlerts(e.ctx, c.f))
		e.sameIDs(got, c.want, c.name)
		e.newestFirst(got, c.name)
	}
	if n := must(e.s.CountPublishedAlerts(e.ctx)); n != 5 {
		e.t.Fatalf("CountPublishedAlerts = %d, want 5", n)
	}
	full := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{}))
	e.same(&full[len(full)-1], a1, "the oldest alert as listed")

	// Expiry is read from the clock: no purge needed.
	e.clock.Advance(90 * time.Minute)
	e.sameIDs(must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})), []*report.Alert{a1, a2, a4, a7}, "current alerts after a3 expired")
	if n := must(e.s.CountPublishedAlerts(e.ctx)); n != 4 {
		e.t.Fatalf("CountPublishedAlerts after an expiry = %d, want 4", n)
	}
	e.clock.Advance(2 * day)
	if list := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})); len(list) != 0 {
		e.t.Fatalf("alerts listed after every one expired: %v", alertIDs(list))
	}
	if n := must(e.s.CountPublishedAlerts(e.ctx)); n != 0 {
		e.t.Fatalf("CountPublishedAlerts after every expiry = %d", n)
	}
}

func testPublishedPaging(e *env) {
	now := e.now()
	var all []*report.Alert
	// Groups of alerts published at the same millisecond: the cursor must break ties by id.
	for i := range 13 {
		published := now.Add(-time.Duration(i/3) * time.Minute)
		kind := report.Kinds[i%2]
		all = append(all, e.alertAt(kind, []string{"ward-1"}, published, now.Add(time.Hour)))
	}
	full := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{Limit: 100}))
	e.sameIDs(full, all, "every alert")
	e.newestFirst(full, "every alert")
	for _, f := range []store.AlertFilter{{}, {Kind: report.BadDate}, {Area: "ward-1", Kind: report.DrugAlert}} {
		want := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{Kind: f.Kind, Area: f.Area, Limit: 100}))
		for _, size := range []int{1, 2, 3, 5} {
			var got []string
			page := f
			page.Limit = size
			for range 20 {
				list := must(e.s.PublishedAlerts(e.ctx, page))
				if len(list) > size {
					e.t.Fatalf("page of %d with limit %d", len(list), size)
				}
				if len(list) == 0 {
					break
				}
				got = append(got, alertIDs(list)...)
				last := list[len(list)-1]
				page.AfterPublished, page.AfterID = last.Published, last.ID
			}
			if !slices.Equal(got, alertIDs(want)) {
				e.t.Fatalf("filter %+v in pages of %d:\n got %v\nwant %v", f, size, got, alertIDs(want))
			}
		}
	}
}

func testPublishedLimit(e *env) {
	now := e.now()
	for i := range 25 {
		e.alertAt(report.BadDate, []string{"ward-1"}, now.Add(-time.Duration(i)*time.Minute), now.Add(time.Hour))
	}
	for _, c := range []struct{ limit, want int }{{0, 20}, {-1, 20}, {101, 20}, {1000, 20}, {1, 1}, {7, 7}, {20, 20}, {100, 25}} {
		if got := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{Limit: c.limit})); len(got) != c.want {
			e.t.Fatalf("limit %d gave %d alerts, want %d", c.limit, len(got), c.want)
		}
	}
}

func testAlertUpdate(e *env) {
	a := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Hour)
	ch := store.AlertChange{Title: "New title", Body: "New body", Severity: report.SeverityDanger,
		Areas: []string{"ward-2", "ward-3"}, Expires: e.now().Add(48 * time.Hour),
		Details: []report.Detail{{Field: "vehicle", Text: "red sedan"}, {Field: "age_range", Codes: []string{"30s"}}},
		Texts:   []report.Translation{{Lang: "es", Title: "Nuevo título", Body: "Texto nuevo"}, {Lang: "en", Title: "New title", Body: "New body"}}}
	got := must(e.s.UpdateAlert(e.ctx, a.ID, 1, ch))
	want := *a
	want.Version, want.Title, want.Body, want.Severity, want.Areas, want.Expires, want.Updated, want.Details, want.Texts =
		2, ch.Title, ch.Body, ch.Severity, ch.Areas, ch.Expires, e.now(), ch.Details, ch.Texts
	e.same(got, &want, "the edited alert as returned")
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "the edited alert as stored")
	e.same(must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})), []report.Alert{want}, "the edited alert as listed")

	// The change is the whole new content: an edit without details or texts removes them.
	bare := ch
	bare.Details, bare.Texts = nil, nil
	got = must(e.s.UpdateAlert(e.ctx, a.ID, 2, bare))
	want.Version, want.Details, want.Texts = 3, nil, nil
	e.same(got, &want, "the alert edited without details or texts")
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "the alert edited without details or texts, as stored")

	_, err := e.s.UpdateAlert(e.ctx, a.ID, 2, store.AlertChange{Title: "stale", Body: "stale", Severity: report.SeverityInfo,
		Areas: []string{"ward-1"}, Expires: e.now().Add(time.Hour)})
	e.wantErr(err, store.ErrConflict, "edit from a stale version")
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "alert after a stale edit")
	_, err = e.s.UpdateAlert(e.ctx, "missing", 1, ch)
	e.wantErr(err, store.ErrNotFound, "edit of a missing alert")
	// The edited version is published again: a job for it is the caller's, not queued here.
	if ds := must(e.s.DeliveriesForAlert(e.ctx, a.ID)); len(ds) != 0 {
		e.t.Fatalf("UpdateAlert queued %+v", ds)
	}
	_, err = e.s.RetractAlert(e.ctx, a.ID)
	e.ok(err, "retract")
	_, err = e.s.UpdateAlert(e.ctx, a.ID, 4, ch)
	e.wantErr(err, store.ErrConflict, "edit of a retracted alert")
}

func testAlertRetract(e *env) {
	key := "hmac-retract"
	a := e.newAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	a.Identifiers = []report.Identifier{{Type: report.IdentifierPhone, HMAC: key}}
	e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
	other := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Minute)
	got := must(e.s.RetractAlert(e.ctx, a.ID))
	want := *a
	want.Version, want.Status, want.Updated = 2, report.AlertRetracted, e.now()
	e.same(got, &want, "retracted alert as returned")
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "retracted alert as stored (readable in any status)")
	_, err := e.s.RetractAlert(e.ctx, a.ID)
	e.wantErr(err, store.ErrConflict, "second retraction")
	_, err = e.s.RetractAlert(e.ctx, "missing")
	e.wantErr(err, store.ErrNotFound, "retraction of a missing alert")

	e.sameIDs(must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})), []*report.Alert{other}, "public alerts after a retraction")
	if n := must(e.s.CountPublishedAlerts(e.ctx)); n != 1 {
		e.t.Fatalf("CountPublishedAlerts = %d after a retraction", n)
	}
	if found := must(e.s.AlertsByIdentifier(e.ctx, key)); len(found) != 0 {
		e.t.Fatal("retracted alert found by its identifier")
	}
	e.sameIDs(must(e.s.ModerationAlerts(e.ctx, store.AlertsRetracted, "", 0, 10)), []*report.Alert{&want}, "retracted list")
	e.sameIDs(must(e.s.ModerationAlerts(e.ctx, store.AlertsActive, "", 0, 10)), []*report.Alert{other}, "active list")
}

func testAlertExtend(e *env) {
	a := e.addAlert(report.DrugAlert, []string{"ward-1"}, time.Hour)
	e.clock.Advance(2 * time.Hour)
	if list := must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})); len(list) != 0 {
		e.t.Fatal("expired alert listed")
	}
	expires := e.now().Add(24 * time.Hour)
	got := must(e.s.ExtendAlert(e.ctx, a.ID, expires))
	if got.Version != 1 || !got.Expires.Equal(expires) || got.Status != report.AlertPublished || got.Title != a.Title {
		e.t.Fatalf("extended alert: version %d, expires %v, status %s", got.Version, got.Expires, got.Status)
	}
	e.same(must(e.s.Alert(e.ctx, a.ID)), got, "extended alert as stored")
	e.sameIDs(must(e.s.PublishedAlerts(e.ctx, store.AlertFilter{})), []*report.Alert{a}, "public alerts after extending an expired one")
	_, err := e.s.ExtendAlert(e.ctx, "missing", expires)
	e.wantErr(err, store.ErrNotFound, "extension of a missing alert")
	retracted := must(e.s.RetractAlert(e.ctx, a.ID))
	_, err = e.s.ExtendAlert(e.ctx, a.ID, expires.Add(time.Hour))
	e.wantErr(err, store.ErrConflict, "extension of a retracted alert")
	e.same(must(e.s.Alert(e.ctx, a.ID)), retracted, "retracted alert after a refused extension")
}

func testMergeIntoAlert(e *env) {
	a := e.addAlert(report.BadDate, []string{"ward-1"}, time.Hour)
	got := must(e.s.MergeIntoAlert(e.ctx, a.ID, []string{"ward-2", "ward-1"}))
	if got.ReportCount != 2 || !slices.Equal(slices.Sorted(slices.Values(got.Areas)), []string{"ward-1", "ward-2"}) {
		e.t.Fatalf("after one merge: %d reports, areas %v", got.ReportCount, got.Areas)
	}
	got = must(e.s.MergeIntoAlert(e.ctx, a.ID, nil))
	if got.ReportCount != 3 || len(got.Areas) != 2 {
		e.t.Fatalf("after two merges: %d reports, areas %v", got.ReportCount, got.Areas)
	}
	e.same(must(e.s.Alert(e.ctx, a.ID)), got, "merged alert as stored")
	_, err := e.s.MergeIntoAlert(e.ctx, "missing", nil)
	e.wantErr(err, store.ErrNotFound, "merge into a missing alert")
	retracted := must(e.s.RetractAlert(e.ctx, a.ID))
	_, err = e.s.MergeIntoAlert(e.ctx, a.ID, []string{"ward-5"})
	e.wantErr(err, store.ErrConflict, "merge into a retracted alert")
	e.same(must(e.s.Alert(e.ctx, a.ID)), retracted, "retracted alert after a refused merge")
}

func testModerationAlerts(e *env) {
	// Updated one minute apart, oldest first.
	active1 := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Minute)
	active2 := e.addAlert(report.DrugAlert, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Minute)
	active3 := e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Minute)
	expired := e.addAlert(report.BadDate, []string{"ward-1"}, 10*time.Minute)
	e.clock.Advance(time.Minute)
	retracted := e.addAlert(report.DrugAlert, []string{"ward-1"}, 24*time.Hour)
	e.clock.Advance(time.Minute)
	_, err := e.s.RetractAlert(e.ctx, retracted.ID)
	e.ok(err, "retract")
	e.clock.Advance(time.Hour) // expired is now past its expiry

	list := func(which string, kind report.Kind, skip, limit int) []string {
		return alertIDs(must(e.s.ModerationAlerts(e.ctx, which, kind, skip, limit)))
	}
	for _, c := range []struct {
		list string
		kind report.Kind
		want []*report.Alert // most recently updated first
	}{
		{store.AlertsActive, "", []*report.Alert{active3, active2, active1}},
		{store.AlertsActive, report.BadDate, []*report.Alert{active3, active1}},
		{store.AlertsActive, report.DrugAlert, []*report.Alert{active2}},
		{store.AlertsExpired, "", []*report.Alert{expired}},
		{store.AlertsExpired, report.DrugAlert, nil},
		{store.AlertsRetracted, "", []*report.Alert{retracted}},
		{store.AlertsRetracted, report.BadDate, nil},
	} {
		want := []string{}
		for _, a := range c.want {
			want = append(want, a.ID)
		}
		if got := list(c.list, c.kind, 0, 10); !slices.Equal(got, want) {
			e.t.Fatalf("%s %q = %v, want %v", c.list, c.kind, got, want)
		}
	}
	// Paging, and an edit moves an alert to the top.
	if got := list(store.AlertsActive, "", 1, 1); !slices.Equal(got, []string{active2.ID}) {
		e.t.Fatalf("active page 2 of size 1 = %v", got)
	}
	if got := list(store.AlertsActive, "", 3, 10); len(got) != 0 {
		e.t.Fatalf("active page past the end = %v", got)
	}
	_, err = e.s.UpdateAlert(e.ctx, active1.ID, 1, store.AlertChange{Title: "t", Body: "b", Severity: report.SeverityInfo,
		Areas: []string{"ward-1"}, Expires: e.now().Add(time.Hour)})
	e.ok(err, "edit")
	if got := list(store.AlertsActive, "", 0, 2); !slices.Equal(got, []string{active1.ID, active3.ID}) {
		e.t.Fatalf("active after editing the oldest = %v, want it first", got)
	}
}

func testAlertsByIdentifier(e *env) {
	const key = "hmac-phone"
	withKey := func(kind report.Kind, d time.Duration) *report.Alert {
		a := e.newAlert(kind, []string{"ward-1"}, d)
		a.Identifiers = []report.Identifier{{Type: report.IdentifierPlate, HMAC: "other"}, {Type: report.IdentifierPhone, HMAC: key}}
		e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
		e.clock.Advance(time.Minute)
		return a
	}
	older := withKey(report.BadDate, 24*time.Hour)
	withKey(report.DrugAlert, 24*time.Hour) // a bad batch is not checkable
	soon := withKey(report.BadDate, 10*time.Minute)
	retracted := withKey(report.BadDate, 24*time.Hour)
	_, err := e.s.RetractAlert(e.ctx, retracted.ID)
	e.ok(err, "retract")
	newer := withKey(report.BadDate, 24*time.Hour)
	e.addAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour) // no identifier

	got := must(e.s.AlertsByIdentifier(e.ctx, key))
	if ids := alertIDs(got); !slices.Equal(ids, []string{newer.ID, soon.ID, older.ID}) {
		e.t.Fatalf("found %v, want %v (published, unexpired bad dates, newest first)", ids, []string{newer.ID, soon.ID, older.ID})
	}
	e.same(&got[2], older, "alert found by identifier")
	if found := must(e.s.AlertsByIdentifier(e.ctx, "unknown")); len(found) != 0 {
		e.t.Fatalf("unknown hmac found %v", alertIDs(found))
	}
	e.clock.Advance(15 * time.Minute)
	if ids := alertIDs(must(e.s.AlertsByIdentifier(e.ctx, key))); !slices.Equal(ids, []string{newer.ID, older.ID}) {
		e.t.Fatalf("after one expired: %v", ids)
	}
}

func testAlertsByIdentifierLimit(e *env) {
	for range 51 {
		a := e.newAlert(report.BadDate, []string{"ward-1"}, time.Hour)
		a.Identifiers = []report.Identifier{{Type: report.IdentifierPhone, HMAC: "busy"}}
		e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
		e.clock.Advance(time.Second)
	}
	got := must(e.s.AlertsByIdentifier(e.ctx, "busy"))
	if len(got) != 50 {
		e.t.Fatalf("found %d alerts, want at most 50", len(got))
	}
	e.newestFirst(got, "alerts by identifier")
	if !got[0].Published.Equal(e.now().Add(-time.Second)) {
		e.t.Fatalf("newest found published %v, want the newest alert", got[0].Published)
	}
}

func testAlertCountsByDay(e *env) {
	today := report.Day(e.now())
	yesterday := today.Add(-24 * time.Hour)
	for _, a := range []struct {
		kind      report.Kind
		areas     []string
		published time.Time
	}{
		{report.BadDate, []string{"ward-1", "ward-2"}, today.Add(time.Hour)},
		{report.BadDate, []string{"ward-1"}, today.Add(2 * time.Hour)},
		{report.DrugAlert, []string{"ward-1"}, today.Add(3 * time.Hour)},
		{report.BadDate, []string{"ward-2"}, yesterday.Add(23 * time.Hour)},
		{report.BadDate, []string{"ward-2"}, yesterday.Add(-time.Hour)}, // before since
	} {
		e.alertAt(a.kind, a.areas, a.published, a.published.Add(24*time.Hour))
	}
	got := map[string]int{}
	for _, row := range must(e.s.AlertCountsByDay(e.ctx, yesterday)) {
		got[row.Day.UTC().Format(time.DateOnly)+"/"+string(row.Kind)+"/"+row.Area] += row.Count
	}
	td, yd := today.Format(time.DateOnly), yesterday.Format(time.DateOnly)
	want := map[string]int{
		td + "/bad_date/ward-1":   2,
		td + "/bad_date/ward-2":   1,
		td + "/drug_alert/ward-1": 1,
		yd + "/bad_date/ward-2":   1,
	}
	e.same(got, want, "alert counts by day, kind and area")
}
