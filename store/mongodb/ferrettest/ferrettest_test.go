package ferrettest

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestDatabaseLogsCarryNoAddresses(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(&redactingHandler{next: slog.NewTextHandler(&buf, nil), min: slog.LevelWarn})
	log.With("conn", "127.0.0.1:50432 -> 127.0.0.1:27017").WithGroup("g").
		Warn("Connection stopped from [::1]:4000", "peer", "10.1.2.3", "n", 5)
	log.Info("hidden below warning", "peer", "10.9.9.9")
	log.Warn("Response message:\n{\"errmsg\": \"hidden dump\"}")
	out := buf.String()
	for _, leak := range []string{"127.0.0.1", "::1", "10.1.2.3", "10.9.9.9", "hidden", "dump"} {
		if strings.Contains(out, leak) {
			t.Errorf("log line leaks %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "Connection stopped") || !strings.Contains(out, "component=database") {
		t.Errorf("the warning itself is lost: %s", out)
	}
}

// TestStartStopRestart checks that a server answers, stops, and comes back at the same address
// with its data, which the database-down tests rely on.
func TestStartStopRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	logger := testkit.DiscardLogger()
	srv, err := Start(ctx, dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	c, disconnect := collection(ctx, t, srv.URI)
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: srv.URI}}); err != nil {
		t.Fatal(err)
	}
	disconnect()
	host := strings.TrimPrefix(strings.SplitN(srv.URI, "/?", 2)[0], "mongodb://")
	host = strings.TrimSuffix(host, "/")
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err = StartAt(ctx, dir, host, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	c, disconnect = collection(ctx, t, srv.URI)
	defer disconnect()
	n, err := c.CountDocuments(ctx, bson.D{})
	if err != nil || n != 1 {
		t.Fatalf("after a restart: %d documents, %v", n, err)
	}
}

// collection connects to the server at uri and returns the collection the tests write, and
// the disconnect.
func collection(ctx context.Context, t *testing.T, uri string) (*mongo.Collection, func()) {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	return client.Database("t").Collection("c"), func() { _ = client.Disconnect(ctx) }
}

// TestConditionalUpdatesAreAtomic races conditional updates and increments of one document:
// as on MongoDB, exactly one conditional update matches and no increment is lost.
func TestConditionalUpdatesAreAtomic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := Start(ctx, t.TempDir(), testkit.DiscardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	c, disconnect := collection(ctx, t, srv.URI)
	defer disconnect()
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "state", Value: "free"}, {Key: "n", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	const racers = 16
	var wg sync.WaitGroup
	var wins atomic.Int32
	for range racers {
		wg.Go(func() {
			res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "state", Value: "free"}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "taken"}}}})
			if err != nil {
				t.Error(err)
				return
			}
			wins.Add(int32(res.ModifiedCount))
			if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var doc struct{ N int }
	if err := c.FindOne(ctx, bson.D{}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if wins.Load() != 1 || doc.N != racers {
		t.Fatalf("%d conditional updates won (want 1), %d of %d increments kept", wins.Load(), doc.N, racers)
	}
}
