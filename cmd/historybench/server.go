package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"
)

// server is one headsup process serving one seeded data folder.
type server struct {
	name      string // "fresh" or "full"
	dir       string
	url       string
	adminURL  string
	cmd       *exec.Cmd
	logs      *os.File
	exited    chan struct{}
	startup   time.Duration // from starting the process to the first 200 from /readyz
	cookie    string        // the signed-in admin's session
	alertID   string        // a current alert
	seedTime  time.Duration
	seedLines []string
	sizeBytes int64
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs the binary on s.dir and waits until it is ready. The environment is the caller's
// minus every HEADSUP_ and MONGODB_ variable, so that a setting left in the shell cannot make
// the two servers differ or point one at another database.
func (s *server) start(bin, logDir string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	adminPort, err := freePort()
	if err != nil {
		return err
	}
	s.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.adminURL = fmt.Sprintf("http://127.0.0.1:%d", adminPort)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEADSUP_") && !strings.HasPrefix(kv, "MONGODB_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"HEADSUP_DATA_DIR="+s.dir,
		fmt.Sprintf("HEADSUP_ADDR=127.0.0.1:%d", port),
		fmt.Sprintf("HEADSUP_ADMIN_ADDR=127.0.0.1:%d", adminPort),
		// localhost needs no VAPID subject, so development mode is not needed.
		fmt.Sprintf("HEADSUP_BASE_URL=http://localhost:%d", port),
		// Every client shares one loopback address.
		"HEADSUP_RATE_LIMITS=off",
		// An access log line per request would measure the terminal, not the database.
		"HEADSUP_LOG_LEVEL=warn",
	)
	if s.logs, err = os.Create(filepath.Join(logDir, s.name+"-server.log")); err != nil {
		return err
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, s.logs, s.logs
	dieWithParent(s.cmd)
	t0 := time.Now()
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	poll := &http.Client{Timeout: 2 * time.Second}
	for deadline := t0.Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case <-s.exited:
			return fmt.Errorf("%s server exited while starting; see %s", s.name, s.logs.Name())
		default:
		}
		resp, err := poll.Get(s.url + "/readyz")
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			s.startup = time.Since(t0)
			return nil
		}
	}
	s.stop()
	return fmt.Errorf("%s server not ready after 3 minutes; see %s", s.name, s.logs.Name())
}

func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.logs.Close()
}

// send makes one request, with the session cookie when there is one, and returns the status
// and body. Redirects are not followed: sign-in reads them.
func (s *server) send(method, path string, form url.Values, jsonBody []byte) (int, []byte, *http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else if jsonBody != nil {
		body = strings.NewReader(string(jsonBody))
	}
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		return 0, nil, nil, err
	}
	switch {
	case form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case jsonBody != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp, err
}

// signIn goes through the real sign-in form with the seeded admin's password and a code from
// its TOTP secret. The session cookie is __Host- and Secure, which a cookie jar would not send
// over plain http, so it is kept and sent by hand (a browser would be on https).
func (s *server) signIn(name, password, totpSecret string) error {
	step := func(path string, form url.Values, wantNext string) error {
		status, body, resp, err := s.send("POST", path, form, nil)
		if err != nil {
			return err
		}
		if status != http.StatusSeeOther || resp.Header.Get("Location") != wantNext {
			return fmt.Errorf("POST %s: %d to %q, want 303 to %s\n%.500s", path, status, resp.Header.Get("Location"), wantNext, body)
		}
		for _, c := range resp.Cookies() {
			if strings.HasPrefix(c.Name, "__Host-") {
				s.cookie = c.Name + "=" + c.Value
			}
		}
		return nil
	}
	if err := step("/moderation/login", url.Values{"name": {name}, "password": {password}}, "/moderation/login/totp"); err != nil {
		return fmt.Errorf("%s: sign in: %w", s.name, err)
	}
	code, err := totp.GenerateCode(totpSecret, time.Now())
	if err != nil {
		return err
	}
	if err := step("/moderation/login/totp", url.Values{"code": {code}}, "/moderation/queue"); err != nil {
		return fmt.Errorf("%s: second factor: %w", s.name, err)
	}
	if status, _, _, err := s.send("GET", "/moderation/queue", nil, nil); err != nil || status != http.StatusOK {
		return fmt.Errorf("%s: the queue after sign-in: %d %v", s.name, status, err)
	}
	return nil
}

// findAlert picks the newest current alert from the public API, and checks that the seeded
// identifier is found (the seed and the server agree on the identifier key) and the miss is not.
func (s *server) findAlert(hit, miss []byte) error {
	status, body, _, err := s.send("GET", "/api/v1/alerts", nil, nil)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("%s: GET /api/v1/alerts: %d %v", s.name, status, err)
	}
	var list struct{ Alerts []struct{ ID string } }
	if err := json.Unmarshal(body, &list); err != nil || len(list.Alerts) == 0 {
		return fmt.Errorf("%s: no current alert in GET /api/v1/alerts (%v): was the folder seeded?", s.name, err)
	}
	s.alertID = list.Alerts[0].ID
	for _, c := range []struct {
		body []byte
		want bool
	}{{hit, true}, {miss, false}} {
		status, body, _, err := s.send("POST", "/api/v1/check", nil, c.body)
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("%s: POST /api/v1/check: %d %v", s.name, status, err)
		}
		var res struct{ Matches []json.RawMessage }
		_ = json.Unmarshal(body, &res)
		if (len(res.Matches) > 0) != c.want {
			return fmt.Errorf("%s: POST /api/v1/check %s found %d alerts; the seed and the server disagree on the identifier key", s.name, c.body, len(res.Matches))
		}
	}
	return nil
}

// profile records the server's CPU profile for d into path, from the admin listener.
func (s *server) profile(path string, d time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		secs := max(1, int((d+time.Second-1)/time.Second))
		resp, err := (&http.Client{Timeout: d + time.Minute}).Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.adminURL, secs))
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			done <- errors.New("pprof: " + resp.Status)
			return
		}
		f, err := os.Create(path)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		done <- errors.Join(err, f.Close())
	}()
	return done
}
