package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/sqlite"
	"github.com/headsup/headsup/store/storetest"
)

// TestConformance runs the shared suite with a fresh database file per subtest.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		dir := t.TempDir()
		return storetest.Open(t, false, func(ctx context.Context) (store.Store, error) {
			return sqlite.Open(ctx, filepath.Join(dir, "headsup.db"), sqlite.Options{})
		})
	})
}

// BenchmarkWalk measures a fan-out's walk over 5,000 subscriptions:
//
//	go test -run '^$' -bench Walk ./store/sqlite
func BenchmarkWalk(b *testing.B) { storetest.BenchmarkWalk(b, storetest.New) }
