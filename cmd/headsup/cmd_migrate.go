package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/headsup/headsup/config"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/mongodb"
)

// migrateBatch is how many records one Load writes by default: one transaction on SQLite, one
// bulk write on MongoDB; big enough to amortise the round trip, small enough to keep memory
// flat and each write well inside the MongoDB engine's per-operation timeout.
const migrateBatch = 1000

// migrateProgressEvery is how often a long collection reports its progress on stderr.
const migrateProgressEvery = 100_000

// location is one database as the migrate command names it.
type location struct {
	engine string // "sqlite" or "mongodb"
	path   string // the SQLite file
	uri    string // the MongoDB server
}

func (l location) String() string {
	if l.engine == "sqlite" {
		return "sqlite:" + l.path
	}
	// The URI may carry a password: name only the host.
	host := "?"
	if u, err := url.Parse(l.uri); err == nil {
		host = u.Host
	}
	return "mongodb://" + host
}

// configuredLocation is the database serve would use.
func configuredLocation(cfg config.Config) location {
	if cfg.MongoURI != "" {
		return location{engine: "mongodb", uri: cfg.MongoURI}
	}
	return location{engine: "sqlite", path: filepath.Join(cfg.DataDir, databaseFile)}
}

// parseLocation reads --from or --to: a mongodb:// (or mongodb+srv://) URI, or sqlite:PATH
// where PATH is a data folder (its headsup.db) or a database file ending in .db.
func parseLocation(flag, s string) (location, error) {
	switch {
	case strings.HasPrefix(s, "mongodb://"), strings.HasPrefix(s, "mongodb+srv://"):
		return location{engine: "mongodb", uri: s}, nil
	case strings.HasPrefix(s, "sqlite:"):
		p := strings.TrimPrefix(s, "sqlite:")
		if p == "" {
			return location{}, usagef("--%s sqlite: needs a path, like sqlite:./data", flag)
		}
		if fi, err := os.Stat(p); (err == nil && fi.IsDir()) || !strings.HasSuffix(p, ".db") {
			p = filepath.Join(p, databaseFile)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return location{}, err
		}
		return location{engine: "sqlite", path: abs}, nil
	}
	return location{}, usagef("--%s must be a mongodb:// URI or sqlite:PATH (a data folder), not %q", flag, s)
}

// open opens l; a source must exist already, a target is created.
func (l location) open(ctx context.Context, cfg config.Config, target bool) (store.Store, error) {
	if l.engine == "mongodb" {
		s, err := mongodb.Open(ctx, l.uri, cfg.Database)
		if err != nil {
			return nil, fmt.Errorf("open MongoDB: %w", err)
		}
		return s, nil
	}
	if target {
		if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	} else if _, err := os.Stat(l.path); err != nil {
		// Opening would create an empty database and "migrate" nothing, successfully.
		if err := checkOldFolder(filepath.Dir(l.path), l.path); err != nil {
			return nil, err
		}
		return nil, usagef("there is no database at %s to migrate from", l.path)
	}
	return openSQLite(ctx, l.path)
}

func runMigrate(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "migrate", true)
	var from, to string
	var batch int
	fs.IntVar(&batch, "batch", migrateBatch, "records written together (smaller for a slow link to MongoDB)")
	fs.StringVar(&to, "to", "", "the database to copy into, which must be empty: a mongodb:// URI, or sqlite:PATH (a data folder or a .db file) (default: the configured one)")
	fs.StringVar(&from, "from", "", "the database to copy from (default: the configured one: MONGODB_URI, or the embedded database in HEADSUP_DATA_DIR)")
	if helped, err := parseNoArgs(fs, args); helped || err != nil {
		return err
	}
	if from == "" && to == "" {
		return usagef("migrate needs --to (or --from): the database to copy into (or from); see headsup migrate -h")
	}
	if batch < 1 || batch > 100_000 {
		return usagef("--batch must be from 1 to 100000")
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	src, dst := configuredLocation(cfg), configuredLocation(cfg)
	if from != "" {
		if src, err = parseLocation("from", from); err != nil {
			return err
		}
	}
	if to != "" {
		if dst, err = parseLocation("to", to); err != nil {
			return err
		}
	}
	if src == dst {
		return usagef("--from and --to name the same database (%s)", src)
	}
	source, err := src.open(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer closeQuietly(source)
	target, err := dst.open(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer closeQuietly(target)
	fmt.Fprintf(env.stdout, "Copying every record from %s to %s (stop the server on the source first).\n", src, dst)
	if err := migrate(ctx, env, source, target, batch); err != nil {
		return err
	}
	switch {
	case src.engine == "sqlite" && dst.engine == "mongodb":
		fmt.Fprintf(env.stdout, "\nReceipts are hashed with the key in %s: give every replica that value as HEADSUP_RECEIPT_KEY,\nor reporters' receipt codes stop working. Then set MONGODB_URI and start the replicas.\n",
			filepath.Join(filepath.Dir(src.path), "receipt.key"))
	case src.engine == "mongodb" && dst.engine == "sqlite":
		fmt.Fprintf(env.stdout, "\nReceipts are hashed with HEADSUP_RECEIPT_KEY: keep it set when serving from %s\n(or write it to %s), or reporters' receipt codes stop working.\n",
			filepath.Dir(dst.path), filepath.Join(filepath.Dir(dst.path), "receipt.key"))
	}
	return nil
}

// migrate copies every collection a running service needs from source into the empty target,
// streaming in batches with no intermediate file (no copy of raw reports is left anywhere),
// and then checks that the source did not change meanwhile: a server still writing to it would
// otherwise lose what it wrote after its collection was copied.
func migrate(ctx context.Context, env *environment, source, target store.Store, batch int) error {
	empty, err := target.Empty(ctx)
	if err != nil {
		return fmt.Errorf("check the target database: %w", err)
	}
	if !empty {
		return errTargetNotEmpty
	}
	start := time.Now()
	copied := map[string]int{}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, col := range store.TransferCollections {
		n, err := copyCollection(ctx, env.stderr, source, target, col, batch)
		if errors.Is(err, store.ErrNotEmpty) {
			return errTargetNotEmpty
		}
		if err != nil {
			return fmt.Errorf("migrate %s (after %d records): %w", col, n, err)
		}
		copied[col] = n
		fmt.Fprintf(tw, "  %s\t%d\t\n", col, n)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Count the source again: a server still running on it shows up as a difference.
	for _, col := range store.TransferCollections {
		n := 0
		if err := source.Dump(ctx, col, func(any) error { n++; return nil }); err != nil {
			return fmt.Errorf("recount %s: %w", col, err)
		}
		if n != copied[col] {
			return fmt.Errorf("the source changed during the migration (%s: %d records copied, %d now): is a server still running on it? Stop it, empty the target and run migrate again", col, copied[col], n)
		}
	}
	total := 0
	for _, n := range copied {
		total += n
	}
	fmt.Fprintf(env.stdout, "Copied %d records in %s.\n", total, time.Since(start).Round(time.Millisecond))
	return nil
}

var errTargetNotEmpty = usagef("the target database is not empty: migrate only copies into an empty database, so that nothing there is mixed up with or overwritten by the copy")

// copyCollection streams one collection in batches of size records.
func copyCollection(ctx context.Context, progress io.Writer, source, target store.Store, col string, size int) (int, error) {
	batch := make([]any, 0, size)
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := target.Load(ctx, col, batch); err != nil {
			return err
		}
		n += len(batch)
		if n/migrateProgressEvery != (n-len(batch))/migrateProgressEvery {
			fmt.Fprintf(progress, "  %s: %d so far\n", col, n)
		}
		batch = batch[:0]
		return nil
	}
	err := source.Dump(ctx, col, func(v any) error {
		batch = append(batch, v)
		if len(batch) == size {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return n, err
}

func closeQuietly(s store.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.Close(ctx)
}
