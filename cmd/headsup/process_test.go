package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
)

// serverProcess is the real binary running on a data folder, as an operator runs it.
type serverProcess struct {
	cmd    *exec.Cmd
	url    string
	stdout *testkit.Buffer
	stderr *testkit.Buffer
	done   chan struct{}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer runs headsup serve on dataDir and waits until it answers.
func startServer(t *testing.T, dataDir string, env ...string) *serverProcess {
	t.Helper()
	port := freePort(t)
	p := &serverProcess{url: fmt.Sprintf("http://127.0.0.1:%d", port), stdout: &testkit.Buffer{}, stderr: &testkit.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary(t), "serve")
	p.cmd.Env = append(os.Environ(),
		fmt.Sprintf("HEADSUP_ADDR=127.0.0.1:%d", port),
		fmt.Sprintf("HEADSUP_BASE_URL=http://localhost:%d", port),
		"HEADSUP_ADMIN_ADDR=127.0.0.1:0",
		"HEADSUP_DATA_DIR="+dataDir)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("server exited early:\n%s\n%s", p.stdout, p.stderr)
		default:
		}
		if resp, err := http.Get(p.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server did not answer in 60s:\n%s\n%s", p.stdout, p.stderr)
	return nil
}

func (p *serverProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// interrupt sends Ctrl-C and waits for a clean exit.
func (p *serverProcess) interrupt(t *testing.T) { t.Helper(); p.signal(t, syscall.SIGINT) }

// terminate sends SIGTERM, as an orchestrator does, and waits for a clean exit.
func (p *serverProcess) terminate(t *testing.T) { t.Helper(); p.signal(t, syscall.SIGTERM) }

func (p *serverProcess) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not stop within 30s of %v", sig)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after %v:\n%s", code, sig, p.stderr)
	}
}

func (p *serverProcess) do(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, p.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, data := send(t, http.DefaultClient, req)
	return resp.StatusCode, data
}

// send sends req with client and reads the whole answer.
func send(t *testing.T, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return resp, data
}

func TestNewcomerRunStopAndRestartKeepsReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	p := startServer(t, dir)
	out := p.stdout.String()
	for _, want := range []string{"running at http://localhost:", "moderator add"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	status, body := p.do(t, "POST", "/api/v1/reports", map[string]any{"kind": "drug_alert", "fields": map[string]any{
		"date": time.Now().UTC().Format(time.DateOnly), "area": "ward-2", "details": "Pink powder sold as coke, people falling out.", "sold_as": "cocaine",
	}})
	if status != 201 {
		t.Fatalf("submit: %d %s", status, body)
	}
	var rec struct{ Receipt string }
	if err := json.Unmarshal(body, &rec); err != nil || rec.Receipt == "" {
		t.Fatalf("submit answered %s", body)
	}
	p.interrupt(t)
	if !strings.Contains(p.stdout.String(), "Stopped.") {
		t.Errorf("no clean stop message:\n%s", p.stdout)
	}

	p2 := startServer(t, dir)
	status, body = p2.do(t, "GET", "/api/v1/receipts/"+rec.Receipt, nil)
	if status != 200 || !strings.Contains(string(body), `"status":"pending"`) {
		t.Fatalf("after restart the receipt gives %d %s", status, body)
	}
	p2.terminate(t)
	// Nothing a client sent may reach the terminal or logs: check the whole output.
	scanner := bufio.NewScanner(strings.NewReader(p.stderr.String() + p2.stderr.String()))
	for scanner.Scan() {
		if strings.Contains(scanner.Text(), rec.Receipt) {
			t.Fatalf("receipt in logs: %s", scanner.Text())
		}
	}
}

func TestMongoURIUsesThatServerInstead(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	// FerretDB in this test process stands in for a MongoDB server: same wire protocol.
	d := newDeployment(t, "mongodb")
	p := d.start(t)
	if !strings.Contains(p.stdout.String(), "data in MongoDB") {
		t.Errorf("start-up does not say it uses MongoDB:\n%s", p.stdout)
	}
	status, body := p.do(t, "POST", "/api/v1/reports", map[string]any{"kind": "drug_alert", "fields": map[string]any{
		"date": time.Now().UTC().Format(time.DateOnly), "area": "ward-1", "details": "Tan powder, heavy nods.", "sold_as": "heroin",
	}})
	if status != 201 {
		t.Fatalf("submit: %d %s", status, body)
	}
	p.interrupt(t)
	if _, err := os.Stat(filepath.Join(d.dataDir, databaseFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an embedded database was opened anyway (%v)", err)
	}
	ids, err := d.open(t).AllReportIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 {
		t.Fatalf("the external server holds %d reports, want 1", len(ids))
	}
}

func TestReadinessAndMetricsOnTheAdminPortOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	p := startServer(t, t.TempDir())
	if status, body := p.do(t, "GET", "/readyz", nil); status != 200 {
		t.Fatalf("/readyz = %d %s", status, body)
	}
	if status, _ := p.do(t, "GET", "/metrics", nil); status != 404 {
		t.Fatalf("metrics answered on the public port: %d", status)
	}
	status, body := p.do(t, "POST", "/api/v1/reports", drugReport(time.Now().UTC().Format(time.DateOnly), 1))
	if status != 201 {
		t.Fatalf("submit: %d %s", status, body)
	}
	m := regexp.MustCompile(`Metrics for Prometheus at (http://\S+/metrics)`).FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("no metrics address in the start-up output:\n%s", p.stdout)
	}
	req, err := http.NewRequest("GET", m[1], nil)
	if err != nil {
		t.Fatal(err)
	}
	_, data := send(t, http.DefaultClient, req)
	metrics := string(data)
	for _, want := range []string{
		`headsup_reports_total{kind="drug_alert",verified="false"} 1`,
		`headsup_queue_depth 1`,
		`headsup_alerts_published 0`,
		`headsup_http_request_duration_seconds_count{code="201",method="POST",route="/api/v1/reports"} 1`,
		`headsup_push_fanout_duration_seconds_count 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if regexp.MustCompile(`\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`).MatchString(metrics) {
		t.Error("a metric holds something shaped like an IP address")
	}
}
