package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestClaimDeliveryIsExclusive lets several dispatchers race for one job: exactly one wins,
// and nobody gets it again while the lease is live.
func TestClaimDeliveryIsExclusive(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.EnqueueDelivery(ctx, "alert", 1, false); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueDelivery(ctx, "alert", 1, false); err != nil {
		t.Fatal(err) // a double click is a no-op
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []string
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("d%d", i)
			d, err := s.ClaimDelivery(ctx, owner, time.Minute)
			if errors.Is(err, store.ErrNotFound) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			wins = append(wins, owner+":"+d.LeaseOwner)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("claims won: %v, want exactly one", wins)
	}
	d, err := s.Delivery(ctx, "alert.1")
	if err != nil || d.Claims != 1 || d.State != store.DeliveryRunning || d.Total != -1 {
		t.Fatalf("%+v %v", d, err)
	}
	claims, err := s.DeliveryClaims(ctx, "alert.1")
	if err != nil || len(claims) != 1 || claims[0].Owner != d.LeaseOwner {
		t.Errorf("claim records %+v %v", claims, err)
	}
	// Someone else's checkpoint is refused; ours goes through and releases the job.
	d.Sent = 5
	if err := s.SaveDeliveryProgress(ctx, "intruder", d, time.Time{}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("intruder's save: %v", err)
	}
	if err := s.SaveDeliveryProgress(ctx, d.LeaseOwner, d, time.Time{}); err != nil {
		t.Fatal(err)
	}
	again, err := s.ClaimDelivery(ctx, "next", time.Minute)
	if err != nil || again.Claims != 2 || again.Sent != 5 {
		t.Errorf("claim after release: %+v %v", again, err)
	}
	ds, err := s.DeliveriesForAlert(ctx, "alert")
	if err != nil || len(ds) != 1 || ds[0].Percent() != -1 {
		t.Errorf("DeliveriesForAlert: %+v %v", ds, err)
	}
}
