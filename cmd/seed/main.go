// Command seed writes a realistic history of a Heads Up service straight through the store, so
// that benchmarks and manual checks can see how the product behaves after years of use without
// waiting years: alerts published over the whole span (a given number still current), decided
// reports (most of them purged after retention) and a queue of pending ones, a long audit log,
// moderator accounts and push subscriptions. Everything goes through store.Admin.Load in
// batches, one transaction per batch on SQLite, which is what makes a million records quick.
//
//	go run ./cmd/seed -data /tmp/headsup-data
//	go run ./cmd/seed -mongodb mongodb://localhost:27017 -db headsup
//
// It refuses a database that already holds data unless -force is given. One admin account is
// created with a known password and an enrolled TOTP secret (printed, or given with
// -admin-password and -admin-totp) so that benchmarks can sign in to the moderation pages;
// never seed a database that will serve real people.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/mongodb"
	"github.com/headsup/headsup/store/sqlite"
)

// options are the command line of one seeding run.
type options struct {
	dataDir     string
	mongoURI    string
	database    string
	synchronous string
	force       bool
	batch       int
	writers     int
	cpuProfile  string

	plan plan
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "seed:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake on the command line (exit code 2), as opposed to a failure while
// writing (exit code 1).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	p := &o.plan
	fl := flag.NewFlagSet("seed", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, `Usage: seed [flags]

Writes a realistic history of a Heads Up service into an empty database, for benchmarks
(cmd/historybench) and for seeing the product with years of data. By default the embedded
SQLite database in -data; with -mongodb, that MongoDB server. It refuses a database that
already holds data unless -force is given, and creates an admin account with a known password
and TOTP secret: never seed a database that will serve real people.

Flags:
`)
		fl.PrintDefaults()
	}
	fl.StringVar(&o.dataDir, "data", cmpEnv("HEADSUP_DATA_DIR", "./data"), "data folder of the embedded SQLite database (`DIR`/headsup.db); $HEADSUP_DATA_DIR when set")
	fl.StringVar(&o.mongoURI, "mongodb", "", "seed this MongoDB server (`URI`) instead of the embedded database")
	fl.StringVar(&o.database, "db", "headsup", "database `NAME` on the MongoDB server")
	fl.StringVar(&o.synchronous, "synchronous", "NORMAL", "SQLite synchronous setting while seeding, FULL or NORMAL (a seed interrupted by a power cut is simply run again)")
	fl.BoolVar(&o.force, "force", false, "write into a database that already holds data (records are added; nothing is removed)")
	fl.IntVar(&o.batch, "batch", 5000, "records per Load call (one transaction on SQLite)")
	fl.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the seeding to `FILE`, to see where the time goes")
	fl.IntVar(&o.writers, "writers", 0, "Load calls in flight at once; 0 is 1 for SQLite (one writer at a time anyway) and 4 for MongoDB")

	fl.IntVar(&p.alerts, "alerts", 100_000, "alerts in total, current ones included")
	fl.IntVar(&p.current, "current", 100, "alerts still published and unexpired; the rest have expired or were retracted")
	fl.IntVar(&p.decided, "reports", 100_000, "decided reports (approved, rejected, merged); those decided before the retention period have no text left")
	fl.IntVar(&p.pending, "pending", 500, "reports waiting in the moderation queue")
	fl.IntVar(&p.audit, "audit", 1_000_000, "audit log entries")
	fl.IntVar(&p.subscriptions, "subscriptions", 100_000, "push subscriptions (endpoints on push.example.test, which nothing answers)")
	fl.Float64Var(&p.years, "years", 5, "how far back the history goes, in years; records are spread evenly over it")
	fl.IntVar(&p.retentionDays, "retention-days", 30, "reports decided longer ago than this have had their text purged (HEADSUP_RETENTION_DAYS)")
	fl.StringVar(&p.admin, "admin", "bench-admin", "`NAME` of the admin account benchmarks sign in with")
	fl.StringVar(&p.adminPassword, "admin-password", "", "its password (empty: a random one, printed)")
	fl.StringVar(&p.adminTOTP, "admin-totp", "", "its enrolled TOTP secret, base32 (empty: a random one, printed)")
	fl.StringVar(&p.knownPhone, "known-phone", "202-555-0147", "a phone number named (checkable) in one current bad-date alert and a few expired ones, for POST /api/v1/check")
	fl.Uint64Var(&p.randSeed, "rand-seed", 1, "seed of the pseudo-random choices (ids, keys and secrets are always random)")
	if err := fl.Parse(args); err != nil {
		return o, err
	}
	if fl.NArg() > 0 {
		return o, usageError{"unexpected argument " + fl.Arg(0) + "; see seed -h"}
	}
	switch {
	case p.current > p.alerts:
		return o, usageError{"-current cannot be more than -alerts"}
	case p.alerts < 0 || p.current < 0 || p.decided < 0 || p.pending < 0 || p.audit < 0 || p.subscriptions < 0:
		return o, usageError{"counts cannot be negative"}
	case p.years <= 0:
		return o, usageError{"-years must be more than 0"}
	case o.batch < 1:
		return o, usageError{"-batch must be at least 1"}
	case o.synchronous != "FULL" && o.synchronous != "NORMAL":
		return o, usageError{"-synchronous must be FULL or NORMAL"}
	}
	if o.writers == 0 {
		o.writers = 1
		if o.mongoURI != "" {
			o.writers = 4
		}
	}
	if p.adminPassword == "" {
		p.adminPassword = randomHex(12)
	}
	if p.adminTOTP == "" {
		p.adminTOTP = newTOTPSecret()
	}
	return o, nil
}

func cmpEnv(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	st, where, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			_ = st.Close(context.Background())
		}
	}()
	empty, err := st.Empty(ctx)
	if err != nil {
		return fmt.Errorf("check that %s is empty: %w", where, err)
	}
	if !empty && !o.force {
		return fmt.Errorf("%s already holds data; seed an empty one, or add -force to write on top of it", where)
	}
	fmt.Fprintf(stdout, "seeding %s (%s)\n", where, o.plan.summary())

	h, err := newHistory(ctx, st, &o.plan)
	if err != nil {
		return err
	}
	w := &writer{st: st, batch: o.batch, writers: o.writers, out: stdout}
	for _, c := range h.collections() {
		if err := w.write(ctx, c); err != nil {
			return err
		}
	}
	if err := st.Close(ctx); err != nil {
		return fmt.Errorf("close %s: %w", where, err)
	}
	closed = true

	fmt.Fprintf(stdout, "done: %d records in %.1fs", w.total, time.Since(start).Seconds())
	if o.mongoURI == "" {
		size, err := folderSize(o.dataDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "; data folder %s: %.1f MB", o.dataDir, float64(size)/1e6)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "admin account: name %s, password %s, TOTP secret %s\n", o.plan.admin, o.plan.adminPassword, o.plan.adminTOTP)
	fmt.Fprintf(stdout, "checkable phone in a current alert: %s\n", o.plan.knownPhone)
	return nil
}

// openStore opens the engine the flags name. The embedded database goes where headsup serve
// looks for it, so a server started on the same folder serves the seeded history.
func openStore(ctx context.Context, o options) (store.Store, string, error) {
	if o.mongoURI != "" {
		s, err := mongodb.Open(ctx, o.mongoURI, o.database)
		if err != nil {
			return nil, "", fmt.Errorf("open MongoDB: %w", err)
		}
		return s, "MongoDB database " + o.database, nil
	}
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("create data folder: %w", err)
	}
	path := filepath.Join(o.dataDir, "headsup.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: o.synchronous})
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", path, err)
	}
	return s, path, nil
}

// folderSize adds up the files in dir: the database, its write-ahead log if one is left and the
// key files, which is what an operator has to keep and back up.
func folderSize(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// summary says in one line what the plan writes.
func (p *plan) summary() string {
	return strings.Join([]string{
		fmt.Sprintf("%d alerts of which %d current", p.alerts, p.current),
		fmt.Sprintf("%d decided and %d pending reports", p.decided, p.pending),
		fmt.Sprintf("%d audit entries", p.audit),
		fmt.Sprintf("%d subscriptions", p.subscriptions),
		fmt.Sprintf("over %g years", p.years),
	}, ", ")
}
