package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

func insertSubs(t *testing.T, s *store.Store, n int, kinds []report.Kind, areas []string) {
	t.Helper()
	subs := make([]store.Subscription, n)
	for i := range subs {
		subs[i] = store.Subscription{Endpoint: fmt.Sprintf("https://push.example/%s/%d", areas[0], i), P256dh: "k", Auth: "a",
			Kinds: kinds, Areas: areas, MinSeverity: report.SeverityWarning, Lang: "en"}
	}
	if err := s.InsertSubscriptions(context.Background(), subs); err != nil {
		t.Fatal(err)
	}
}

func walkAll(t *testing.T, w *store.SubscriptionWalk, batch int) [][]store.Subscription {
	t.Helper()
	var out [][]store.Subscription
	for {
		b, err := w.Next(context.Background(), batch)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			return out
		}
		out = append(out, b)
	}
}

// TestWalkMatchesAndResumes walks the matching subscriptions in batches, then resumes from a
// checkpoint whose last subscriptions were deleted meanwhile (as gone ones are).
// Both ways of walking are checked: reading the embedded database's file, as the product
// does, and through the server, as on MongoDB.
func TestWalkMatchesAndResumes(t *testing.T) {
	t.Run("direct", func(t *testing.T) { testWalkMatchesAndResumes(t, storetest.New(t)) })
	t.Run("wire", func(t *testing.T) { testWalkMatchesAndResumes(t, store.WireOnly(storetest.New(t))) })
}

func testWalkMatchesAndResumes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	insertSubs(t, s, 45, []report.Kind{report.DrugAlert}, []string{"ward-1", "ward-2"})
	insertSubs(t, s, 5, []report.Kind{report.BadDate}, []string{"ward-3"})   // other kind and area
	insertSubs(t, s, 5, []report.Kind{report.DrugAlert}, []string{"ward-4"}) // other area
	m := store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-2", "ward-8"}, Severity: report.SeverityWarning}
	w, err := s.WalkSubscriptions(ctx, m, store.WalkPosition{})
	if err != nil {
		t.Fatal(err)
	}
	batches := walkAll(t, w, 10)
	w.Close(ctx)
	if len(batches) != 5 || len(batches[4]) != 5 {
		t.Fatalf("walk gave %d batches", len(batches))
	}
	seen := map[string]bool{}
	for _, b := range batches {
		for _, sub := range b {
			if seen[sub.ID] || sub.Endpoint == "" {
				t.Fatalf("subscription %+v twice or empty", sub)
			}
			seen[sub.ID] = true
		}
	}
	if n, ok, err := s.MatchingSubscriptionsTotal(ctx, m); err != nil || (ok && n != 45) {
		t.Errorf("total %d %v %v", n, ok, err)
	}
	if none, _, _ := s.MatchingSubscriptionsTotal(ctx, store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-1"}, Severity: report.SeverityInfo}); none != 0 {
		t.Errorf("an info alert matched %d subscriptions wanting warning and above", none)
	}

	// Checkpoint after the second batch, with its last ids as markers; the last two are gone.
	b := batches[1]
	pos := store.WalkPosition{After: b[9].ID}
	for _, sub := range b[4:] {
		pos.Markers = append(pos.Markers, sub.ID)
	}
	for _, sub := range b[8:] {
		if ok, err := s.DeleteGoneSubscription(ctx, sub.Endpoint); err != nil || !ok {
			t.Fatalf("delete gone: %v %v", ok, err)
		}
	}
	w, err = s.WalkSubscriptions(ctx, m, pos)
	if err != nil {
		t.Fatal(err)
	}
	rest := walkAll(t, w, 100)
	w.Close(ctx)
	got := map[string]bool{}
	for _, sub := range rest[0] {
		got[sub.ID] = true
	}
	for _, bb := range batches[2:] {
		for _, sub := range bb {
			if !got[sub.ID] {
				t.Errorf("resumed walk missed %s", sub.ID)
			}
		}
	}
	if len(rest) != 1 || len(rest[0]) != 25 {
		t.Errorf("resumed walk gave %d subscriptions, want the 25 after the checkpoint", len(rest[0]))
	}
	if w.Restarted {
		t.Error("restarted although markers survived")
	}
}

func TestGoneDeletesOnlyThatEndpoint(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	id, err := s.SaveSubscription(ctx, &store.Subscription{Endpoint: "https://push.example/a", P256dh: "k", Auth: "a", TokenHash: "h",
		Kinds: report.Kinds, Areas: []string{"ward-1"}, MinSeverity: report.SeverityInfo, Lang: "en"})
	if err != nil || id != store.SubscriptionID("https://push.example/a") || !report.ValidID(id) {
		t.Fatalf("save: %q %v", id, err)
	}
	if ok, _ := s.DeleteGoneSubscription(ctx, "https://push.example/b"); ok {
		t.Error("deleted a subscription for another endpoint")
	}
	if ok, _ := s.DeleteGoneSubscription(ctx, "https://push.example/a"); !ok {
		t.Error("gone subscription not deleted")
	}
}

// The direct walk must give exactly what FerretDB itself answers for the same filter, with the
// same fields, in id order, and resume exactly after any id; subscriptions with every mix of
// kinds, areas and minimum severity are walked with many filters.
func TestDirectWalkAgreesWithTheServer(t *testing.T) {
	direct := storetest.New(t)
	if !store.ReadsDirectly(direct) {
		t.Skip("not on the embedded database: there is no direct walk")
	}
	wire := store.WireOnly(direct)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	areas := []string{"ward-1", "ward-2", "ward-3", "ward-4", "ward-5"}
	severities := []report.Severity{report.SeverityInfo, report.SeverityWarning, report.SeverityDanger}
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
	var subs []store.Subscription
	for i := range 300 {
		kinds := report.Kinds
		if k := rng.IntN(3); k < 2 {
			kinds = report.Kinds[k : k+1]
		}
		subs = append(subs, store.Subscription{Endpoint: fmt.Sprintf("https://push.example/%d", i), P256dh: fmt.Sprintf("key-%d", i),
			Auth: fmt.Sprintf("auth-%d", i), TokenHash: "h", Kinds: kinds, Areas: pick(areas), MinSeverity: severities[rng.IntN(3)],
			Discreet: rng.IntN(2) == 0, Lang: []string{"en", "es"}[rng.IntN(2)]})
		subs[i].MinRank = subs[i].MinSeverity.Rank()
	}
	if err := direct.InsertSubscriptions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	walk := func(s *store.Store, m store.SubscriptionMatch, after string) []store.Subscription {
		w, err := s.WalkSubscriptions(ctx, m, store.WalkPosition{After: after})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(ctx)
		var all []store.Subscription
		for _, b := range walkAll(t, w, 7) {
			all = append(all, b...)
		}
		return all
	}
	byID := func(subs []store.Subscription) []store.Subscription {
		out := slices.Clone(subs)
		for i := range out {
			// The direct walk reads only what a push needs.
			out[i].TokenHash, out[i].Kinds, out[i].Areas = "", nil, nil
		}
		slices.SortFunc(out, func(a, b store.Subscription) int { return cmpString(a.ID, b.ID) })
		return out
	}
	matched := 0
	for i := range 40 {
		m := store.SubscriptionMatch{Kind: report.Kinds[rng.IntN(len(report.Kinds))], Areas: pick(append(areas, "ward-9")), Severity: severities[rng.IntN(3)]}
		if i == 0 {
			m.Areas = nil
		}
		got, want := walk(direct, m, ""), byID(walk(wire, m, ""))
		if !slices.IsSortedFunc(got, func(a, b store.Subscription) int { return cmpString(a.ID, b.ID) }) {
			t.Fatalf("direct walk for %+v is not in id order", m)
		}
		if len(got) != len(want) {
			t.Fatalf("filter %+v: direct walk gave %d subscriptions, the server %d", m, len(got), len(want))
		}
		for i := range got {
			if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
				t.Fatalf("filter %+v: direct walk gave\n%+v\nwhere the server gave\n%+v", m, got[i], want[i])
			}
		}
		matched += len(got)
		if len(got) > 2 {
			from := got[len(got)/2].ID
			rest := walk(direct, m, from)
			if !slices.EqualFunc(rest, got[len(got)/2+1:], func(a, b store.Subscription) bool { return a.ID == b.ID }) {
				t.Fatalf("filter %+v: resuming after %s gave %d subscriptions, want %d", m, from, len(rest), len(got)/2)
			}
		}
	}
	if matched < 300 {
		t.Fatalf("only %d matches over 40 filters: the test filters too narrowly to show anything", matched)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BenchmarkSubscriptionWalk compares walking 5,000 matching subscriptions by reading the
// embedded database's file with walking them through FerretDB, in the same run:
//
//	go test -run '^$' -bench SubscriptionWalk ./store
func BenchmarkSubscriptionWalk(b *testing.B) {
	direct := storetest.New(b)
	ctx := context.Background()
	const n = 5000
	for from := 0; from < n; from += 1000 {
		subs := make([]store.Subscription, 1000)
		for i := range subs {
			subs[i] = store.Subscription{Endpoint: fmt.Sprintf("https://fcm.googleapis.com/fcm/send/%040d", from+i),
				P256dh: "BNePVDeBIfDNO3tcsaG-iGydqXvaQyPiWPKdKZNO2H5-pUElYaQC8Zd4QXmR15ppkqJkCVxwATd_POpKzITOee4",
				Auth:   "P2or7R1CE6QRQlPAwxINqw", TokenHash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				Kinds: report.Kinds, Areas: []string{"ward-1", "ward-6"}, MinSeverity: report.SeverityInfo, MinRank: 1, Lang: "es"}
		}
		if err := direct.InsertSubscriptions(ctx, subs); err != nil {
			b.Fatal(err)
		}
	}
	m := store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-6"}, Severity: report.SeverityDanger}
	for _, tc := range []struct {
		name string
		s    *store.Store
	}{{"direct", direct}, {"wire", store.WireOnly(direct)}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				w, err := tc.s.WalkSubscriptions(ctx, m, store.WalkPosition{})
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for {
					batch, err := w.Next(ctx, 500)
					if err != nil {
						b.Fatal(err)
					}
					if len(batch) == 0 {
						break
					}
					got += len(batch)
				}
				w.Close(ctx)
				if got != n {
					b.Fatalf("walked %d of %d", got, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/subscription")
		})
	}
}
