// Package storetest is the conformance suite every storage engine passes (Run) and the helpers
// other packages' tests open their databases with: New gives each test its own SQLite database,
// the default engine; NewMongo its own database on one in-process FerretDB shared by the whole
// test binary; Engines lists both, so a test can run on each.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/mongodb"
	"github.com/headsup/headsup/store/mongodb/ferrettest"
	"github.com/headsup/headsup/store/sqlite"
)

// Engine is one storage engine as tests open it.
type Engine struct {
	Name string
	New  func(testing.TB) store.Store
}

// Engines lists every engine, so that a test can run on each:
//
//	for _, e := range storetest.Engines() {
//		t.Run(e.Name, func(t *testing.T) { s := e.New(t); … })
//	}
func Engines() []Engine {
	return []Engine{{Name: "sqlite", New: New}, {Name: "mongodb", New: NewMongo}}
}

// New opens a fresh SQLite database, the default engine, in the test's temporary folder and
// closes it when the test ends. Synchronous NORMAL keeps tests fast; what it gives up (the last
// transactions on power loss) does not matter for a test.
func New(t testing.TB) store.Store {
	t.Helper()
	dir := t.TempDir()
	return Open(t, false, func(ctx context.Context) (store.Store, error) {
		return sqlite.Open(ctx, filepath.Join(dir, "headsup.db"), sqlite.Options{Synchronous: "NORMAL"})
	})
}

// Open opens a database for one test with open and closes it when the test ends, dropping it
// first when drop is set (a database on a server that outlives the test). Each step may take
// 30 seconds.
func Open(t testing.TB, drop bool, open func(ctx context.Context) (store.Store, error)) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := open(ctx)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if drop {
			if err := s.Drop(ctx); err != nil {
				t.Errorf("drop test database: %v", err)
			}
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	return s
}

var (
	mongoOnce sync.Once
	mongoURI  string
	mongoErr  error
)

// MongoURI returns the address of the MongoDB server tests use: HEADSUP_TEST_MONGODB_URI when
// set (a real MongoDB), else an in-process FerretDB started on first use, which lives as long as
// the test binary (its folder is left for the OS to clean).
func MongoURI(t testing.TB) string {
	t.Helper()
	mongoOnce.Do(func() {
		if u := os.Getenv("HEADSUP_TEST_MONGODB_URI"); u != "" {
			mongoURI = u
			return
		}
		dir, err := os.MkdirTemp("", "headsup-test-ferretdb-")
		if err != nil {
			mongoErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv, err := ferrettest.Start(ctx, dir, testkit.DiscardLogger())
		if err != nil {
			mongoErr = err
			return
		}
		mongoURI = srv.URI
	})
	if mongoErr != nil {
		t.Fatalf("start test MongoDB server: %v", mongoErr)
	}
	return mongoURI
}

// NewMongo opens a fresh, uniquely named database on the test MongoDB server (MongoURI) and
// drops it when the test ends.
func NewMongo(t testing.TB) store.Store {
	t.Helper()
	uri := MongoURI(t)
	return Open(t, true, func(ctx context.Context) (store.Store, error) {
		return mongodb.Open(ctx, uri, "test_"+randomName())
	})
}

func randomName() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
