package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/mongodb"
	"github.com/headsup/headsup/store/sqlite"
	"github.com/headsup/headsup/store/storetest"
)

// testEngines are the database engines the process tests run the binary on: the embedded
// SQLite file, and MongoDB (the in-process FerretDB of storetest, or HEADSUP_TEST_MONGODB_URI).
var testEngines = []string{"sqlite", "mongodb"}

// deployment is one server's configuration on one engine: its data folder and, on MongoDB, the
// server and a database of its own.
type deployment struct {
	engine  string
	dataDir string
	uri, db string // mongodb only
}

// onEveryEngine runs test on a fresh deployment of each of testEngines, one subtest each. The
// tests run the binary, so -short skips them.
func onEveryEngine(t *testing.T, test func(t *testing.T, d *deployment)) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary")
	}
	for _, engine := range testEngines {
		t.Run(engine, func(t *testing.T) { test(t, newDeployment(t, engine)) })
	}
}

func newDeployment(t *testing.T, engine string) *deployment {
	t.Helper()
	d := &deployment{engine: engine, dataDir: t.TempDir()}
	if engine == "mongodb" {
		d.uri, d.db = storetest.MongoURI(t), "cmd_"+randomName(t)
		t.Cleanup(func() {
			s := d.open(t)
			if err := s.Drop(context.Background()); err != nil {
				t.Errorf("drop test database: %v", err)
			}
		})
	}
	return d
}

// env is the environment of a server (or command) on this deployment.
func (d *deployment) env(extra ...string) []string {
	env := []string{"HEADSUP_DATA_DIR=" + d.dataDir}
	if d.engine == "mongodb" {
		env = append(env, "MONGODB_URI="+d.uri, "HEADSUP_DB="+d.db, "HEADSUP_RECEIPT_KEY="+strings.Repeat("k", 40))
	}
	return append(env, extra...)
}

// getenv is env as run takes it.
func (d *deployment) getenv(extra ...string) func(string) string {
	vars := map[string]string{"HEADSUP_LOG_LEVEL": "error"}
	for _, kv := range d.env(extra...) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	return func(k string) string { return vars[k] }
}

func (d *deployment) start(t *testing.T, extra ...string) *serverProcess {
	t.Helper()
	return startServer(t, d.dataDir, d.env(extra...)...)
}

// open opens the deployment's database beside a running server, as the moderator command
// does, so that a test can publish an alert or add subscriptions in bulk without a moderator's
// sign-in. On SQLite that is a second process-level connection to the same file.
func (d *deployment) open(t *testing.T) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var s store.Store
	var err error
	if d.engine == "mongodb" {
		s, err = mongodb.Open(ctx, d.uri, d.db)
	} else {
		s, err = sqlite.Open(ctx, filepath.Join(d.dataDir, databaseFile), sqlite.Options{})
	}
	if err != nil {
		t.Fatalf("open the %s database: %v", d.engine, err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("close the %s database: %v", d.engine, err)
		}
	})
	return s
}

func randomName(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
