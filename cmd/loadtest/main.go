// Command loadtest drives a running headsup binary the way production traffic would, and reports
// figures against a baseline measured in the same run (the machine is noisy, so only ratios and
// same-run comparisons mean much).
//
//	go build -o /tmp/headsup ./cmd/headsup
//	go run ./cmd/loadtest -bin /tmp/headsup -scenario soak  -duration 60s -subscribers 10000
//	go run ./cmd/loadtest -bin /tmp/headsup -scenario flood -duration 20s
//
// soak: mixed traffic for -duration (reading alerts and pages, submitting, checking,
// subscribing) with one approval fanned out to -subscribers browsers on a fake push service.
// Passes when no request got a 5xx, the alert feed's p99 stays under 100 ms, and the server's
// resident memory after the run is at most 1.2x what it was after warm-up.
//
// flood: submissions with invalid proofs of work at full speed from many clients, while a probe
// reads the home page; passes when the home page's p99 stays under 200 ms.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/push/pushtest"
	"github.com/pquerna/otp/totp"
)

func main() {
	bin := flag.String("bin", "", "path to a built headsup binary (go build -o /tmp/headsup ./cmd/headsup)")
	fakeBin := flag.String("fakepush", "", "path to a built fake push service (go build -o /tmp/fakepush ./cmd/fakepush); soak only")
	scenario := flag.String("scenario", "soak", "soak or flood")
	duration := flag.Duration("duration", 60*time.Second, "how long the measured phase lasts")
	subscribers := flag.Int("subscribers", 10000, "push subscriptions the approval fans out to (soak)")
	clients := flag.Int("clients", 32, "concurrent clients (flood)")
	rate := flag.Int("rate", 150, "requests per second of mixed traffic (soak), an open loop")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "loadtest: -bin is required; build one with: go build -o /tmp/headsup ./cmd/headsup")
		os.Exit(2)
	}
	var err error
	switch *scenario {
	case "soak":
		if *fakeBin == "" {
			fmt.Fprintln(os.Stderr, "loadtest: the soak needs -fakepush; build it with: go build -o /tmp/fakepush ./cmd/fakepush")
			os.Exit(2)
		}
		err = soak(*bin, *fakeBin, *duration, *subscribers, *rate)
	case "flood":
		err = flood(*bin, *duration, *clients)
	default:
		err = fmt.Errorf("unknown scenario %q: use soak or flood", *scenario)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// server is the headsup binary running on a fresh data folder.
type server struct {
	cmd  *exec.Cmd
	url  string
	dir  string
	bin  string
	env  []string
	logs *os.File
}

func startServer(bin string, extraEnv ...string) (*server, error) {
	dir, err := os.MkdirTemp("", "headsup-load-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &server{url: fmt.Sprintf("http://127.0.0.1:%d", port), dir: dir, bin: bin}
	s.env = append(os.Environ(),
		fmt.Sprintf("HEADSUP_ADDR=127.0.0.1:%d", port),
		fmt.Sprintf("HEADSUP_BASE_URL=http://localhost:%d", port),
		"HEADSUP_ADMIN_ADDR=127.0.0.1:0", "HEADSUP_DATA_DIR="+dir, "HEADSUP_LOG_LEVEL=warn")
	s.env = append(s.env, extraEnv...)
	if s.logs, err = os.Create(filepath.Join(dir, "server.log")); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = s.env, s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			return s, nil
		}
	}
	s.stop()
	return nil, errors.New("server did not start; see " + s.logs.Name())
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
	}
	s.logs.Close()
}

// rss reads the server's resident memory in KiB from /proc.
func (s *server) rss() int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	return 0
}

// recorder keeps latencies per class of request and counts server errors.
type recorder struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	errors5xx atomic.Int64
	failures  atomic.Int64
	statuses  map[string]map[int]int
}

func newRecorder() *recorder {
	return &recorder{latencies: map[string][]time.Duration{}, statuses: map[string]map[int]int{}}
}

func (r *recorder) add(class string, d time.Duration, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latencies[class] = append(r.latencies[class], d)
	if r.statuses[class] == nil {
		r.statuses[class] = map[int]int{}
	}
	r.statuses[class][status]++
	if status >= 500 {
		r.errors5xx.Add(1)
	}
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func (r *recorder) print(w io.Writer, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	classes := make([]string, 0, len(r.latencies))
	for c := range r.latencies {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	fmt.Fprintf(w, "%-14s %8s %8s %9s %9s  %s\n", "request", "count", "per-s", "p50-ms", "p99-ms", "statuses")
	for _, c := range classes {
		ds := r.latencies[c]
		fmt.Fprintf(w, "%-14s %8d %8.0f %9.1f %9.1f  %v\n", c, len(ds), float64(len(ds))/elapsed.Seconds(),
			ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99)), r.statuses[c])
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256},
	// Moderation answers with redirects that carry cookies; the caller follows them by hand.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func do(rec *recorder, class, method, u string, body []byte, header map[string]string) (int, []byte) {
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	if body != nil && header["Content-Type"] == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		if rec != nil {
			rec.failures.Add(1)
		}
		return 0, nil
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if rec != nil {
		rec.add(class, time.Since(t0), resp.StatusCode)
	}
	return resp.StatusCode, data
}

func reportBody(i int, proof string) []byte {
	day := time.Now().UTC().Format(time.DateOnly)
	fields := map[string]any{"date": day, "area": fmt.Sprintf("ward-%d", 1+i%8), "harms": []string{"robbery_theft"},
		"details": fmt.Sprintf("Load test report %d: took the money and drove off.", i), "phones": []string{fmt.Sprintf("202-555-%04d", i%10000)}}
	body := map[string]any{"kind": "bad_date", "fields": fields}
	if proof != "" {
		body["altcha"] = proof
	}
	data, _ := json.Marshal(body)
	return data
}

// moderator is a signed-in moderation session.
type moderator struct {
	s      *server
	cookie string
}

var otpLine = regexp.MustCompile(`(?m)^\s+([a-z0-9]{5}(?:-[a-z0-9]{5}){3})$`)

func (m *moderator) post(path string, form url.Values) (int, string, error) {
	req, _ := http.NewRequest("POST", m.s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return m.send(req)
}

func (m *moderator) get(path string) (int, string, error) {
	req, _ := http.NewRequest("GET", m.s.url+path, nil)
	return m.send(req)
}

func (m *moderator) send(req *http.Request) (int, string, error) {
	if m.cookie != "" {
		req.Header.Set("Cookie", m.cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "__Host-") {
			m.cookie = c.Name + "=" + c.Value
		}
	}
	return resp.StatusCode, string(data) + "\nLocation: " + resp.Header.Get("Location"), nil
}

// signIn creates an admin with the CLI and signs in with password and TOTP.
func signIn(s *server) (*moderator, error) {
	cmd := exec.Command(s.bin, "moderator", "add", "--name", "loadtest", "--role", "admin")
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	m := otpLine.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		return nil, fmt.Errorf("moderator add: %v\n%s", err, out)
	}
	mod := &moderator{s: s}
	pw := "violet kettle harbour 42"
	steps := []struct {
		path string
		form url.Values
	}{
		{"/moderation/login", url.Values{"name": {"loadtest"}, "password": {m[1]}}},
		{"/moderation/login/password", url.Values{"password": {pw}, "confirm": {pw}}},
	}
	for _, st := range steps {
		if status, body, err := mod.post(st.path, st.form); err != nil || status != http.StatusSeeOther {
			return nil, fmt.Errorf("%s: %d %v %s", st.path, status, err, body)
		}
	}
	_, page, _ := mod.get("/moderation/login/enroll")
	sm := regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`).FindStringSubmatch(page)
	if sm == nil {
		return nil, errors.New("no TOTP secret on the enrolment page")
	}
	code, _ := totp.GenerateCode(strings.ReplaceAll(sm[1], " ", ""), time.Now())
	if status, body, err := mod.post("/moderation/login/enroll", url.Values{"code": {code}}); err != nil || status != http.StatusSeeOther {
		return nil, fmt.Errorf("enroll: %d %v %s", status, err, body)
	}
	return mod, nil
}

// approve claims and approves a report for all wards, so that every subscriber matches.
func (m *moderator) approve(reportID string) error {
	if status, body, err := m.post("/moderation/reports/"+reportID+"/claim", url.Values{}); err != nil || status != http.StatusSeeOther {
		return fmt.Errorf("claim: %d %v %s", status, err, body)
	}
	form := url.Values{"title": {"Load test: robbery"}, "body": {"A client robbed workers."}, "severity": {"danger"},
		"expires": {time.Now().UTC().Add(30 * 24 * time.Hour).Format(time.DateOnly)}}
	for i := 1; i <= 8; i++ {
		form.Add("areas", fmt.Sprintf("ward-%d", i))
	}
	if status, body, err := m.post("/moderation/reports/"+reportID+"/approve", form); err != nil || status != http.StatusSeeOther {
		return fmt.Errorf("approve: %d %v %s", status, err, body)
	}
	return nil
}

func subscriptionBody(sub pushtest.Subscription) []byte {
	areas := []string{"outside-dc"}
	for i := 1; i <= 8; i++ {
		areas = append(areas, fmt.Sprintf("ward-%d", i))
	}
	data, _ := json.Marshal(map[string]any{
		"endpoint": sub.Endpoint, "keys": map[string]string{"p256dh": sub.P256dh, "auth": sub.Auth},
		"kinds": []string{"bad_date", "drug_alert"}, "areas": areas, "min_severity": "info", "discreet": sub.Index%2 == 0, "lang": "en",
	})
	return data
}

// runAt starts fn rate times a second for d, each call in its own goroutine (at most maxInFlight
// at once): an open loop, like real visitors who do not wait for each other, so a slow server
// shows up as latency instead of quietly lowering the load.
func runAt(d time.Duration, rate, maxInFlight int, fn func(r *rand.Rand)) {
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	deadline := time.Now().Add(d)
	for i := 0; time.Now().Before(deadline); i++ {
		<-tick.C
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(rand.New(rand.NewPCG(uint64(i), 42)))
		})
	}
	wg.Wait()
}

// runFor runs fn from n workers until the deadline.
func runFor(d time.Duration, n int, fn func(worker int, r *rand.Rand)) {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for time.Now().Before(deadline) {
				fn(w, r)
			}
		})
	}
	wg.Wait()
}

// fakePush is cmd/fakepush running as its own process, so that its work (verifying and
// decrypting every push) does not share a Go scheduler with the clients measuring latency.
type fakePush struct {
	cmd *exec.Cmd
	url string
}

func startFakePush(bin string) (*fakePush, error) {
	cmd := exec.Command(bin, "-tls=false", "-no-payloads", "-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("fakepush did not start: %w", err)
	}
	return &fakePush{cmd: cmd, url: strings.TrimSpace(strings.TrimPrefix(line, "fakepush listening on "))}, nil
}

func (f *fakePush) stop() { _ = f.cmd.Process.Signal(os.Interrupt); _ = f.cmd.Wait() }

func (f *fakePush) Subscription(i int) pushtest.Subscription {
	return pushtest.SubscriptionFor(f.url, pushtest.DefaultSeed, i)
}

// Count is how many pushes the service accepted (201).
func (f *fakePush) Count() int {
	resp, err := http.Get(f.url + "/stats")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var st struct{ Count int }
	_ = json.NewDecoder(resp.Body).Decode(&st)
	return st.Count
}

func soak(bin, fakeBin string, duration time.Duration, subscribers, rate int) error {
	fake, err := startFakePush(fakeBin)
	if err != nil {
		return err
	}
	defer fake.stop()
	fakeHost, _, _ := net.SplitHostPort(strings.TrimPrefix(fake.url, "http://"))
	s, err := startServer(bin, "HEADSUP_RATE_LIMITS=off", "HEADSUP_PUSH_INSECURE_HOSTS="+fakeHost)
	if err != nil {
		return err
	}
	defer s.stop()
	fmt.Printf("server %s, data in %s (log: server.log), fake push service %s\n", s.url, s.dir, fake.url)
	mod, err := signIn(s)
	if err != nil {
		return err
	}
	fmt.Printf("subscribing %d browsers...\n", subscribers)
	setup := newRecorder()
	// nextIndex hands out fake-push subscription numbers; subscribed counts the ones the server
	// accepted, which is how many an approval must reach.
	var nextIndex, subscribed atomic.Int64
	subscribe := func(rec *recorder) {
		i := int(nextIndex.Add(1)) - 1
		if status, _ := do(rec, "subscribe", "POST", s.url+"/api/v1/subscriptions", subscriptionBody(fake.Subscription(i)), nil); status == 201 {
			subscribed.Add(1)
		}
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for nextIndex.Load() < int64(subscribers) {
				subscribe(setup)
			}
		})
	}
	wg.Wait()
	if n := subscribed.Load(); n < int64(subscribers) {
		return fmt.Errorf("only %d of %d subscriptions accepted: %v", n, subscribers, setup.statuses)
	}
	// Baseline: the alert feed with nothing else running.
	base := newRecorder()
	for range 300 {
		do(base, "feed", "GET", s.url+"/api/v1/alerts", nil, nil)
	}
	// During a fan-out the same requests are recorded under a name ending in "*", so that the
	// figures show what the fan-out costs everything else.
	var fanningOut atomic.Bool
	traffic := func(rec *recorder) func(*rand.Rand) {
		return func(r *rand.Rand) {
			mark := ""
			if fanningOut.Load() {
				mark = "*"
			}
			switch x := r.IntN(100); {
			case x < 45:
				do(rec, "feed"+mark, "GET", s.url+"/api/v1/alerts", nil, nil)
			case x < 55:
				do(rec, "home"+mark, "GET", s.url+"/", nil, nil)
			case x < 65:
				do(rec, "alerts-page"+mark, "GET", s.url+"/alerts", nil, nil)
			case x < 80:
				do(rec, "submit"+mark, "POST", s.url+"/api/v1/reports", reportBody(r.IntN(1e6), ""), nil)
			case x < 92:
				body, _ := json.Marshal(map[string]string{"type": "phone", "value": fmt.Sprintf("202-555-%04d", r.IntN(10000))})
				do(rec, "check"+mark, "POST", s.url+"/api/v1/check", body, nil)
			default:
				subscribe(rec)
			}
		}
	}
	// fanOut publishes a fresh report after a pause and waits until every subscription that
	// existed at approval has its push.
	type fanOutResult struct {
		took    time.Duration
		matched int64
		err     error
	}
	fanOut := func(after time.Duration) <-chan fanOutResult {
		out := make(chan fanOutResult, 1)
		go func() {
			_, data := do(nil, "", "POST", s.url+"/api/v1/reports", reportBody(1, ""), nil)
			var created struct{ ID string }
			_ = json.Unmarshal(data, &created)
			time.Sleep(after)
			before, matched := fake.Count(), subscribed.Load() // every subscription matches every ward and kind
			t0 := time.Now()
			fanningOut.Store(true)
			defer fanningOut.Store(false)
			if err := mod.approve(created.ID); err != nil {
				out <- fanOutResult{err: err}
				return
			}
			for int64(fake.Count()-before) < matched {
				if time.Since(t0) > 5*time.Minute {
					out <- fanOutResult{err: fmt.Errorf("fan-out: %d of %d pushes in 5 minutes", fake.Count()-before, matched)}
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			out <- fanOutResult{took: time.Since(t0), matched: matched}
		}()
		return out
	}

	// Warm-up exercises every path the soak will, a fan-out included, so that caches (SQLite's
	// page cache among them) are full before memory is measured.
	fmt.Println("warming up for 10s, with one fan-out...")
	warm := fanOut(2 * time.Second)
	runAt(10*time.Second, rate, 512, traffic(newRecorder()))
	if r := <-warm; r.err != nil {
		return r.err
	}
	time.Sleep(10 * time.Second)
	rssWarm := s.rss()

	fmt.Printf("soak for %s at %d requests/s; one approval fanned out during it...\n", duration, rate)
	rec := newRecorder()
	fo := fanOut(duration / 6)
	start := time.Now()
	runAt(duration, rate, 512, traffic(rec))
	elapsed := time.Since(start)
	result := <-fo
	if result.err != nil {
		return result.err
	}
	// Let the runtime hand back what the burst used, as it does on an idle server, then measure.
	time.Sleep(10 * time.Second)
	rssAfter := s.rss()

	rec.print(os.Stdout, elapsed)
	feedP99 := percentile(append(slices.Clone(rec.latencies["feed"]), rec.latencies["feed*"]...), 0.99)
	baseP99 := percentile(base.latencies["feed"], 0.99)
	fmt.Printf("\nbaseline feed p99 (idle server, same run): %.1f ms; under load: %.1f ms (%.1fx)\n", ms(baseP99), ms(feedP99), float64(feedP99)/float64(max(baseP99, 1)))
	fmt.Printf("fan-out: %d subscriptions reached %.1fs after approval (%.0f/s), during the soak; requests marked * ran meanwhile\n",
		result.matched, result.took.Seconds(), float64(result.matched)/result.took.Seconds())
	quiet := percentile(rec.latencies["feed"], 0.99)
	fmt.Printf("feed p99 outside the fan-out: %.1f ms; during it: %.1f ms\n", ms(quiet), ms(percentile(rec.latencies["feed*"], 0.99)))
	fmt.Printf("resident memory: %d KiB after warm-up, %d KiB after the run (%.2fx)\n", rssWarm, rssAfter, float64(rssAfter)/float64(rssWarm))
	fmt.Printf("5xx: %d, transport failures: %d\n", rec.errors5xx.Load(), rec.failures.Load())
	var problems []string
	if rec.errors5xx.Load() > 0 || rec.failures.Load() > 0 {
		problems = append(problems, "server errors or failed requests")
	}
	if feedP99 >= 100*time.Millisecond {
		problems = append(problems, "feed p99 not under 100 ms")
	}
	if float64(rssAfter) > 1.2*float64(rssWarm) {
		problems = append(problems, "memory grew more than 1.2x")
	}
	return verdict(problems)
}

func flood(bin string, duration time.Duration, clients int) error {
	s, err := startServer(bin, "HEADSUP_RATE_LIMITS=off")
	if err != nil {
		return err
	}
	defer s.stop()
	fmt.Printf("server %s; rate limits off, so every flooded request is fully validated\n", s.url)
	probe := func(rec *recorder, stop <-chan struct{}) {
		for {
			select {
			case <-stop:
				return
			default:
			}
			do(rec, "home", "GET", s.url+"/", nil, nil)
			time.Sleep(20 * time.Millisecond)
		}
	}
	base := newRecorder()
	stop := make(chan struct{})
	go func() { time.Sleep(duration / 2); close(stop) }()
	probe(base, stop)

	flooded := newRecorder()
	under := newRecorder()
	stop = make(chan struct{})
	done := make(chan struct{})
	go func() { probe(under, stop); close(done) }()
	start := time.Now()
	// A well-formed ALTCHA payload whose signature is wrong: the server must do the full check.
	bad := reportBody(7, "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiMDAiLCJudW1iZXIiOjEsInNhbHQiOiJ4Iiwic2lnbmF0dXJlIjoiMDAifQ==")
	runFor(duration, clients, func(int, *rand.Rand) {
		do(flooded, "flood", "POST", s.url+"/api/v1/reports", bad, nil)
	})
	elapsed := time.Since(start)
	close(stop)
	<-done
	fmt.Println("flood of submissions with invalid proofs:")
	flooded.print(os.Stdout, elapsed)
	bp, up := percentile(base.latencies["home"], 0.99), percentile(under.latencies["home"], 0.99)
	fmt.Printf("\nGET / p99: %.1f ms idle (same run), %.1f ms under the flood (%.1fx); %d probes\n", ms(bp), ms(up), float64(up)/float64(max(bp, 1)), len(under.latencies["home"]))
	var problems []string
	if flooded.statuses["flood"][201] > 0 {
		problems = append(problems, "an invalid proof was accepted")
	}
	if up >= 200*time.Millisecond {
		problems = append(problems, "GET / p99 not under 200 ms")
	}
	if flooded.errors5xx.Load() > 0 || under.errors5xx.Load() > 0 {
		problems = append(problems, "server errors")
	}
	return verdict(problems)
}

func verdict(problems []string) error {
	if len(problems) > 0 {
		return errors.New("FAIL: " + strings.Join(problems, "; "))
	}
	fmt.Println("PASS")
	return nil
}
