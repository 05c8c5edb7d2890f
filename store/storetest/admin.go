package storetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var adminCases = []testCase{
	{"Admin/EngineAndPing", testEngineAndPing},
	{"Admin/Empty", testEmpty},
	{"Admin/CollectionsAndDumpCollection", testCollections},
	{"Admin/DumpLoadRoundTrip", testDumpLoad},
	{"Admin/LoadReplaces", testLoadReplaces},
	{"Admin/Drop", testDrop},
}

func testEngineAndPing(e *env) {
	if name := e.s.Engine(); name != "sqlite" && name != "mongodb" {
		e.t.Fatalf("Engine() = %q, want sqlite or mongodb", name)
	}
	e.ok(e.s.Ping(e.ctx), "ping")
}

// writes is one write per collection a service fills, each of which makes a store non-empty.
var writes = []struct {
	name  string
	write func(e *env, s store.Store) error
}{
	{"report", func(e *env, s store.Store) error {
		return s.CreateReport(e.ctx, newReport("r", report.BadDate, report.Day(e.now())))
	}},
	{"alert", func(e *env, s store.Store) error {
		return s.CreateAlert(e.ctx, e.newAlert(report.BadDate, []string{"w"}, time.Hour))
	}},
	{"subscription", func(e *env, s store.Store) error {
		_, err := s.SaveSubscription(e.ctx, newSubscription("https://push.example/a"))
		return err
	}},
	{"delivery", func(e *env, s store.Store) error { return s.EnqueueDelivery(e.ctx, "al", 1, false) }},
	{"moderator", func(e *env, s store.Store) error { return s.CreateModerator(e.ctx, e.newModerator("m1", "ana")) }},
	{"session", func(e *env, s store.Store) error {
		return s.CreateSession(e.ctx, &store.Session{ID: "s", ModeratorID: "m", Created: e.now(), LastSeen: e.now()})
	}},
	{"audit", func(e *env, s store.Store) error { return s.AppendAudit(e.ctx, e.auditEntry("ana", "sign_in", "")) }},
	{"setting", func(e *env, s store.Store) error { return s.PutSetting(e.ctx, "k", "v") }},
	{"spent challenge", func(e *env, s store.Store) error {
		_, err := s.MarkSpent(e.ctx, "c", e.now().Add(time.Minute))
		return err
	}},
}

func testEmpty(e *env) {
	if !must(e.s.Empty(e.ctx)) {
		e.t.Fatal("a fresh store is not empty")
	}
	for i, w := range writes {
		s := e.s
		if i > 0 {
			s, _ = e.fresh()
			if !must(s.Empty(e.ctx)) {
				e.t.Fatal("a fresh store is not empty")
			}
		}
		e.ok(w.write(e, s), w.name)
		if must(s.Empty(e.ctx)) {
			e.t.Fatalf("a store holding a %s says it is empty", w.name)
		}
	}
}

func testCollections(e *env) {
	fill(e)
	names := must(e.s.Collections(e.ctx))
	for _, col := range store.TransferCollections {
		if !slices.Contains(names, col) {
			e.t.Fatalf("Collections() = %v, missing %s", names, col)
		}
		recs := must(e.s.DumpCollection(e.ctx, col))
		if n := len(dump(e, e.s, col)); len(recs) != n {
			e.t.Fatalf("DumpCollection(%s) gave %d records, Dump %d", col, len(recs), n)
		}
		for _, rec := range recs {
			if !json.Valid([]byte(rec)) {
				e.t.Fatalf("DumpCollection(%s) record is not JSON: %s", col, rec)
			}
		}
	}
	for _, col := range names {
		must(e.s.DumpCollection(e.ctx, col))
	}
	// What the privacy checks look for can be found.
	if len(e.whereStored("first follow-up "+marker)) == 0 {
		e.t.Fatal("a pending report's follow-up text is not in any collection's dump")
	}
	if len(e.whereStored("https://push.example/sub/1")) == 0 {
		e.t.Fatal("a subscription's endpoint is not in any collection's dump")
	}
}

// fill writes records to every collection store.TransferCollections names, through the
// interface as the service would.
func fill(e *env) {
	e.t.Helper()
	day := report.Day(e.now())
	e.ok(e.s.PutSetting(e.ctx, "vapid", "key"), "setting")
	e.ok(e.s.PutSetting(e.ctx, "hmac", "secret"), "setting")
	ana := e.newModerator("m1", "ana")
	ana.TOTPSecret, ana.TOTPEnrolled, ana.TOTPLastStep, ana.LastSignIn = "S", true, 77, e.now()
	e.ok(e.s.CreateModerator(e.ctx, ana), "moderator")
	e.ok(e.s.CreateModerator(e.ctx, e.newModerator("m2", "ben")), "moderator")
	_, err := e.s.RecordFailedSignIn(e.ctx, "m2", func(int) time.Duration { return time.Hour })
	e.ok(err, "failed sign-in")
	e.ok(e.s.CreateSession(e.ctx, &store.Session{ID: "s1", ModeratorID: "m1", Full: true, Created: e.now(), LastSeen: e.now()}), "session")
	e.ok(e.s.CreateSession(e.ctx, &store.Session{ID: "s2", ModeratorID: "m2", Created: e.now(), LastSeen: e.now()}), "session")

	a := e.newAlert(report.BadDate, []string{"ward-1", "ward-2"}, 24*time.Hour)
	a.Identifiers = []report.Identifier{{Type: report.IdentifierPhone, Value: "2025550100", HMAC: "hm", Public: true},
		{Type: report.IdentifierPlate, Hint: "•••123", HMAC: "hm-plate"}}
	e.ok(e.s.CreateAlert(e.ctx, a), "alert")
	gone := e.addAlert(report.DrugAlert, []string{"ward-3"}, time.Hour)
	_, err = e.s.RetractAlert(e.ctx, gone.ID)
	e.ok(err, "retract")

	pending := newReport("pending", report.BadDate, day.Add(-24*time.Hour))
	pending.StaffEntered, pending.IdentifierHMACs = true, []string{"hm", "hm-other"}
	e.ok(e.s.CreateReport(e.ctx, pending), "report")
	e.ok(e.s.CreateReport(e.ctx, newReport("claimed", report.DrugAlert, day)), "report")
	_, held, err := e.s.ClaimReport(e.ctx, "claimed", "ana", 10*time.Minute)
	e.ok(err, "claim")
	if !held {
		e.t.Fatal("claim refused")
	}
	e.addReport("purged", day.Add(-48*time.Hour))
	e.ok(e.s.DecideReport(e.ctx, "purged", "ben", store.Decision{Status: report.StatusMerged, Note: "n", AlertID: a.ID}), "merge")
	e.addReport("approved", day)
	approved := e.newAlert(report.BadDate, []string{"ward-1"}, 48*time.Hour)
	e.ok(e.s.ApproveReport(e.ctx, "approved", "ana", approved, store.Decision{Status: report.StatusApproved, AlertID: approved.ID},
		e.auditEntry("ana", "approve", "approved")), "approve")
	e.clock.Advance(time.Minute)
	if n := must(e.s.PurgeDecidedReports(e.ctx, e.now().Add(-30*time.Second))); n != 2 {
		e.t.Fatalf("purged %d", n)
	}
	e.addReport("rejected", day)
	e.ok(e.s.DecideReport(e.ctx, "rejected", "ana", store.Decision{Status: report.StatusRejected, Note: "no"}), "reject")

	for i := range 3 {
		sub := newSubscription(fmt.Sprintf("https://push.example/sub/%d", i))
		sub.Kinds, sub.Areas = report.Kinds, []string{"ward-1"}
		_, err := e.s.SaveSubscription(e.ctx, sub)
		e.ok(err, "subscription")
	}
	e.deliveryWithRetries(a.ID)

	e.ok(e.s.AppendAudit(e.ctx, e.auditEntry("ana", "sign_in", "")), "audit")
	e.ok(e.s.AppendAudit(e.ctx, e.auditEntry("system", "purge", "2")), "audit")
	_, err = e.s.MarkSpent(e.ctx, "challenge-1", e.now().Add(time.Hour))
	e.ok(err, "spend")
	_, err = e.s.MarkSpent(e.ctx, "challenge-2", e.now().Add(2*time.Hour))
	e.ok(err, "spend")
}

// dump returns every record Dump gives for col.
func dump(e *env, s store.Store, col string) []any {
	e.t.Helper()
	var out []any
	e.ok(s.Dump(e.ctx, col, func(v any) error {
		out = append(out, v)
		return nil
	}), "dump "+col)
	return out
}

// readBack reads a dumped record again through the store's ordinary methods.
func readBack(e *env, s store.Store, v any) any {
	e.t.Helper()
	switch r := v.(type) {
	case *store.Setting:
		return &store.Setting{Key: r.Key, Value: must(s.Setting(e.ctx, r.Key))}
	case *store.Moderator:
		return must(s.Moderator(e.ctx, r.ID))
	case *store.Session:
		return must(s.Session(e.ctx, r.ID))
	case *report.Alert:
		return must(s.Alert(e.ctx, r.ID))
	case *report.Report:
		return must(s.Report(e.ctx, r.ID))
	case *store.Subscription:
		return must(s.Subscription(e.ctx, r.ID))
	case *store.Delivery:
		return must(s.Delivery(e.ctx, r.ID))
	case *store.DeliveryClaim:
		for _, c := range must(s.DeliveryClaims(e.ctx, r.Job)) {
			if c.ID == r.ID {
				return &c
			}
		}
		e.t.Fatalf("claim record %s not among its job's", r.ID)
	case *store.AuditEntry:
		for _, a := range must(s.AuditLog(e.ctx, store.AuditFilter{Limit: 500})) {
			if a.ID == r.ID {
				return &a
			}
		}
		e.t.Fatalf("audit entry %s not in the log", r.ID)
	}
	return v // spent challenges cannot be read without spending them
}

// dumpAll dumps every transferable collection, checking types, id order and that each record
// reads back the same through the ordinary methods.
func dumpAll(e *env, s store.Store) map[string][]any {
	e.t.Helper()
	out := map[string][]any{}
	for _, col := range store.TransferCollections {
		recs := dump(e, s, col)
		var ids []string
		for _, v := range recs {
			id, ok := store.RecordID(col, v)
			if !ok {
				e.t.Fatalf("Dump(%s) gave a %T", col, v)
			}
			ids = append(ids, id)
			e.same(readBack(e, s, v), v, fmt.Sprintf("%s record %s as dumped and as read", col, id))
		}
		if !slices.IsSortedFunc(ids, cmp.Compare) {
			e.t.Fatalf("Dump(%s) not in id order: %v", col, ids)
		}
		out[col] = recs
	}
	return out
}

func testDumpLoad(e *env) {
	fill(e)
	from := dumpAll(e, e.s)
	for col, want := range map[string]int{store.ColSettings: 2, store.ColModerators: 2, store.ColSessions: 2, store.ColAlerts: 3,
		store.ColReports: 5, store.ColSubscriptions: 3, store.ColDeliveries: 2, store.ColDeliveryClaims: 1, store.ColAudit: 3,
		store.ColSpent: 2} {
		if len(from[col]) != want {
			e.t.Fatalf("Dump(%s) gave %d records, want %d", col, len(from[col]), want)
		}
	}

	to, clock := e.fresh()
	clock.Advance(e.now().Sub(start))
	for round := range 2 { // loading twice is harmless
		for _, col := range store.TransferCollections {
			e.ok(to.Load(e.ctx, col, from[col]), fmt.Sprintf("load %s (round %d)", col, round+1))
		}
		got := dumpAll(e, to)
		for _, col := range store.TransferCollections {
			e.same(got[col], from[col], fmt.Sprintf("%s after loading into a fresh store (round %d)", col, round+1))
		}
	}
	if must(to.Empty(e.ctx)) {
		e.t.Fatal("the loaded store says it is empty")
	}
	if err := to.Load(e.ctx, "no_such_collection", []any{&store.Setting{Key: "k", Value: "v"}}); err == nil {
		e.t.Fatal("Load into an unknown collection succeeded")
	}
	if err := to.Dump(e.ctx, "no_such_collection", func(any) error { return nil }); err == nil {
		e.t.Fatal("Dump of an unknown collection succeeded")
	}
	loadedWorks(&env{t: e.t, s: to, ctx: e.ctx, clock: clock, open: e.open}, from)
}

// loadedWorks checks that a store filled by Load serves as the one dumped did: lookups,
// unique constraints, leases and claims carry over.
func loadedWorks(e *env, from map[string][]any) {
	e.t.Helper()
	pending := must(e.s.ReportByReceipt(e.ctx, "receipt-pending"))
	e.same(pending, from[store.ColReports][slices.IndexFunc(from[store.ColReports], func(v any) bool {
		return v.(*report.Report).ID == "pending"
	})], "report found by receipt after loading")
	e.ok(e.s.AddFollowup(e.ctx, "receipt-pending", report.Followup{Day: report.Day(e.now()), Text: "after the move"}, nil), "follow-up")
	if ids := reportIDs(must(e.s.PendingReports(e.ctx, 0, 10))); !slices.Equal(ids, []string{"pending", "claimed"}) {
		e.t.Fatalf("queue after loading = %v", ids)
	}
	if r, held, err := e.s.ClaimReport(e.ctx, "claimed", "ben", time.Minute); err != nil || held || r.ClaimedBy != "ana" {
		e.t.Fatalf("claim of a report ana holds, after loading: held %v, %v", held, err)
	}
	if err := e.s.CreateReport(e.ctx, newReport("other", report.BadDate, report.Day(e.now()))); err != nil {
		e.t.Fatalf("create report after loading: %v", err)
	}
	dup := newReport("dup", report.BadDate, report.Day(e.now()))
	dup.ReceiptHash = "receipt-pending"
	if err := e.s.CreateReport(e.ctx, dup); err == nil {
		e.t.Fatal("a loaded receipt hash was accepted again")
	}
	if m := must(e.s.ModeratorByName(e.ctx, "ana")); m.ID != "m1" {
		e.t.Fatalf("ana is %s after loading", m.ID)
	}
	e.wantErr(e.s.CreateModerator(e.ctx, e.newModerator("m9", "ana")), store.ErrExists, "a loaded name taken again")
	must(e.s.Session(e.ctx, "s1"))
	if ok := must(e.s.MarkSpent(e.ctx, "challenge-1", e.now().Add(time.Hour))); ok {
		e.t.Fatal("a loaded spent challenge was accepted again")
	}
	if v := must(e.s.Setting(e.ctx, "vapid")); v != "key" {
		e.t.Fatalf("setting after loading = %q", v)
	}
	if id := must(e.s.SaveSubscription(e.ctx, newSubscription("https://push.example/sub/0"))); id != store.SubscriptionID("https://push.example/sub/0") {
		e.t.Fatalf("subscribing again after loading gave id %s", id)
	}
	m := store.SubscriptionMatch{Kind: report.BadDate, Areas: []string{"ward-1"}, Severity: report.SeverityDanger}
	if n := len(flatten(e.walk(m, "", 10))); n != 3 {
		e.t.Fatalf("walk after loading found %d subscriptions, want 3", n)
	}
	if found := reportIDs(must(e.s.ReportsByIdentifiers(e.ctx, []string{"hm-other"}, 10))); !slices.Equal(found, []string{"pending"}) {
		e.t.Fatalf("reports found by identifier after loading = %v", found)
	}
	if found := must(e.s.AlertsByIdentifier(e.ctx, "hm")); len(found) != 1 {
		e.t.Fatalf("found %d alerts by identifier after loading", len(found))
	}
	if n := must(e.s.CountPublishedAlerts(e.ctx)); n != 2 {
		e.t.Fatalf("%d published alerts after loading, want 2", n)
	}
	if log := must(e.s.AuditLog(e.ctx, store.AuditFilter{})); len(log) != 3 {
		e.t.Fatalf("%d audit entries after loading", len(log))
	}
	// The queued job is claimed first; the leased one once its lease lapses, as its second claim.
	if d := must(e.s.ClaimDelivery(e.ctx, "d2", time.Minute)); d.Claims != 1 || d.Retraction {
		e.t.Fatalf("first claim after loading: %+v", d)
	}
	_, err := e.s.ClaimDelivery(e.ctx, "d2", time.Minute)
	e.wantErr(err, store.ErrNotFound, "claim of a job whose loaded lease is live")
	e.clock.Advance(2 * time.Minute)
	d := must(e.s.ClaimDelivery(e.ctx, "d2", time.Minute))
	if d.Claims != 2 || len(d.Retries) != 1 || d.Sent != 1 {
		e.t.Fatalf("takeover after loading: %+v", d)
	}
	if claims := must(e.s.DeliveryClaims(e.ctx, d.ID)); len(claims) != 2 || claims[0].Owner != "d1" || claims[1].Owner != "d2" {
		e.t.Fatalf("claim records after loading: %+v", claims)
	}
}

func testLoadReplaces(e *env) {
	r := newReport("r", report.BadDate, report.Day(e.now()))
	e.ok(e.s.Load(e.ctx, store.ColReports, []any{r}), "load report")
	e.ok(e.s.Load(e.ctx, store.ColSettings, []any{&store.Setting{Key: "k", Value: "one"}}), "load setting")
	sub := newSubscription("https://push.example/a")
	sub.ID = store.SubscriptionID(sub.Endpoint)
	e.ok(e.s.Load(e.ctx, store.ColSubscriptions, []any{sub}), "load subscription")
	e.same(must(e.s.ReportByReceipt(e.ctx, r.ReceiptHash)), r, "loaded report")
	e.same(must(e.s.Subscription(e.ctx, sub.ID)), sub, "loaded subscription")

	changed := *r
	changed.Status, changed.Note, changed.DecidedAt = report.StatusRejected, "no", e.now()
	e.ok(e.s.Load(e.ctx, store.ColReports, []any{&changed}), "load the report again")
	e.ok(e.s.Load(e.ctx, store.ColSettings, []any{&store.Setting{Key: "k", Value: "two"}}), "load the setting again")
	sub2 := *sub
	sub2.Lang, sub2.Areas = "en", []string{"ward-7"}
	e.ok(e.s.Load(e.ctx, store.ColSubscriptions, []any{&sub2}), "load the subscription again")

	e.same(must(e.s.ReportByReceipt(e.ctx, r.ReceiptHash)), &changed, "report loaded twice")
	if v := must(e.s.Setting(e.ctx, "k")); v != "two" {
		e.t.Fatalf("setting loaded twice = %q", v)
	}
	e.same(must(e.s.Subscription(e.ctx, sub.ID)), &sub2, "subscription loaded twice")
	for col, want := range map[string]int{store.ColReports: 1, store.ColSettings: 1, store.ColSubscriptions: 1} {
		if n := len(dump(e, e.s, col)); n != want {
			e.t.Fatalf("%d %s after loading one twice", n, col)
		}
	}
	if n := must(e.s.CountReports(e.ctx, report.StatusRejected)); n != 1 {
		e.t.Fatalf("%d rejected reports", n)
	}
	if n := must(e.s.CountReports(e.ctx, report.StatusPending)); n != 0 {
		e.t.Fatalf("%d pending reports: the first load is still counted", n)
	}
	e.ok(e.s.Load(e.ctx, store.ColAudit, nil), "load nothing")
}

func testDrop(e *env) {
	fill(e)
	e.ok(e.s.Drop(e.ctx), "drop")
	if !must(e.s.Empty(e.ctx)) {
		e.t.Fatal("not empty after Drop")
	}
	for _, col := range store.TransferCollections {
		if n := len(dump(e, e.s, col)); n != 0 {
			e.t.Fatalf("%d %s after Drop", n, col)
		}
	}
}
