// Package storetest gives each test its own database on one embedded FerretDB server shared by
// the whole test binary, so tests run against the real thing and stay independent.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/headsup/headsup/store"
)

var (
	once     sync.Once
	uri      string
	embedded *store.Embedded // nil when the tests run against HEADSUP_TEST_MONGODB_URI
	startErr error
)

// URI returns the address of the shared embedded server, starting it on first use. Setting
// HEADSUP_TEST_MONGODB_URI runs the same tests against a real MongoDB instead.
func URI(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if u := os.Getenv("HEADSUP_TEST_MONGODB_URI"); u != "" {
			uri = u
			return
		}
		dir, err := os.MkdirTemp("", "headsup-test-db-")
		if err != nil {
			startErr = err
			return
		}
		// The server lives as long as the test binary; its folder is left for the OS to clean.
		e, err := store.StartEmbedded(context.Background(), dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			startErr = err
			return
		}
		uri, embedded = e.URI, e
	})
	if startErr != nil {
		t.Fatalf("start embedded database: %v", startErr)
	}
	return uri
}

// New opens a fresh, uniquely named database for one test and drops it when the test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	name := "test_" + randomName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := URI(t)
	var s *store.Store
	var err error
	if embedded != nil {
		s, err = embedded.Open(ctx, name) // as the product opens it
	} else {
		s, err = store.Open(ctx, u, name)
	}
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}

func randomName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
