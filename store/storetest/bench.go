package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// BenchmarkWalk measures walking 5,000 matching subscriptions (of 5,000 stored) in batches of
// 500, as a fan-out does, on the store open gives. An engine's benchmark calls it:
//
//	func BenchmarkWalk(b *testing.B) { storetest.BenchmarkWalk(b, storetest.New) }
//
// and runs with go test -run '^$' -bench Walk ./store/sqlite.
func BenchmarkWalk(b *testing.B, open func(testing.TB) store.Store) {
	s := open(b)
	ctx := context.Background()
	const n = 5000
	for from := 0; from < n; from += 1000 {
		subs := make([]store.Subscription, 1000)
		for i := range subs {
			subs[i] = store.Subscription{Endpoint: fmt.Sprintf("https://fcm.googleapis.com/fcm/send/%040d", from+i),
				P256dh: "BNePVDeBIfDNO3tcsaG-iGydqXvaQyPiWPKdKZNO2H5-pUElYaQC8Zd4QXmR15ppkqJkCVxwATd_POpKzITOee4",
				Auth:   "P2or7R1CE6QRQlPAwxINqw", TokenHash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				Kinds: report.Kinds, Areas: []string{"ward-1", "ward-6"}, MinSeverity: report.SeverityInfo, Lang: "es"}
		}
		if err := s.InsertSubscriptions(ctx, subs); err != nil {
			b.Fatal(err)
		}
	}
	m := store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-6"}, Severity: report.SeverityDanger}
	for b.Loop() {
		w, err := s.WalkSubscriptions(ctx, m, store.WalkPosition{})
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
}
