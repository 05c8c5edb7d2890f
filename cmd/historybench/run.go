package main

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// rounds is how many alternating slices each route's measurement is split into, so that
// whatever else the machine does at some moment weighs on both folders alike.
const rounds = 5

// run seeds, serves and measures, prints the tables to out and returns the missed targets.
func run(ctx context.Context, o options, out io.Writer) ([]string, error) {
	work := o.work
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "historybench-"); err != nil {
			return nil, err
		}
		if !o.keep {
			defer os.RemoveAll(work)
		}
	}
	if o.keep || o.work != "" {
		logf("data folders and server logs in %s", work)
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return nil, err
		}
	}
	fresh := &server{name: "fresh", dir: filepath.Join(work, "fresh")}
	full := &server{name: "full", dir: filepath.Join(work, "full")}
	for _, s := range []*server{fresh, full} {
		if _, err := os.Stat(s.dir); err == nil {
			return nil, fmt.Errorf("%s exists; give an empty -work folder", s.dir)
		}
	}
	for _, s := range []*server{fresh, full} {
		logf("seeding the %s folder...", s.name)
		if err := seedFolder(ctx, o, s, s == full); err != nil {
			return nil, err
		}
		for _, line := range s.seedLines {
			logf("  %s", line)
		}
	}
	// Both servers run from here on; whatever happens, they stop.
	defer fresh.stop()
	defer full.stop()
	for _, s := range []*server{fresh, full} {
		logf("starting the server on the %s folder...", s.name)
		if err := s.start(o.bin, work); err != nil {
			return nil, err
		}
		if err := s.signIn("bench-admin", o.adminPassword, o.adminTOTP); err != nil {
			return nil, err
		}
		if err := s.findAlert(checkBody(knownPhone), checkBody(missPhone)); err != nil {
			return nil, err
		}
		logf("  ready in %.2fs at %s (admin listener %s)", s.startup.Seconds(), s.url, s.adminURL)
	}

	fmt.Fprintf(out, "# historybench, %s\n\n%s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), describe(o.bin))
	var problems []string
	if o.phases["latency"] {
		lat, err := measureLatency(ctx, o, fresh, full)
		if err != nil {
			return nil, err
		}
		problems = append(problems, printLatency(out, o, lat)...)
	}
	if o.phases["surge"] {
		surge, err := measureSurge(ctx, o, full)
		if err != nil {
			return nil, err
		}
		problems = append(problems, printSurge(out, o, surge)...)
	}
	if o.phases["intake"] { // last: it adds reports to the full folder
		intake, err := measureIntake(ctx, o, full)
		if err != nil {
			return nil, err
		}
		problems = append(problems, printIntake(out, o, intake)...)
	}
	problems = append(problems, printFolders(out, o, fresh, full)...)
	return problems, nil
}

// latency is one route's figures on both folders, over all rounds and per round.
type latency struct {
	fresh, full result
	ratios      []float64 // p99 full/fresh of each round
}

// roundRatio is the median of the rounds' p99 ratios, on which the verdict rests. On a shared
// machine a burst of other work lands in one slice and can double that slice's p99: the ratio
// over all requests then moves with it, while the median of the rounds does not. A cost that
// grows with the history is there in every round, so the median keeps it.
func (l latency) roundRatio() float64 {
	r := slices.Clone(l.ratios)
	slices.Sort(r)
	if len(r) == 0 {
		return 0
	}
	return r[len(r)/2]
}

// measureLatency measures every route on the fresh folder and then the full one, in
// alternating rounds, so that each pair is taken in the same minute.
func measureLatency(ctx context.Context, o options, fresh, full *server) ([]latency, error) {
	lat := make([]latency, len(routes))
	for i, rt := range routes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		logf("latency: %s...", rt.name)
		for _, s := range []*server{fresh, full} { // warm-up: caches, connections
			measure(s.url, o.clients, o.duration/10, func(int) request { return rt.on(s) })
		}
		// The full server's profile spans all rounds; it is idle while the fresh one works.
		wait := full.maybeProfile(o, rt.name, 2*o.duration)
		var fr, fu []result
		for r := range rounds {
			// Which folder goes first alternates too, so that neither always follows the other.
			for k := range 2 {
				if (r+k)%2 == 0 {
					fr = append(fr, measure(fresh.url, o.clients, o.duration/rounds, func(int) request { return rt.on(fresh) }))
				} else {
					fu = append(fu, measure(full.url, o.clients, o.duration/rounds, func(int) request { return rt.on(full) }))
				}
			}
		}
		if err := <-wait; err != nil {
			logf("  profile: %v", err)
		}
		lat[i] = latency{fresh: merge(fr...), full: merge(fu...)}
		for r := range fr {
			lat[i].ratios = append(lat[i].ratios, float64(fu[r].percentile(0.99))/float64(max(fr[r].percentile(0.99), 1)))
		}
	}
	return lat, nil
}

func printLatency(out io.Writer, o options, lat []latency) []string {
	var problems []string
	fmt.Fprintf(out, "\n## Latency: %d clients, %s per route and folder in %d alternating rounds; fresh = %d days of history, full = %d years\n\n", o.clients, o.duration, rounds, o.baselineDays, fullYears)
	fmt.Fprintf(out, "Target: p99 full/fresh ≤ %.1f, judged on the median of the rounds' ratios.\n\n", maxLatencyRatio)
	fmt.Fprintln(out, "| route | fresh p50 ms | fresh p99 ms | full p50 ms | full p99 ms | p99 full/fresh | median of rounds | requests fresh/full | |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for i, rt := range routes {
		f, g := lat[i].fresh, lat[i].full
		ratio := float64(g.percentile(0.99)) / float64(max(f.percentile(0.99), 1))
		verdict := "ok"
		if r := lat[i].roundRatio(); r > maxLatencyRatio {
			verdict = "MISSED"
			problems = append(problems, fmt.Sprintf("%s: p99 full/fresh %.2f > %.1f (median of %d rounds; %.1f ms against %.1f ms over all)", rt.name, r, maxLatencyRatio, rounds, ms(g.percentile(0.99)), ms(f.percentile(0.99))))
		}
		for _, r := range []struct {
			name string
			res  result
		}{{"fresh", f}, {"full", g}} {
			if r.res.errors() > 0 {
				verdict = "ERRORS"
				problems = append(problems, fmt.Sprintf("%s on the %s folder: unexpected answers %s", rt.name, r.name, r.res.wrongString()))
			}
		}
		fmt.Fprintf(out, "| %s | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %d/%d | %s |\n", rt.name,
			ms(f.percentile(0.5)), ms(f.percentile(0.99)), ms(g.percentile(0.5)), ms(g.percentile(0.99)), ratio, lat[i].roundRatio(), f.n, g.n, verdict)
	}
	return problems
}

// surgeRoute is one route of the surge and what it sustained.
type surgeRoute struct {
	name string
	rq   request
	res  result
}

// measureSurge measures the pages people open after a push, on the full folder, against
// /healthz (HTTP alone, on this machine, now) with the same clients.
func measureSurge(ctx context.Context, o options, full *server) ([]surgeRoute, error) {
	surge := []surgeRoute{
		{name: "GET /healthz", rq: request{method: "GET", path: "/healthz", want: 200}},
		{name: "GET /alerts/{id}", rq: request{method: "GET", path: "/alerts/" + full.alertID, want: 200}},
		{name: "GET /", rq: request{method: "GET", path: "/", want: 200}},
	}
	for i := range surge {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		logf("surge: %s from %d clients...", surge[i].name, o.surgeClients)
		measure(full.url, o.surgeClients, o.duration/10, func(int) request { return surge[i].rq })
		wait := full.maybeProfile(o, "surge "+surge[i].name, o.duration)
		surge[i].res = measure(full.url, o.surgeClients, o.duration, func(int) request { return surge[i].rq })
		if err := <-wait; err != nil {
			logf("  profile: %v", err)
		}
	}
	return surge, nil
}

func printSurge(out io.Writer, o options, surge []surgeRoute) []string {
	var problems []string
	fmt.Fprintf(out, "\n## Surge on the full folder: %d clients, %s each\n\n", o.surgeClients, o.duration)
	fmt.Fprintln(out, "| route | requests/s | p50 ms | p99 ms | ratio to /healthz | |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | --- |")
	base := surge[0].res.rate()
	for i, s := range surge {
		ratio := s.res.rate() / max(base, 1e-9)
		verdict := ""
		if i > 0 {
			verdict = "ok"
			if ratio < minSurgeRatio {
				verdict = "MISSED"
				problems = append(problems, fmt.Sprintf("surge %s: %.0f/s is %.2f× /healthz (%.0f/s), under %.2f", s.name, s.res.rate(), ratio, base, minSurgeRatio))
			}
		}
		if s.res.errors() > 0 {
			verdict = "ERRORS"
			problems = append(problems, fmt.Sprintf("surge %s: unexpected answers %s", s.name, s.res.wrongString()))
		}
		fmt.Fprintf(out, "| %s | %.0f | %.1f | %.1f | %.2f | %s |\n", s.name, s.res.rate(), ms(s.res.percentile(0.5)), ms(s.res.percentile(0.99)), ratio, verdict)
	}
	return problems
}

// measureIntake submits o.intake reports with solved proofs to the full folder.
func measureIntake(ctx context.Context, o options, full *server) (result, error) {
	logf("intake: solving %d proofs of work...", o.intake)
	t0 := time.Now()
	reqs, err := intakeRequests(full, o.intake)
	if err != nil {
		return result{}, err
	}
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	logf("  solved in %.1fs; submitting from %d clients...", time.Since(t0).Seconds(), o.clients)
	wait := full.maybeProfile(o, "intake", time.Duration(float64(o.intake)/minIntakeRate*float64(time.Second)))
	res := measureEach(full.url, o.clients, reqs)
	if err := <-wait; err != nil {
		logf("  profile: %v", err)
	}
	return res, nil
}

func printIntake(out io.Writer, o options, intake result) []string {
	var problems []string
	accepted := intake.n - intake.errors()
	rate := float64(accepted) / intake.elapsed.Seconds()
	fmt.Fprintf(out, "\n## Intake on the full folder: %d reports with solved proofs of work, %d clients\n\n", o.intake, o.clients)
	fmt.Fprintln(out, "| accepted | accepted/s | p50 ms | p99 ms | |")
	fmt.Fprintln(out, "| ---: | ---: | ---: | ---: | --- |")
	if rate < minIntakeRate {
		problems = append(problems, fmt.Sprintf("intake: %.0f accepted/s, under %d", rate, minIntakeRate))
	}
	if p := intake.percentile(0.99); p >= maxIntakeP99 {
		problems = append(problems, fmt.Sprintf("intake: p99 %.1f ms, not under %d ms", ms(p), maxIntakeP99.Milliseconds()))
	}
	if intake.errors() > 0 {
		problems = append(problems, "intake: reports not accepted: "+intake.wrongString())
	}
	verdict := "ok"
	if len(problems) > 0 {
		verdict = "MISSED"
	}
	fmt.Fprintf(out, "| %d/%d | %.0f | %.1f | %.1f | %s |\n", accepted, intake.n, rate, ms(intake.percentile(0.5)), ms(intake.percentile(0.99)), verdict)
	return problems
}

func printFolders(out io.Writer, o options, fresh, full *server) []string {
	var problems []string
	fmt.Fprintf(out, "\n## Data folders\n\n")
	fmt.Fprintln(out, "| folder | seeding s | size MB | start-up to /readyz s | |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | --- |")
	for _, s := range []*server{fresh, full} {
		verdict := ""
		if s == full && o.scale == 1 {
			verdict = "ok"
			if s.seedTime > maxSeedTime {
				verdict = "MISSED"
				problems = append(problems, fmt.Sprintf("seeding the full history took %.0fs, more than %.0fs", s.seedTime.Seconds(), maxSeedTime.Seconds()))
			}
		}
		fmt.Fprintf(out, "| %s | %.1f | %.1f | %.2f | %s |\n", s.name, s.seedTime.Seconds(), float64(s.sizeBytes)/1e6, s.startup.Seconds(), verdict)
	}
	return problems
}

// describe says what was measured on what: the binary's commit (from its build information)
// and the machine's cores, so that a table pasted into the docs carries its context.
func describe(bin string) string {
	rev := ""
	if info, err := buildinfo.ReadFile(bin); err == nil {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && len(s.Value) >= 7:
				rev = "commit " + s.Value[:7] + rev
			case s.Key == "vcs.modified" && s.Value == "true":
				rev += " with uncommitted changes"
			}
		}
	}
	if !strings.HasPrefix(rev, "commit") {
		// Built with -buildvcs=false: the working tree is the best guess, and said to be one.
		rev = "unstamped binary"
		if head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
			rev += "; working tree at commit " + strings.TrimSpace(string(head))
			if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
				rev += " with uncommitted changes"
			}
		}
	}
	return fmt.Sprintf("headsup: %s; %s, %d cores (shared by the servers and the clients)", rev, runtime.Version(), runtime.NumCPU())
}

// maybeProfile records the server's CPU profile for d when -cpuprofile is set; the returned
// channel yields once the profile is saved (at once when not profiling).
func (s *server) maybeProfile(o options, name string, d time.Duration) <-chan error {
	if o.profileDir == "" {
		done := make(chan error, 1)
		done <- nil
		return done
	}
	return s.profile(filepath.Join(o.profileDir, slug(name)+".pprof"), d)
}
