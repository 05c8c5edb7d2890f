package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var subscriptionCases = []testCase{
	{"Subscriptions/SaveReplacesByEndpoint", testSaveSubscription},
	{"Subscriptions/UpdateAndDeleteNeedToken", testSubscriptionToken},
	{"Subscriptions/DeleteGoneOnlyThatEndpoint", testDeleteGone},
	{"Subscriptions/InsertMany", testInsertSubscriptions},
	{"Subscriptions/WalkMatchesInIDOrder", testWalkMatches},
	{"Subscriptions/WalkResumesAcrossBatches", testWalkResume},
	{"Subscriptions/WalkNothing", testWalkNothing},
}

func newSubscription(endpoint string) *store.Subscription {
	return &store.Subscription{Endpoint: endpoint, P256dh: "p256dh-" + endpoint, Auth: "auth-" + endpoint, TokenHash: "token-1",
		Kinds: []report.Kind{report.BadDate}, Areas: []string{"ward-1"}, MinSeverity: report.SeverityWarning,
		MinRank: report.SeverityWarning.Rank(), Discreet: true, Lang: "es"}
}

func testSaveSubscription(e *env) {
	const endpoint = "https://push.example/a"
	sub := newSubscription(endpoint)
	id := must(e.s.SaveSubscription(e.ctx, sub))
	if id != store.SubscriptionID(endpoint) || !report.ValidID(id) {
		e.t.Fatalf("id %q, want SubscriptionID(endpoint) %q", id, store.SubscriptionID(endpoint))
	}
	sub.ID = id
	e.same(must(e.s.Subscription(e.ctx, id)), sub, "subscription read back")

	// The same browser subscribes again: same id, the new token and choices replace the old.
	again := newSubscription(endpoint)
	again.TokenHash, again.Kinds, again.Areas, again.MinSeverity, again.Discreet, again.Lang, again.P256dh =
		"token-2", report.Kinds, []string{"ward-2", "ward-3"}, report.SeverityDanger, false, "en", "new-key"
	again.MinRank = 0 // the store derives it
	if id2 := must(e.s.SaveSubscription(e.ctx, again)); id2 != id {
		e.t.Fatalf("subscribing again gave id %q, want %q", id2, id)
	}
	again.ID, again.MinRank = id, report.SeverityDanger.Rank()
	e.same(must(e.s.Subscription(e.ctx, id)), again, "subscription after subscribing again")
	e.wantErr(e.s.DeleteSubscription(e.ctx, id, "token-1"), store.ErrNotFound, "delete with the replaced token")

	other := must(e.s.SaveSubscription(e.ctx, newSubscription("https://push.example/b")))
	if other == id {
		e.t.Fatal("two endpoints share an id")
	}
	_, err := e.s.Subscription(e.ctx, "missing")
	e.wantErr(err, store.ErrNotFound, "missing subscription")
}

func testSubscriptionToken(e *env) {
	sub := newSubscription("https://push.example/a")
	id := must(e.s.SaveSubscription(e.ctx, sub))
	sub.ID = id
	change := &store.Subscription{Endpoint: "https://push.example/ignored", P256dh: "k2", Auth: "a2", TokenHash: "ignored",
		Kinds: report.Kinds, Areas: []string{"ward-4"}, MinSeverity: report.SeverityInfo, Lang: "en"}

	e.wantErr(e.s.UpdateSubscription(e.ctx, id, "wrong", change), store.ErrNotFound, "update with a wrong token")
	e.same(must(e.s.Subscription(e.ctx, id)), sub, "subscription after a refused update")
	e.wantErr(e.s.UpdateSubscription(e.ctx, "missing", "token-1", change), store.ErrNotFound, "update of a missing subscription")

	e.ok(e.s.UpdateSubscription(e.ctx, id, "token-1", change), "update with the token")
	want := *change
	// The endpoint is fixed by the id and the token stays the owner's.
	want.ID, want.Endpoint, want.TokenHash, want.MinRank = id, sub.Endpoint, sub.TokenHash, report.SeverityInfo.Rank()
	e.same(must(e.s.Subscription(e.ctx, id)), &want, "subscription after an update")

	e.wantErr(e.s.DeleteSubscription(e.ctx, id, "wrong"), store.ErrNotFound, "delete with a wrong token")
	e.same(must(e.s.Subscription(e.ctx, id)), &want, "subscription after a refused delete")
	e.ok(e.s.DeleteSubscription(e.ctx, id, "token-1"), "delete with the token")
	_, err := e.s.Subscription(e.ctx, id)
	e.wantErr(err, store.ErrNotFound, "deleted subscription")
	e.wantErr(e.s.DeleteSubscription(e.ctx, id, "token-1"), store.ErrNotFound, "deleting twice")
	e.wantErr(e.s.UpdateSubscription(e.ctx, id, "token-1", change), store.ErrNotFound, "update of a deleted subscription")
}

func testDeleteGone(e *env) {
	a := must(e.s.SaveSubscription(e.ctx, newSubscription("https://push.example/a")))
	b := must(e.s.SaveSubscription(e.ctx, newSubscription("https://push.example/b")))
	if gone := must(e.s.DeleteGoneSubscription(e.ctx, "https://push.example/c")); gone {
		e.t.Fatal("an unknown endpoint was reported deleted")
	}
	if gone := must(e.s.DeleteGoneSubscription(e.ctx, "https://push.example/a")); !gone {
		e.t.Fatal("gone subscription not deleted")
	}
	_, err := e.s.Subscription(e.ctx, a)
	e.wantErr(err, store.ErrNotFound, "gone subscription")
	must(e.s.Subscription(e.ctx, b))
	if gone := must(e.s.DeleteGoneSubscription(e.ctx, "https://push.example/a")); gone {
		e.t.Fatal("a gone subscription was deleted twice")
	}
}

func testInsertSubscriptions(e *env) {
	subs := make([]store.Subscription, 30)
	for i := range subs {
		subs[i] = *newSubscription(fmt.Sprintf("https://push.example/%d", i))
		subs[i].MinRank = 0
		subs[i].MinSeverity = report.Severities[i%3]
	}
	e.ok(e.s.InsertSubscriptions(e.ctx, subs), "insert subscriptions")
	for i := range subs {
		want := *newSubscription(fmt.Sprintf("https://push.example/%d", i))
		want.ID = store.SubscriptionID(want.Endpoint)
		want.MinSeverity, want.MinRank = report.Severities[i%3], report.Severities[i%3].Rank()
		e.same(must(e.s.Subscription(e.ctx, want.ID)), &want, "inserted subscription")
	}
}

// walk reads a whole walk in batches of n.
func (e *env) walk(m store.SubscriptionMatch, after string, n int) [][]store.Subscription {
	e.t.Helper()
	w := must(e.s.WalkSubscriptions(e.ctx, m, store.WalkPosition{After: after}))
	defer w.Close(e.ctx)
	var out [][]store.Subscription
	for range 100000 {
		b := must(w.Next(e.ctx, n))
		if len(b) > n {
			e.t.Fatalf("batch of %d subscriptions, asked for %d", len(b), n)
		}
		if len(b) == 0 {
			return out
		}
		out = append(out, b)
	}
	e.t.Fatal("walk does not end")
	return nil
}

func flatten(batches [][]store.Subscription) []store.Subscription {
	var out []store.Subscription
	for _, b := range batches {
		out = append(out, b...)
	}
	return out
}

// pushFields is what a walk must fill in: what a push needs.
func pushFields(s store.Subscription) store.Subscription {
	return store.Subscription{ID: s.ID, Endpoint: s.Endpoint, P256dh: s.P256dh, Auth: s.Auth, Discreet: s.Discreet, Lang: s.Lang}
}

// testWalkMatches walks subscriptions with every mix of kinds, areas and minimum severity with
// many filters, against what SubscriptionMatch.Matches selects, and resumes after any id.
func testWalkMatches(e *env) {
	rng := rand.New(rand.NewPCG(1, 2))
	areas := []string{"ward-1", "ward-2", "ward-3", "ward-4", "ward-5"}
	pick := func(from []string) []string {
		var out []string
		for _, a := range from {
			if rng.IntN(3) == 0 {
				out = append(out, a)
			}
		}
		if len(out) == 0 {
			out = from[:1]
		}
		return out
	}
	subs := make([]store.Subscription, 300)
	for i := range subs {
		kinds := report.Kinds
		if k := rng.IntN(3); k < 2 {
			kinds = report.Kinds[k : k+1]
		}
		subs[i] = store.Subscription{Endpoint: fmt.Sprintf("https://push.example/%d", i), P256dh: fmt.Sprintf("key-%d", i),
			Auth: fmt.Sprintf("auth-%d", i), TokenHash: "h", Kinds: kinds, Areas: pick(areas),
			MinSeverity: report.Severities[rng.IntN(3)], Discreet: rng.IntN(2) == 0, Lang: []string{"en", "es"}[rng.IntN(2)]}
	}
	e.ok(e.s.InsertSubscriptions(e.ctx, slices.Clone(subs)), "insert subscriptions")
	for i := range subs {
		subs[i].ID, subs[i].MinRank = store.SubscriptionID(subs[i].Endpoint), subs[i].MinSeverity.Rank()
	}
	slices.SortFunc(subs, func(a, b store.Subscription) int { return cmp.Compare(a.ID, b.ID) })

	matched, totals := 0, 0
	const filters = 20 // each walk is a few queries, and FerretDB reads every subscription for each
	for i := range filters {
		m := store.SubscriptionMatch{Kind: report.Kinds[rng.IntN(2)], Areas: pick(append(slices.Clone(areas), "ward-9")),
			Severity: report.Severities[rng.IntN(3)]}
		if i == 0 {
			m.Areas = nil
		}
		var want []store.Subscription
		for _, s := range subs {
			if m.Matches(&s) {
				want = append(want, pushFields(s))
			}
		}
		batch := 64
		if i < 8 {
			batch = 7 // many batches: a walk must carry on exactly across them
		}
		got := flatten(e.walk(m, "", batch))
		for j := range got {
			got[j] = pushFields(got[j])
		}
		e.same(got, want, fmt.Sprintf("walk of %+v (in id order, with what a push needs)", m))
		matched += len(got)
		if n, ok := mustTotal(e, m); ok {
			totals++
			if n != int64(len(want)) {
				e.t.Fatalf("MatchingSubscriptionsTotal(%+v) = %d, want %d", m, n, len(want))
			}
		}
		if len(want) > 2 {
			// Resume exactly after any id, even one that does not match or no longer exists.
			mid := len(want) / 2
			rest := flatten(e.walk(m, want[mid].ID, batch))
			if ids, wantIDs := subIDs(rest), subIDs(want[mid+1:]); !slices.Equal(ids, wantIDs) {
				e.t.Fatalf("%+v resumed after %s: %d subscriptions, want %d", m, want[mid].ID, len(ids), len(wantIDs))
			}
			after := want[mid].ID + "0" // sorts right after the id, names no subscription
			if ids, wantIDs := subIDs(flatten(e.walk(m, after, 50))), subIDs(want[mid+1:]); !slices.Equal(ids, wantIDs) {
				e.t.Fatalf("%+v resumed after %s: %d subscriptions, want %d", m, after, len(ids), len(wantIDs))
			}
		}
	}
	if matched < 150 {
		e.t.Fatalf("only %d matches over %d filters: the test filters too narrowly to show anything", matched, filters)
	}
	if totals != 0 && totals != filters {
		e.t.Fatalf("MatchingSubscriptionsTotal answered for %d of %d filters: cheap or not should not depend on the filter", totals, filters)
	}
}

func mustTotal(e *env, m store.SubscriptionMatch) (int64, bool) {
	e.t.Helper()
	n, ok, err := e.s.MatchingSubscriptionsTotal(e.ctx, m)
	e.ok(err, "MatchingSubscriptionsTotal")
	return n, ok
}

func subIDs(subs []store.Subscription) []string {
	out := []string{}
	for _, s := range subs {
		out = append(out, s.ID)
	}
	return out
}

// testWalkResume walks in batches, then resumes from a checkpoint whose last subscriptions were
// deleted meanwhile (as gone ones are).
func testWalkResume(e *env) {
	insert := func(n int, kinds []report.Kind, areas []string) {
		subs := make([]store.Subscription, n)
		for i := range subs {
			subs[i] = store.Subscription{Endpoint: fmt.Sprintf("https://push.example/%s/%s/%d", kinds[0], areas[0], i), P256dh: "k",
				Auth: "a", Kinds: kinds, Areas: areas, MinSeverity: report.SeverityWarning, Lang: "en"}
		}
		e.ok(e.s.InsertSubscriptions(e.ctx, subs), "insert subscriptions")
	}
	insert(45, []report.Kind{report.DrugAlert}, []string{"ward-1", "ward-2"})
	insert(5, []report.Kind{report.BadDate}, []string{"ward-3"})   // other kind and area
	insert(5, []report.Kind{report.DrugAlert}, []string{"ward-4"}) // other area
	insert(5, []report.Kind{report.DrugAlert}, []string{"ward-2"}) // wants warning, not info
	m := store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-2", "ward-8"}, Severity: report.SeverityWarning}

	batches := e.walk(m, "", 10)
	if len(batches) != 5 || len(batches[4]) != 10 {
		e.t.Fatalf("walk of 50 in batches of 10 gave %d batches", len(batches))
	}
	all := flatten(batches)
	if !slices.IsSortedFunc(all, func(a, b store.Subscription) int { return cmp.Compare(a.ID, b.ID) }) {
		e.t.Fatal("walk not in id order")
	}
	if ids := slices.Compact(slices.Clone(subIDs(all))); len(ids) != 50 {
		e.t.Fatalf("walk gave %d distinct subscriptions, want 50", len(ids))
	}
	if n, ok := mustTotal(e, store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-1"}, Severity: report.SeverityInfo}); ok && n != 0 {
		e.t.Fatalf("an info alert matched %d subscriptions wanting warning and above", n)
	}

	// Checkpoint after the second batch; its last two are gone since.
	b := batches[1]
	for _, sub := range b[8:] {
		if gone := must(e.s.DeleteGoneSubscription(e.ctx, sub.Endpoint)); !gone {
			e.t.Fatalf("gone subscription %s not deleted", sub.ID)
		}
	}
	rest := flatten(e.walk(m, b[9].ID, 100))
	if got, want := subIDs(rest), subIDs(all[20:]); !slices.Equal(got, want) {
		e.t.Fatalf("resumed walk gave %d subscriptions, want the %d after the checkpoint", len(got), len(want))
	}
	// Resuming from the last one of the walk gives nothing more.
	if more := e.walk(m, all[len(all)-1].ID, 10); len(more) != 0 {
		e.t.Fatalf("walk resumed after its last subscription gave %d more batches", len(more))
	}
}

func testWalkNothing(e *env) {
	m := store.SubscriptionMatch{Kind: report.BadDate, Areas: []string{"ward-1"}, Severity: report.SeverityDanger}
	if got := e.walk(m, "", 10); len(got) != 0 {
		e.t.Fatalf("walk over no subscriptions gave %d batches", len(got))
	}
	if n, ok := mustTotal(e, m); ok && n != 0 {
		e.t.Fatalf("total %d with no subscriptions", n)
	}
	must(e.s.SaveSubscription(e.ctx, newSubscription("https://push.example/a")))
	if got := e.walk(store.SubscriptionMatch{Kind: report.BadDate, Severity: report.SeverityDanger}, "", 10); len(got) != 0 {
		e.t.Fatalf("walk for an alert without areas gave %d batches", len(got))
	}
	if got := flatten(e.walk(m, "", 10)); len(got) != 1 || got[0].Endpoint != "https://push.example/a" {
		e.t.Fatalf("walk gave %+v", got)
	}
}
