package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/sqlite"
	"github.com/headsup/headsup/store/storetest"
)

// TestConformance runs the shared suite with a fresh database file per subtest.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "headsup.db"), sqlite.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return s
	})
}

// BenchmarkWalk measures a fan-out's walk over 5,000 subscriptions:
//
//	go test -run '^$' -bench Walk ./store/sqlite
func BenchmarkWalk(b *testing.B) { storetest.BenchmarkWalk(b, storetest.New) }
