package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

func TestScratchScan(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	s := storetest.New(t)
	ctx := context.Background()
	start := time.Now()
	const n = 100000
	for i := 0; i < n; i += 1000 {
		subs := make([]store.Subscription, 1000)
		for j := range subs {
			subs[j] = store.Subscription{ID: report.NewID(), Endpoint: fmt.Sprintf("https://127.0.0.1:4443/push/%d", i+j), P256dh: "BNNL5ZaTfK81qhXOx23-wewhigUeFb632jN6LvRWCFH1ubQr77FE_9qV1FuojuRmHP42zmf34rXgW80OvUVDgTk", Auth: "AAAAAAAAAAAAAAAAAAAAAA", TokenHash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Kinds: []report.Kind{report.DrugAlert, report.BadDate}, Areas: []string{"ward-1", "ward-2"}, MinSeverity: report.SeverityInfo, Lang: "en"}
		}
		if err := s.InsertSubscriptions(ctx, subs); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("insert %v", time.Since(start))
	m := store.SubscriptionMatch{Kind: report.DrugAlert, Areas: []string{"ward-1"}, Severity: report.SeverityDanger}
	start = time.Now()
	c, err := s.CountMatchingSubscriptions(ctx, m)
	t.Logf("count %d %v", c, time.Since(start))
	after := ""
	total := 0
	for {
		start = time.Now()
		page, err := s.MatchingSubscriptions(ctx, m, after, 10000)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("window %d %v", len(page), time.Since(start))
		if len(page) == 0 {
			break
		}
		total += len(page)
		after = page[len(page)-1].ID
	}
	_ = err
	t.Logf("total %d", total)
}
