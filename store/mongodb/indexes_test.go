package mongodb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/mongodb/ferrettest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var (
	serverOnce sync.Once
	serverURI  string
	serverErr  error
)

// testURI is HEADSUP_TEST_MONGODB_URI, or an in-process FerretDB shared by this package's
// tests.
func testURI(t *testing.T) string {
	t.Helper()
	serverOnce.Do(func() {
		if serverURI = os.Getenv("HEADSUP_TEST_MONGODB_URI"); serverURI != "" {
			return
		}
		dir, err := os.MkdirTemp("", "headsup-mongodb-test-")
		if err != nil {
			serverErr = err
			return
		}
		srv, err := ferrettest.Start(context.Background(), dir, testkit.DiscardLogger())
		if err != nil {
			serverErr = err
			return
		}
		serverURI = srv.URI
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverURI
}

// openTest opens a fresh database for one test, with extra client options, and drops it at
// the end.
func openTest(t *testing.T, extra ...func(*options.ClientOptions)) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := open(ctx, testURI(t), fmt.Sprintf("test_%d", time.Now().UnixNano()), extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}

// query is one read or write that selects documents: its collection, filter, sort and limit.
type query struct {
	cmd, col string
	filter   bson.D
	sort     bson.D
	limit    int64
}

func (q query) String() string {
	f, _ := bson.MarshalExtJSON(q.filter, false, false)
	s, _ := bson.MarshalExtJSON(q.sort, false, false)
	return fmt.Sprintf("%s %s filter %s sort %s", q.cmd, q.col, f, s)
}

// recorder collects the queries of every command the client sends.
type recorder struct {
	mu      sync.Mutex
	queries []query
}

func decodeD(v bson.RawValue) bson.D {
	var d bson.D
	if doc, ok := v.DocumentOK(); ok {
		_ = bson.Unmarshal(doc, &d)
	}
	return d
}

func (r *recorder) started(_ context.Context, e *event.CommandStartedEvent) {
	cmd := e.Command
	col, _ := cmd.Lookup(e.CommandName).StringValueOK()
	var qs []query
	switch e.CommandName {
	case "find":
		limit, _ := cmd.Lookup("limit").AsInt64OK()
		qs = append(qs, query{filter: decodeD(cmd.Lookup("filter")), sort: decodeD(cmd.Lookup("sort")), limit: limit})
	case "count":
		qs = append(qs, query{filter: decodeD(cmd.Lookup("query"))})
	case "aggregate":
		arr, _ := cmd.Lookup("pipeline").ArrayOK()
		stages, _ := arr.Values()
		q := query{}
		for i, st := range stages {
			d := decodeD(st)
			if len(d) == 0 {
				continue
			}
			switch {
			case i == 0 && d[0].Key == "$match":
				q.filter, _ = d[0].Value.(bson.D)
			case d[0].Key == "$sort" && i <= 1:
				q.sort, _ = d[0].Value.(bson.D)
			}
		}
		qs = append(qs, q)
	case "update", "delete":
		key, field := "updates", "q"
		if e.CommandName == "delete" {
			key = "deletes"
		}
		arr, _ := cmd.Lookup(key).ArrayOK()
		vals, _ := arr.Values()
		for _, v := range vals {
			doc, _ := v.DocumentOK()
			qs = append(qs, query{filter: decodeD(doc.Lookup(field))})
		}
	case "findAndModify":
		qs = append(qs, query{filter: decodeD(cmd.Lookup("query")), sort: decodeD(cmd.Lookup("sort")), limit: 1})
	default:
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range qs {
		q.cmd, q.col = e.CommandName, col
		r.queries = append(r.queries, q)
	}
}

// smallCollections may be read whole without an index: they hold one record per moderator.
var smallCollections = []string{store.ColModerators}

// covered reports whether q is served by one of the declared indexes (or _id's), by the rules
// MongoDB's planner follows, and if not, which part is not. One index has to serve both the
// filter and the sort, as a query uses one index: the filter by constraining the index's
// leading key with an equality or a range (an equality on _id needs nothing more; every branch
// of an $or needs an index of its own), the sort by the index's keys after those the filter
// fixes by equality starting with the sort's keys, in the same or the opposite directions.
// $in counts as equality for sorting because MongoDB merges one sorted scan per value. An
// empty filter is a scan: fine in an index's order, for one document, or on a collection that
// stays small.
func covered(q query) (bool, string) {
	idx := []bson.D{{{Key: "_id", Value: 1}}}
	for _, i := range indexes {
		if i.col == q.col {
			idx = append(idx, i.keys)
		}
	}
	if len(q.filter) == 0 {
		if q.limit == 1 || slices.Contains(smallCollections, q.col) {
			return true, ""
		}
		for _, keys := range idx {
			if len(q.sort) > 0 && sortCovered(q.sort, nil, keys) {
				return true, ""
			}
		}
		return false, "filter (empty)"
	}
	for _, e := range q.filter {
		if e.Key == "_id" && isEquality(e.Value) {
			return true, ""
		}
	}
	if len(q.sort) == 0 && orsCovered(q.filter, idx) {
		return true, ""
	}
	seeks := false
	for _, keys := range idx {
		if seeksOn(q.filter, keys) {
			seeks = true
			if len(q.sort) == 0 || sortCovered(q.sort, q.filter, keys) {
				return true, ""
			}
		}
	}
	if seeks {
		return false, "sort"
	}
	return false, "filter"
}

// usable reports whether an index can seek on a condition: equality or a range, not a
// negation or an existence test.
func usable(v any) bool {
	d, ok := v.(bson.D)
	if !ok || len(d) == 0 || !strings.HasPrefix(d[0].Key, "$") {
		return true // a value: equality
	}
	for _, e := range d {
		switch e.Key {
		case "$eq", "$in", "$gt", "$gte", "$lt", "$lte":
			return true
		}
	}
	return false
}

func isEquality(v any) bool {
	d, ok := v.(bson.D)
	if !ok || len(d) == 0 || !strings.HasPrefix(d[0].Key, "$") {
		return true
	}
	return len(d) == 1 && (d[0].Key == "$eq" || d[0].Key == "$in")
}

// seeksOn reports whether the plain conditions of filter constrain the leading key of keys.
func seeksOn(filter bson.D, keys bson.D) bool {
	for _, e := range filter {
		if e.Key == "$and" {
			a, _ := e.Value.(bson.A)
			for _, b := range a {
				if d, ok := b.(bson.D); ok && seeksOn(d, keys) {
					return true
				}
			}
		}
		if e.Key == keys[0].Key && usable(e.Value) {
			return true
		}
	}
	return false
}

// orsCovered reports whether every branch of one of filter's $or seeks on an index.
func orsCovered(filter bson.D, idx []bson.D) bool {
	for _, e := range filter {
		if e.Key != "$or" {
			continue
		}
		branches, _ := e.Value.(bson.A)
		all := len(branches) > 0
		for _, b := range branches {
			d, ok := b.(bson.D)
			if !ok {
				all = false
				break
			}
			one := false
			for _, keys := range idx {
				one = one || seeksOn(d, keys) || orsCovered(d, idx)
			}
			all = all && one
		}
		if all {
			return true
		}
	}
	return false
}

// sortCovered reports whether index keys returns what filter selects in sortKeys' order.
func sortCovered(sortKeys, filter bson.D, keys bson.D) bool {
	eq := map[string]bool{}
	for _, e := range filter {
		if !strings.HasPrefix(e.Key, "$") && isEquality(e.Value) {
			eq[e.Key] = true
		}
	}
	i := 0
	for i < len(keys) && eq[keys[i].Key] {
		i++
	}
	if len(keys)-i < len(sortKeys) {
		return false
	}
	same, opposite := true, true
	for j, s := range sortKeys {
		k := keys[i+j]
		if k.Key != s.Key {
			return false
		}
		d1, d2 := fmt.Sprint(k.Value), fmt.Sprint(s.Value)
		same = same && d1 == d2
		opposite = opposite && d1 != d2
	}
	return same || opposite
}

// TestEveryQueryHasAnIndex runs a workload that calls every method of the engine, records
// every filter and sort it sends, and checks each against the declared indexes. FerretDB, which
// the tests run on, ignores indexes, so without this a query that scans a whole collection
// would only show on a real MongoDB with years of data.
func TestEveryQueryHasAnIndex(t *testing.T) {
	rec := &recorder{}
	s := openTest(t, func(o *options.ClientOptions) {
		o.SetMonitor(&event.CommandMonitor{Started: rec.started})
	})
	workload(t, s)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	seen := map[string]bool{}
	cols := map[string]bool{}
	for _, q := range rec.queries {
		cols[q.col] = true
		ok, why := covered(q)
		if key := q.String(); !ok && !seen[key] {
			seen[key] = true
			t.Errorf("no index serves the %s of %s", why, key)
		}
	}
	for _, c := range store.TransferCollections {
		if !cols[c] {
			t.Errorf("the workload sent no query to %s", c)
		}
	}
	t.Logf("%d queries checked", len(rec.queries))
	if len(rec.queries) < 50 {
		t.Errorf("only %d queries recorded: is the monitor installed?", len(rec.queries))
	}
}

// workload calls every method of the engine at least once, with the filters that vary.
func workload(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must2 := func(_ any, err error) { t.Helper(); must(err) }
	day := report.Day(now)
	entry := func(id string) store.AuditEntry {
		return store.AuditEntry{ID: id, Time: now, Actor: "ann", Action: "approve", Target: "x"}
	}
	newAlert := func(id string) *report.Alert {
		return &report.Alert{ID: id, Version: 1, Kind: report.BadDate, Severity: report.SeverityDanger, Title: "t", Body: "b",
			Areas: []string{"ward-1"}, Published: now, Updated: now, Expires: now.Add(24 * time.Hour), Status: report.AlertPublished,
			ReportCount: 1, Identifiers: []report.Identifier{{Type: "phone", HMAC: "h1"}}}
	}

	// Reports and publishing.
	for i, id := range []string{"r1", "r2", "r3", "r4", "r5"} {
		must(s.CreateReport(ctx, &report.Report{ID: id, ReceiptHash: "rh" + id, Kind: report.Kinds[i%2], Status: report.StatusPending, SubmittedDay: day}))
	}
	must2(s.Report(ctx, "r1"))
	must2(s.ReportByReceipt(ctx, "rhr1"))
	must(s.AddFollowup(ctx, "rhr1", report.Followup{Day: day, Text: "more"}, []string{"h-follow-up"}))
	must2(s.CountReports(ctx, report.StatusPending))
	must2(s.CountReports(ctx, report.StatusNeedsInfo))
	if linked, err := s.ReportsByIdentifiers(ctx, []string{"h-follow-up", "h-none"}, 10); err != nil || len(linked) != 1 {
		t.Fatalf("reports by identifiers: %d, %v", len(linked), err)
	}
	must2(s.PendingReports(ctx, 0, 10))
	must2(s.PendingCounts(ctx))
	if _, held, err := s.ClaimReport(ctx, "r1", "ann", time.Minute); !held || err != nil {
		t.Fatalf("claim: %v %v", held, err)
	}
	if _, held, err := s.ClaimReport(ctx, "r1", "bob", time.Minute); held || err != nil {
		t.Fatalf("bob claimed ann's report: %v %v", held, err)
	}
	must(s.ReleaseClaim(ctx, "r1", "ann"))
	must(s.ApproveReport(ctx, "r1", "ann", newAlert("a1"), store.Decision{Status: report.StatusApproved, AlertID: "a1"}, entry("e1")))
	must2(s.MergeReport(ctx, "r2", "ann", "a1", []string{"ward-2"}, store.Decision{Status: report.StatusMerged, AlertID: "a1"}, entry("e2")))
	must(s.DecideReport(ctx, "r3", "bob", store.Decision{Status: report.StatusNeedsInfo, Note: "where?"}))
	must(s.AddFollowup(ctx, "rhr3", report.Followup{Day: day, Text: "answer"}, []string{"h-answer"}))
	must(s.DecideReport(ctx, "r3", "bob", store.Decision{Status: report.StatusRejected, Note: "no"}))
	// An abandoned decision, settled by the next claim.
	must2(s.markReport(ctx, "r4", "ann", &decisionMark{Alert: "a9", Status: report.StatusApproved, Audit: entry("e9")}))
	must(s.CreateAlert(ctx, newAlert("a9"))) // it died right after its commit point
	now = now.Add(markLease + time.Second)
	if _, held, err := s.ClaimReport(ctx, "r4", "bob", time.Minute); held || err != nil {
		t.Fatalf("an abandoned, published decision was not finished: held %v, %v", held, err)
	}
	if r, err := s.Report(ctx, "r4"); err != nil || r.Status != report.StatusApproved || r.AlertID != "a9" {
		t.Fatalf("abandoned decision settled as %+v, %v", r, err)
	}
	must2(s.Delivery(ctx, "a9.1"))
	// Audited decisions: one in full, its retry, and one left unlogged by a crash that the
	// reporter's withdrawal logs.
	must(s.CreateReport(ctx, &report.Report{ID: "r6", ReceiptHash: "rhr6", Kind: report.BadDate, Status: report.StatusPending, SubmittedDay: day}))
	for range 2 {
		must(s.DecideReportAudited(ctx, "r6", "bob", store.Decision{Status: report.StatusNeedsInfo, Note: "when?"}, entry("e-ask")))
	}
	must2(s.c(store.ColReports).UpdateOne(ctx, byID("r6"), bson.D{{Key: "$set", Value: bson.D{{Key: finishField, Value: finishMark{Audit: entry("e-ask2"), At: now}}}}}))
	must2(s.DeleteReportByReceipt(ctx, "rhr6"))
	must2(s.DeleteReportByReceipt(ctx, "rhr5"))
	must2(s.PurgeDecidedReports(ctx, now.Add(time.Hour)))
	must2(s.ReportCountsByDay(ctx, day.AddDate(0, 0, -7)))
	must2(s.AllReportIDs(ctx))

	// Alerts.
	must(s.CreateAlert(ctx, newAlert("a2")))
	must2(s.Alert(ctx, "a2"))
	must2(s.PublishedAlerts(ctx, store.AlertFilter{}))
	must2(s.PublishedAlerts(ctx, store.AlertFilter{Kind: report.BadDate, Area: "ward-1", Since: day, AfterPublished: now, AfterID: "zz", Limit: 5}))
	must2(s.CountPublishedAlerts(ctx))
	a, err := s.UpdateAlert(ctx, "a2", 1, store.AlertChange{Title: "t2", Body: "b2", Severity: report.SeverityWarning, Areas: []string{"ward-1"}, Expires: now.Add(time.Hour)})
	must(err)
	must2(s.ExtendAlert(ctx, a.ID, now.Add(2*time.Hour)))
	must2(s.MergeIntoAlert(ctx, a.ID, []string{"ward-3"}))
	must2(s.RetractAlert(ctx, a.ID))
	must(s.CreateAlert(ctx, newAlert("a3")))
	must2(s.RetractPublishedAlert(ctx, "a3", entry("e-retract")))
	must2(s.RetractPublishedAlert(ctx, "a3", entry("e-retract"))) // a retry
	if _, err := s.RetractPublishedAlert(ctx, "a3", entry("e-other")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second retraction: %v", err)
	}
	must(s.CreateAlert(ctx, newAlert("a4")))
	edit := store.AlertChange{Title: "t4", Body: "b4", Severity: report.SeverityWarning, Areas: []string{"ward-1"}, Expires: now.Add(time.Hour)}
	must2(s.EditPublishedAlert(ctx, "a4", 1, edit, true, entry("e-edit")))
	must2(s.EditPublishedAlert(ctx, "a4", 1, edit, true, entry("e-edit"))) // a retry
	if _, err := s.EditPublishedAlert(ctx, "a4", 1, edit, true, entry("e-edit-stale")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale edit: %v", err)
	}
	must2(s.ExtendPublishedAlert(ctx, "a4", now.Add(3*time.Hour), entry("e-extend")))
	for _, list := range []string{store.AlertsActive, store.AlertsExpired, store.AlertsRetracted} {
		must2(s.ModerationAlerts(ctx, list, "", 0, 10))
		must2(s.ModerationAlerts(ctx, list, report.DrugAlert, 10, 10))
	}
	must2(s.AlertsByIdentifier(ctx, "h1"))
	must2(s.AlertCountsByDay(ctx, day.AddDate(0, 0, -7)))
	withIDs, err := s.AlertsWithIdentifiers(ctx, "", 100)
	must(err)
	if len(withIDs) == 0 {
		t.Fatal("no alert with identifiers in the workload")
	}
	for _, a := range withIDs {
		must(s.ReplaceAlertIdentifiers(ctx, []store.AlertIdentifiers{{AlertID: a.ID, Identifiers: a.Identifiers}}))
	}

	// Subscriptions.
	sub := &store.Subscription{Endpoint: "https://push.example/1", P256dh: "p", Auth: "a", TokenHash: "t",
		Kinds: []report.Kind{report.BadDate}, Areas: []string{"ward-1"}, MinSeverity: report.SeverityInfo, Lang: "en"}
	id, err := s.SaveSubscription(ctx, sub)
	must(err)
	must(s.InsertSubscriptions(ctx, []store.Subscription{{Endpoint: "https://push.example/2", Kinds: []report.Kind{report.BadDate},
		Areas: []string{"ward-1"}, MinSeverity: report.SeverityInfo}}))
	must2(s.Subscription(ctx, id))
	must(s.UpdateSubscription(ctx, id, "t", sub))
	m := store.SubscriptionMatch{Kind: report.BadDate, Areas: []string{"ward-1"}, Severity: report.SeverityDanger}
	if n, ok, err := s.MatchingSubscriptionsTotal(ctx, m); n != 2 || !ok || err != nil {
		t.Fatalf("total %d %v %v", n, ok, err)
	}
	for _, after := range []string{"", id} {
		w, err := s.WalkSubscriptions(ctx, m, store.WalkPosition{After: after})
		must(err)
		must2(w.Next(ctx, 10))
		w.Close(ctx)
	}
	must2(s.DeleteGoneSubscription(ctx, "https://push.example/2"))
	must(s.DeleteSubscription(ctx, id, "t"))

	// Deliveries.
	must(s.EnqueueDelivery(ctx, "a2", 2, true))
	must2(s.DeliveriesForAlert(ctx, "a1"))
	d, err := s.ClaimDelivery(ctx, "disp1", time.Minute)
	must(err)
	must2(s.Delivery(ctx, d.ID))
	must2(s.DeliveryClaims(ctx, d.ID))
	must(s.RenewDeliveryLease(ctx, d.ID, "disp1", time.Minute))
	must(s.SaveDeliveryProgress(ctx, "disp1", d, time.Time{}))

	// Moderators and sessions.
	must(s.CreateModerator(ctx, &store.Moderator{ID: "m1", Name: "ann", Role: store.RoleAdmin, Created: now}))
	must2(s.Moderator(ctx, "m1"))
	must2(s.ModeratorByName(ctx, "ann"))
	must2(s.Moderators(ctx))
	must2(s.CountModerators(ctx))
	must(s.SetModeratorDisabled(ctx, "m1", false))
	must(s.ResetModerator(ctx, "m1", "h"))
	must(s.SetPassword(ctx, "m1", "h2"))
	must(s.SetTOTPSecret(ctx, "m1", "secret"))
	must(s.EnrolTOTP(ctx, "m1", 5))
	must2(s.UseTOTPStep(ctx, "m1", 6))
	must2(s.RecordFailedSignIn(ctx, "m1", func(int) time.Duration { return time.Minute }))
	must(s.RecordSignIn(ctx, "m1"))
	must(s.CreateSession(ctx, &store.Session{ID: "s1", ModeratorID: "m1", Created: now, LastSeen: now}))
	must2(s.Session(ctx, "s1"))
	must(s.TouchSession(ctx, "s1", now))
	must(s.DeleteSession(ctx, "s1"))
	must(s.DeleteSessionsOf(ctx, "m1"))
	must2(s.PurgeSessions(ctx, now, now))

	// Audit, settings, challenges.
	must(s.AppendAudit(ctx, entry("e3")))
	for _, f := range []store.AuditFilter{{}, {Actor: "ann"}, {Action: "approve", From: day, To: now}, {Actor: "ann", Action: "approve"}, {From: day}} {
		must2(s.AuditLog(ctx, f))
	}
	must2(s.SettingOrCreate(ctx, "k", "v"))
	must2(s.Setting(ctx, "k"))
	must(s.PutSetting(ctx, "k", "w"))
	must2(s.MarkSpent(ctx, "c1", now.Add(time.Minute)))
	must2(s.PurgeSpentChallenges(ctx))

	// Admin.
	must(s.Ping(ctx))
	must2(s.Collections(ctx))
	must2(s.Empty(ctx))
	for _, c := range store.TransferCollections {
		must2(s.DumpCollection(ctx, c))
		var recs []any
		must(s.Dump(ctx, c, func(v any) error { recs = append(recs, v); return nil }))
		must(s.Load(ctx, c, recs))
	}
}

// TestCoverageRules checks the checker on queries it must refuse, so that a bug in it cannot
// pass everything.
func TestCoverageRules(t *testing.T) {
	for _, c := range []struct {
		q    query
		want bool
	}{
		{query{col: store.ColAlerts, filter: bson.D{{Key: "kind", Value: "x"}}}, false},
		{query{col: store.ColAlerts, filter: bson.D{{Key: "status", Value: "published"}}, sort: bson.D{{Key: "title", Value: 1}}}, false},
		{query{col: store.ColAlerts, filter: bson.D{{Key: "status", Value: "published"}}, sort: bson.D{{Key: "published", Value: -1}, {Key: "_id", Value: -1}}}, true},
		{query{col: store.ColAlerts, filter: bson.D{{Key: "status", Value: "published"}}, sort: bson.D{{Key: "published", Value: -1}, {Key: "_id", Value: 1}}}, false},
		{query{col: store.ColReports, filter: bson.D{{Key: "purged", Value: bson.D{{Key: "$ne", Value: true}}}}}, false},
		{query{col: store.ColReports, filter: bson.D{}}, false},
		{query{col: store.ColSessions, filter: bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "created", Value: 1}}, bson.D{{Key: "full", Value: true}}}}}}, false},
		{query{col: store.ColSessions, filter: bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "created", Value: 1}}, bson.D{{Key: "last_seen", Value: 1}}}}}}, true},
		// Filter and sort each have an index, but not the same one.
		{query{col: store.ColAudit, filter: bson.D{{Key: "actor", Value: "ann"}}, sort: bson.D{{Key: "_id", Value: 1}}}, false},
		{query{col: store.ColSubscriptions, filter: bson.D{{Key: "min_rank", Value: bson.D{{Key: "$lte", Value: 2}}}}, sort: bson.D{{Key: "_id", Value: 1}}}, false},
		{query{col: store.ColSubscriptions, filter: bson.D{{Key: "kinds", Value: "x"}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: "a"}}}}, sort: bson.D{{Key: "_id", Value: 1}}}, true},
		{query{col: store.ColDeliveries, filter: bson.D{{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{"a", "b"}}}}}, sort: bson.D{{Key: "due", Value: 1}}}, true},
	} {
		if got, _ := covered(c.q); got != c.want {
			t.Errorf("covered(%s) = %v, want %v", c.q, got, c.want)
		}
	}
	var names []string
	for _, i := range indexes {
		names = append(names, i.col+fmt.Sprint(i.keys))
	}
	sort.Strings(names)
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			t.Errorf("index declared twice: %s", names[i])
		}
	}
}
