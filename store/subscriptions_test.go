package store_test

import (
	"context"
	"fmt"
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
func TestWalkMatchesAndResumes(t *testing.T) {
	s := storetest.New(t)
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
