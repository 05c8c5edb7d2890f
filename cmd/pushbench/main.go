// Command pushbench measures the push fan-out end to end: N subscriptions in the embedded
// database, one alert, and the fake push service (cmd/fakepush) in a separate process on
// loopback over HTTPS and HTTP/2. For each -delays setting it reports
//
//   - bare webpush-go loop: webpush.SendNotification over the same subscriptions, with the same
//     HTTP client and concurrency, and no database (the baseline issue #4 names);
//   - bare Heads Up sender: the same loop through push.Sender, which the dispatcher uses (it
//     signs one VAPID token per push service instead of one per message), still no database;
//   - dispatcher: from EnqueueDelivery to the fake's last 201, through push.Dispatcher;
//
// and the dispatcher's ratio to each (the second ratio is what the database and the
// dispatcher's bookkeeping cost), plus the peak heap in use during the dispatcher run (run it with -n 10000
// and -n 100000 to see that memory does not grow with the number of subscriptions).
//
//	go run ./cmd/pushbench -n 100000 -delays 0s,100ms
//
// The fake derives and caches each subscription's key on first contact, so an untimed warm-up
// pass runs first and every timed pass finds it warm. It is a benchmark, not a test: it prints
// figures and judges nothing.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/headsup/headsup/push"
	"github.com/headsup/headsup/push/pushtest"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/sqlite"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pushbench:", err)
		os.Exit(1)
	}
}

type config struct {
	n                         int
	delays                    []time.Duration
	workers, batch, pipeline  int
	fakepush, dir, cpuprofile string
	skipBare, skipWarm        bool
	rounds                    int
	memprofile                string
	fakeCPUProfile            string
}

func run() error {
	var c config
	var delays string
	flag.IntVar(&c.n, "n", 100_000, "subscriptions")
	flag.StringVar(&delays, "delays", "0s,100ms", "comma-separated answer delays of the fake push service, one run each")
	flag.IntVar(&c.workers, "workers", 0, "dispatcher workers and bare-loop concurrency (0 = batch × pipeline)")
	flag.IntVar(&c.batch, "batch", 500, "dispatcher batch")
	flag.IntVar(&c.pipeline, "pipeline", 3, "dispatcher batches in flight")
	flag.StringVar(&c.fakepush, "fakepush", "", "fakepush binary (empty = go build ./cmd/fakepush)")
	flag.StringVar(&c.dir, "dir", "", "data folder for the embedded database (empty = a temporary one)")
	flag.BoolVar(&c.skipBare, "skip-bare", false, "skip the bare loops")
	flag.BoolVar(&c.skipWarm, "skip-warmup", false, "skip the untimed warm-up pass")
	flag.IntVar(&c.rounds, "rounds", 1, "alternate bare and dispatcher runs this many times per setting (the machine may be shared: compare pairs)")
	flag.StringVar(&c.memprofile, "memprofile", "", "write a heap profile halfway through the (last) dispatcher run to this file")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the (last) dispatcher run to this file")
	flag.StringVar(&c.fakeCPUProfile, "fake-cpuprofile", "", "write a CPU profile of the fake push service (each setting's whole run) to this file")
	flag.Parse()
	for _, d := range strings.Split(delays, ",") {
		v, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return fmt.Errorf("-delays: %w", err)
		}
		c.delays = append(c.delays, v)
	}
	if c.workers == 0 {
		c.workers = c.batch * c.pipeline
	}
	tmp, err := os.MkdirTemp("", "pushbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if c.fakepush == "" {
		c.fakepush = filepath.Join(tmp, "fakepush")
		build := exec.Command("go", "build", "-o", c.fakepush, "./cmd/fakepush")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building fakepush (run from the module root or pass -fakepush): %w", err)
		}
	}
	if c.dir == "" {
		c.dir = filepath.Join(tmp, "data")
	}
	// One fixed port for every fake, so the stored endpoints stay valid across settings.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	baseURL := "https://" + addr
	seed := []byte("pushbench")

	ctx := context.Background()
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	// As cmd/headsup opens the embedded database: synchronous FULL, so the checkpoints the
	// dispatcher writes cost what they cost in production.
	st, err := sqlite.Open(ctx, filepath.Join(c.dir, "headsup.db"), sqlite.Options{Synchronous: "FULL"})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())

	fmt.Printf("pushbench: %d subscriptions, workers %d, batch %d, pipeline %d, GOMAXPROCS %d, %s\n",
		c.n, c.workers, c.batch, c.pipeline, runtime.GOMAXPROCS(0), runtime.Version())
	start := time.Now()
	subs := make([]webpush.Subscription, c.n)
	for from := 0; from < c.n; from += 1000 {
		chunk := make([]store.Subscription, 0, 1000)
		for i := from; i < min(from+1000, c.n); i++ {
			s := pushtest.SubscriptionFor(baseURL, seed, i)
			subs[i] = webpush.Subscription{Endpoint: s.Endpoint, Keys: webpush.Keys{P256dh: s.P256dh, Auth: s.Auth}}
			chunk = append(chunk, store.Subscription{Endpoint: s.Endpoint, P256dh: s.P256dh, Auth: s.Auth, TokenHash: "bench",
				Kinds: report.Kinds, Areas: []string{"ward-1", "ward-6"}, MinSeverity: report.SeverityInfo, Discreet: i%2 == 0, Lang: []string{"en", "es"}[i%2]})
		}
		if err := st.InsertSubscriptions(ctx, chunk); err != nil {
			return err
		}
	}
	fmt.Printf("inserted %d subscriptions in %v (before any clock starts)\n", c.n, time.Since(start).Round(time.Millisecond))

	for _, delay := range c.delays {
		if err := c.runSetting(ctx, st, subs, addr, seed, delay); err != nil {
			return err
		}
	}
	return nil
}

// fake is a running cmd/fakepush process.
type fake struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client // trusts the fake's certificate; the tuned push client
}

func startFake(bin, addr string, seed []byte, delay time.Duration, dir, cpuProfile string) (*fake, error) {
	cert := filepath.Join(dir, "cert.pem")
	os.Remove(cert)
	args := []string{"-addr", addr, "-cert", cert, "-seed", string(seed), "-no-payloads", "-delay", delay.String()}
	if cpuProfile != "" {
		args = append(args, "-cpuprofile", cpuProfile)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("fakepush did not start: %w", err)
	}
	go io.Copy(io.Discard, out)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "fakepush listening on ")
	if !ok {
		cmd.Process.Kill()
		return nil, fmt.Errorf("fakepush said %q", line)
	}
	pemBytes, err := os.ReadFile(cert)
	if err != nil {
		cmd.Process.Kill()
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	return &fake{cmd: cmd, url: url, client: push.NewHTTPClient(&tls.Config{RootCAs: pool})}, nil
}

func (f *fake) stop() {
	f.client.CloseIdleConnections()
	f.cmd.Process.Signal(os.Interrupt)
	f.cmd.Wait()
}

func (f *fake) stats() (pushtest.Stats, error) {
	var s pushtest.Stats
	resp, err := f.client.Get(f.url + "/stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func (f *fake) reset() error {
	resp, err := f.client.Post(f.url+"/reset", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// waitCount polls the fake until it has accepted want messages and returns when it saw that.
func (f *fake) waitCount(want int, timeout time.Duration) (time.Time, pushtest.Stats, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := f.stats()
		if err == nil && s.Count >= want {
			return time.Now(), s, nil
		}
		if time.Now().After(deadline) {
			return time.Now(), s, fmt.Errorf("only %d of %d accepted after %v (rejected %v)", s.Count, want, timeout, s.Rejected)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *config) runSetting(ctx context.Context, st store.Store, subs []webpush.Subscription, addr string, seed []byte, delay time.Duration) error {
	f, err := startFake(c.fakepush, addr, seed, delay, filepath.Dir(c.dir), c.fakeCPUProfile)
	if err != nil {
		return err
	}
	defer f.stop()
	fmt.Printf("\n== fake push service answers after %v (separate process, %s, HTTP/2)\n", delay, f.url)
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		return err
	}
	timeout := time.Duration(len(subs))*time.Millisecond + 5*time.Minute

	payload := []byte(`{"id":"AAAAAAAAAAAAAAAAAAAAAA","kind":"drug_alert","severity":"danger","title":"Pressed pills sold as oxy contain fentanyl","body":"Several overdoses reported. Carry naloxone, do not use alone, test your supply.","url":"https://alerts.example.org/alerts/AAAAAAAAAAAAAAAAAAAAAA"}`)
	// bareLoop sends to every subscription from c.workers goroutines with no database, through
	// send, which returns the response or an error.
	bareLoop := func(send func(i int) (*http.Response, error)) (time.Duration, error) {
		if err := f.reset(); err != nil {
			return 0, err
		}
		var next atomic.Int64
		var firstErr atomic.Value
		var wg sync.WaitGroup
		start := time.Now()
		for range c.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(subs) {
						return
					}
					resp, err := send(i)
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		if s, err := f.stats(); err != nil || s.Count != len(subs) {
			return took, fmt.Errorf("bare loop: fake accepted %d of %d (%v, first error %v)", s.Count, len(subs), err, firstErr.Load())
		}
		return took, nil
	}
	webpushGo := func() (time.Duration, error) {
		return bareLoop(func(i int) (*http.Response, error) {
			// webpush-go appends its padding to the slice it is given: a copy per call.
			return webpush.SendNotification(append([]byte(nil), payload...), &subs[i], &webpush.Options{
				HTTPClient: f.client, Subscriber: "ops@example.org", TTL: 3600, Urgency: webpush.UrgencyHigh,
				Topic: "AAAAAAAAAAAAAAAAAAAAAA", VAPIDPublicKey: keys.Public, VAPIDPrivateKey: keys.Private})
		})
	}
	sender := push.NewSender(f.client, keys, "mailto:ops@example.org")
	own := func() (time.Duration, error) {
		return bareLoop(func(i int) (*http.Response, error) {
			return sender.Send(context.Background(), push.Message{Endpoint: subs[i].Endpoint, P256dh: subs[i].Keys.P256dh,
				Auth: subs[i].Keys.Auth, Payload: payload, TTL: 3600, Urgency: "high", Topic: "AAAAAAAAAAAAAAAAAAAAAA"})
		})
	}
	bare := []bareRun{{"bare webpush-go loop", webpushGo}, {"bare Heads Up sender", own}}
	if !c.skipWarm {
		// Our own sender is the quicker warm-up: webpush-go's token per message would make the
		// fake verify 100,000 signatures before anything is timed.
		took, err := own()
		if err != nil {
			return err
		}
		fmt.Printf("warm-up (untimed; the fake derives each subscription's key once): %v\n", took.Round(time.Millisecond))
	}
	for round := 1; round <= c.rounds; round++ {
		if c.rounds > 1 {
			fmt.Printf("-- round %d\n", round)
		}
		if err := c.runRound(ctx, st, f, keys, bare, len(subs), timeout); err != nil {
			return err
		}
	}
	return nil
}

// bareRun is a baseline: a loop over the subscriptions with no database.
type bareRun struct {
	name string
	run  func() (time.Duration, error)
}

func (c *config) runRound(ctx context.Context, st store.Store, f *fake, keys push.VAPIDKeys, bare []bareRun, n int, timeout time.Duration) error {
	var bareRates, bareCPURates []float64
	for _, b := range bare {
		if c.skipBare {
			break
		}
		c0 := f.cpuTime()
		took, err := b.run()
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		c1 := f.cpuTime()
		rate := float64(n) / took.Seconds()
		fmt.Printf("%-22s %8.0f deliveries/s  (%d in %v, %d goroutines, no database; load average now %s)\n",
			b.name+":", rate, n, took.Round(time.Millisecond), c.workers, loadAverage())
		bareRates = append(bareRates, rate)
		bareCPURates = append(bareCPURates, cpuReport("bare      ", n, c0, c1))
	}

	if err := f.reset(); err != nil {
		return err
	}
	svc := push.New(push.Options{Store: st, Keys: keys, Subject: "mailto:ops@example.org",
		InsecureHosts: []string{"127.0.0.1"}, Areas: report.DefaultAreas(), BaseURL: "https://alerts.example.org",
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), HTTPClient: f.client})
	now := time.Now()
	a := &report.Alert{ID: report.NewID(), Version: 1, Kind: report.DrugAlert, Severity: report.SeverityDanger,
		Title: "Pressed pills sold as oxy contain fentanyl", Body: "Several overdoses reported. Carry naloxone, do not use alone, test your supply.",
		Areas: []string{"ward-6"}, IncidentDay: report.Day(now), Published: now, Updated: now,
		Expires: now.Add(14 * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 1}
	if err := st.CreateAlert(ctx, a); err != nil {
		return err
	}
	d := svc.NewDispatcher(push.DispatcherOptions{Workers: c.workers, Batch: c.batch, Pipeline: c.pipeline, Poll: 50 * time.Millisecond})
	dctx, cancel := context.WithCancel(ctx)
	d.Start(dctx)
	defer func() { cancel(); d.Stop() }()

	// Live heap (as of the last GC) is what grows if something keeps subscriptions; heap in
	// use also counts garbage not collected yet, which GOGC lets grow with the live heap.
	runtime.GC()
	liveBefore := liveHeap()
	var peakLive, peakInuse atomic.Uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peakInuse.Store(max(peakInuse.Load(), m.HeapInuse))
			peakLive.Store(max(peakLive.Load(), liveHeap()))
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()
	load0 := loadAverage()
	c0 := f.cpuTime()

	if c.cpuprofile != "" {
		pf, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	start := time.Now()
	if err := st.EnqueueDelivery(ctx, a.ID, a.Version, false); err != nil {
		return err
	}
	d.Wake()
	if c.memprofile != "" {
		if _, _, err := f.waitCount(n/2, timeout); err != nil {
			return err
		}
		runtime.GC()
		mf, err := os.Create(c.memprofile)
		if err != nil {
			return err
		}
		if err := pprof.WriteHeapProfile(mf); err != nil {
			return err
		}
		mf.Close()
	}
	last, stats, err := f.waitCount(n, timeout)
	c1 := f.cpuTime()
	close(stopSampling)
	<-sampled
	if err != nil {
		return err
	}
	took := last.Sub(start)
	rate := float64(n) / took.Seconds()
	fmt.Printf("dispatcher end to end: %8.0f deliveries/s  (%d in %v from enqueue to last 201; %d duplicates)\n",
		rate, n, took.Round(time.Millisecond), stats.Count-stats.Distinct)
	cpuRate := cpuReport("dispatcher", n, c0, c1)
	for i, b := range bare[:len(bareRates)] {
		fmt.Printf("ratio dispatcher / %s: %.2f wall clock, %.2f by CPU per delivery\n", b.name, rate/bareRates[i], cpuRate/bareCPURates[i])
	}
	fmt.Printf("live heap: %.1f MiB before, %.1f MiB at most during the fan-out (+%.1f MiB); heap in use at most %.1f MiB\n",
		mib(liveBefore), mib(peakLive.Load()), mib(peakLive.Load())-mib(liveBefore), mib(peakInuse.Load()))
	fmt.Printf("load average (1 min) %s at enqueue, %s at the last push\n", load0, loadAverage())
	for {
		job, err := st.Delivery(ctx, a.ID+".1")
		if err != nil {
			return err
		}
		if job.State == store.DeliveryDone {
			fmt.Printf("job: matched %d sent %d gone %d failed %d claims %d, done %v after enqueue\n",
				job.Total, job.Sent, job.Gone, job.Failed, job.Claims, job.Finished.Sub(start).Round(time.Millisecond))
			break
		}
		if time.Since(last) > time.Minute {
			return errors.New("job not done a minute after the last push: " + strconv.Quote(job.State))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// loadAverage is the 1-minute load average, to tell a quiet machine from a shared busy one.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}

// cpuTime is the CPU time used so far by this process (every thread, the embedded database
// included) and by the fake push service's process. On a shared machine wall-clock rates
// depend on what else runs; CPU time per delivery does not, so both are reported.
// The garbage collector's share of each is reported too: on two shared cores, a collector
// busy in one process slows the other.
func (f *fake) cpuTime() (c cpuSample) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	c.selfGC = time.Duration(pushtest.GCSeconds() * float64(time.Second))
	if s, err := f.stats(); err == nil {
		c.fakeGC = time.Duration(s.GCSeconds * float64(time.Second))
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", f.cmd.Process.Pid))
	if err != nil {
		return c
	}
	// Fields after the command name (which is in parentheses and may hold spaces).
	rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
	fields := strings.Fields(rest)
	if len(fields) > 12 {
		ut, _ := strconv.ParseInt(fields[11], 10, 64)
		st, _ := strconv.ParseInt(fields[12], 10, 64)
		c.fake = time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
	}
	return c
}

// cpuSample is CPU time used so far, by this process and the fake's, and by their collectors.
type cpuSample struct{ self, fake, selfGC, fakeGC time.Duration }

// cpuReport prints CPU time per delivery and the rate the machine's cores would sustain if
// this run had them to itself.
func cpuReport(what string, n int, c0, c1 cpuSample) float64 {
	per := func(d time.Duration) time.Duration { return (d / time.Duration(n)).Round(time.Microsecond / 10) }
	s, f := per(c1.self-c0.self), per(c1.fake-c0.fake)
	rate := float64(runtime.NumCPU()) / (s + f).Seconds()
	fmt.Printf("  %s CPU per delivery: %v here (GC %v) + %v in fakepush (GC %v) = %v; %d idle cores would do %.0f/s\n",
		what, s, per(c1.selfGC-c0.selfGC), f, per(c1.fakeGC-c0.fakeGC), s+f, runtime.NumCPU(), rate)
	return rate
}
