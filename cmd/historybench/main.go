// Command historybench measures whether Heads Up stays fast after years of history, on the
// embedded database. It seeds two data folders with cmd/seed, starts a built headsup binary on
// each, both running at once so that every comparison is made in the same minute of the same
// run (the machine is noisy; only same-run ratios mean much), and measures:
//
//   - latency: p50 and p99 of each public page, the JSON API, the identifier check and the
//     moderation pages (queue, audit log filtered by action, statistics) from 16 closed-loop
//     clients, on the fresh folder and the full one in alternating rounds; target p99 full ≤
//     1.5× fresh (the median of the rounds' ratios, which a burst of other work on the machine
//     during one round does not move);
//   - the surge: requests/s of GET /alerts/{id} and GET / from 64 clients on the full folder,
//     against GET /healthz with the same clients; target ≥ 0.25× /healthz;
//   - intake: reports with solved proofs of work accepted per second, and their p99, from 16
//     clients on the full folder (100,000 reports stored); targets ≥ 1,000/s, p99 < 100 ms;
//   - the size of each data folder and the server's start-up time on it (process start to the
//     first 200 from /readyz), and how long seeding the full history took (target < 2 min).
//
// "Fresh" is the same service young: the same current alerts, pending queue, subscriptions and
// accounts, and -baseline-days of history at the same daily rates (so the statistics window
// and the first page of every audit filter hold as much as on the full folder); "full" is the
// whole default history (five years). Their ratio is the cost of the years alone.
//
//	go build -o /tmp/headsup ./cmd/headsup && go build -o /tmp/seed ./cmd/seed
//	go run ./cmd/historybench -bin /tmp/headsup -seed /tmp/seed
//
// It exits 1 when a target is missed (each is named), unless -report-only.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Targets of issue 11.
const (
	maxLatencyRatio = 1.5
	minSurgeRatio   = 0.25
	minIntakeRate   = 1000
	maxIntakeP99    = 100 * time.Millisecond
	maxSeedTime     = 2 * time.Minute
)

// The full history's default size, as the seed writes it.
const (
	fullAlerts        = 100_000
	currentAlerts     = 100
	fullReports       = 100_000
	pendingReports    = 500
	fullAudit         = 1_000_000
	fullSubscriptions = 100_000
	fullYears         = 5
)

// Identifiers /check looks up: one a current seeded alert names, and one nothing names (the
// seed never makes 555 numbers but this one).
const (
	knownPhone = "202-555-0147"
	missPhone  = "202-555-0199"
)

type options struct {
	bin, seed     string
	work          string
	keep          bool
	duration      time.Duration
	clients       int
	surgeClients  int
	intake        int
	baselineDays  int
	scale         float64
	profileDir    string
	reportOnly    bool
	adminPassword string
	adminTOTP     string
	phases        map[string]bool
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "historybench:", err)
		os.Exit(2)
	}
	// On either signal the measurement stops and the deferred stops end both servers.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	problems, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "historybench:", err)
		os.Exit(1)
	}
	if len(problems) == 0 {
		fmt.Println("\nPASS: every target met")
		return
	}
	fmt.Println("\nMISSED:")
	for _, p := range problems {
		fmt.Println("  -", p)
	}
	if !o.reportOnly {
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fl := flag.NewFlagSet("historybench", flag.ContinueOnError)
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), `Usage: historybench -bin HEADSUP -seed SEED [flags]

Seeds a fresh and a full (five years) data folder, serves both with the headsup binary at
once, and compares page latencies, the click-through surge, report intake, folder sizes and
start-up times in the same run. Build the binaries first:

  go build -o /tmp/headsup ./cmd/headsup && go build -o /tmp/seed ./cmd/seed
  go run ./cmd/historybench -bin /tmp/headsup -seed /tmp/seed

Exits 1 when a target is missed, unless -report-only. Flags:
`)
		fl.PrintDefaults()
	}
	fl.StringVar(&o.bin, "bin", "", "path to a built headsup binary (required)")
	fl.StringVar(&o.seed, "seed", "", "path to a built seed binary, from ./cmd/seed (required)")
	fl.StringVar(&o.work, "work", "", "folder for the two data folders and the server logs (default: a new temporary folder, removed at the end unless -keep)")
	fl.BoolVar(&o.keep, "keep", false, "keep the data folders and logs")
	fl.DurationVar(&o.duration, "duration", 5*time.Second, "how long each route is measured on each folder")
	fl.IntVar(&o.clients, "clients", 16, "concurrent clients for latencies and intake")
	fl.IntVar(&o.surgeClients, "surge-clients", 64, "concurrent clients for the surge")
	fl.IntVar(&o.intake, "intake", 4000, "reports submitted in the intake measurement (each needs a solved proof of work)")
	fl.IntVar(&o.baselineDays, "baseline-days", 91, "days of history in the fresh folder, at the full history's rates (0: only the current state)")
	fl.Float64Var(&o.scale, "scale", 1, "fraction of the full history to seed, for a quick run (targets assume 1)")
	fl.StringVar(&o.profileDir, "cpuprofile", "", "save the full server's CPU profile during each measurement into this `DIR` (one file per route)")
	phases := fl.String("phases", "latency,surge,intake", "which measurements to make, comma-separated (folder sizes and start-up times always)")
	fl.BoolVar(&o.reportOnly, "report-only", false, "print the figures and exit 0 even when a target is missed")
	if err := fl.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.bin == "" || o.seed == "":
		return o, errors.New("-bin and -seed are required; build them with: go build -o /tmp/headsup ./cmd/headsup && go build -o /tmp/seed ./cmd/seed")
	case fl.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fl.Arg(0))
	case o.duration <= 0 || o.clients < 1 || o.surgeClients < 1 || o.intake < 1:
		return o, errors.New("-duration, -clients, -surge-clients and -intake must be positive")
	case o.scale <= 0 || o.scale > 1 || o.baselineDays < 0 || float64(o.baselineDays) > fullYears*365:
		return o, errors.New("-scale must be in (0, 1] and -baseline-days within the five years")
	}
	o.phases = map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		switch p = strings.TrimSpace(p); p {
		case "latency", "surge", "intake":
			o.phases[p] = true
		case "":
		default:
			return o, fmt.Errorf("-phases: unknown phase %q; use latency, surge and intake", p)
		}
	}
	for _, p := range []*string{&o.bin, &o.seed} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return o, err
		}
		if _, err := os.Stat(abs); err != nil {
			return o, err
		}
		*p = abs
	}
	secret := make([]byte, 20)
	_, _ = rand.Read(secret)
	o.adminTOTP = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	o.adminPassword = hex.EncodeToString(secret[:12])
	return o, nil
}

// seedArgs are the seed's flags for the full history, or for the fresh folder: the same
// current state, and baselineDays of history at the same daily rates.
func (o options) seedArgs(dir string, full bool) []string {
	count := func(n int) int { return int(math.Round(float64(n) * o.scale)) }
	years := float64(fullYears)
	alerts, reports, audit := count(fullAlerts), count(fullReports), count(fullAudit)
	if !full {
		frac := float64(o.baselineDays) / (fullYears * 365.25)
		years = max(float64(o.baselineDays)/365.25, 1.0/365.25)
		alerts, reports, audit = int(math.Round(float64(alerts)*frac)), int(math.Round(float64(reports)*frac)), int(math.Round(float64(audit)*frac))
	}
	return []string{"-data", dir,
		"-alerts", strconv.Itoa(max(alerts, currentAlerts)), "-current", strconv.Itoa(currentAlerts),
		"-reports", strconv.Itoa(reports), "-pending", strconv.Itoa(pendingReports),
		"-audit", strconv.Itoa(audit), "-subscriptions", strconv.Itoa(count(fullSubscriptions)),
		"-years", strconv.FormatFloat(years, 'f', -1, 64),
		"-admin", "bench-admin", "-admin-password", o.adminPassword, "-admin-totp", o.adminTOTP,
		"-known-phone", knownPhone,
	}
}

func seedFolder(ctx context.Context, o options, s *server, full bool) error {
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, o.seed, o.seedArgs(s.dir, full)...)
	out, err := cmd.CombinedOutput()
	s.seedTime = time.Since(t0)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(line, "admin account:") { // a password in the terminal helps nobody
			s.seedLines = append(s.seedLines, line)
		}
	}
	if err != nil {
		return fmt.Errorf("seed %s: %v\n%s", s.name, err, out)
	}
	s.sizeBytes, err = folderSize(s.dir)
	return err
}

func folderSize(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			total += info.Size()
		}
		return err
	})
	return total, err
}

func checkBody(value string) []byte {
	b, _ := json.Marshal(map[string]string{"type": "phone", "value": value})
	return b
}

// route is one measured page or call; path may hold {id}, the server's current alert.
type route struct {
	name   string
	method string
	path   string
	body   []byte
	signed bool // needs the admin's session
}

var routes = []route{
	{name: "GET /", method: "GET", path: "/"},
	{name: "GET /alerts", method: "GET", path: "/alerts"},
	{name: "GET /alerts/{id}", method: "GET", path: "/alerts/{id}"},
	{name: "GET /api/v1/alerts", method: "GET", path: "/api/v1/alerts"},
	{name: "GET /alerts.atom", method: "GET", path: "/alerts.atom"},
	{name: "GET /sheet", method: "GET", path: "/sheet"},
	{name: "POST /api/v1/check (named)", method: "POST", path: "/api/v1/check", body: checkBody(knownPhone)},
	{name: "POST /api/v1/check (not named)", method: "POST", path: "/api/v1/check", body: checkBody(missPhone)},
	{name: "review queue", method: "GET", path: "/moderation/queue", signed: true},
	// A common action and a rare one: a rare one finds a page of entries only by reading far
	// back, which is where a missing index shows.
	{name: "audit log, action=approve", method: "GET", path: "/moderation/admin/audit?action=approve", signed: true},
	{name: "audit log, action=alert_retract", method: "GET", path: "/moderation/admin/audit?action=alert_retract", signed: true},
	{name: "statistics", method: "GET", path: "/moderation/admin/stats", signed: true},
}

func (rt route) on(s *server) request {
	rq := request{method: rt.method, path: strings.ReplaceAll(rt.path, "{id}", s.alertID), body: rt.body, want: 200}
	if rt.signed {
		rq.cookie = s.cookie
	}
	return rq
}

func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// logf prints progress to stderr, so that stdout holds only the figures.
func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
