package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/config"
	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/moderation"
	"github.com/pquerna/otp/totp"
)

// moderationEnv is the configuration of an app on its own embedded database, in a fresh data
// folder, as a newcomer runs it.
func moderationEnv(t *testing.T) func(string) string {
	t.Helper()
	vars := map[string]string{
		"HEADSUP_RECEIPT_KEY": "receipt key for tests, 32 chars or more",
		"HEADSUP_BASE_URL":    "http://localhost:8080",
		"HEADSUP_DATA_DIR":    t.TempDir(),
		"HEADSUP_LOG_LEVEL":   "error",
	}
	return func(k string) string { return vars[k] }
}

// startApp is an app on getenv's configuration with everything an operator's would run,
// stopped and closed when the test ends.
func startApp(t *testing.T, getenv func(string) string, opts appOptions) *app {
	t.Helper()
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, testkit.DiscardLogger(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.moderation.stop()
		a.stopWorkers()
		a.close(context.Background())
	})
	return a
}

// runCLI runs a headsup command line and returns its standard output.
func runCLI(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

var otpRe = regexp.MustCompile(`(?m)^\s+([a-z0-9]{5}(?:-[a-z0-9]{5}){3})$`)

// browser is a moderator's browser against the real router: it keeps the session cookie and
// does not follow redirects.
type browser struct {
	t      *testing.T
	h      http.Handler
	cookie string
	// headers and remoteAddr, when set, are sent with every request (the privacy canaries).
	headers    map[string]string
	remoteAddr string
}

func (b *browser) do(method, path string, form url.Values, jsonBody any) *httptest.ResponseRecorder {
	b.t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case form != nil:
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	case jsonBody != nil:
		data, err := json.Marshal(jsonBody)
		if err != nil {
			b.t.Fatal(err)
		}
		body, ctype = bytes.NewReader(data), "application/json"
	}
	req := httptest.NewRequest(method, "http://localhost:8080"+path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: moderation.CookieName, Value: b.cookie})
	}
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	if b.remoteAddr != "" {
		req.RemoteAddr = b.remoteAddr
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		if c.Name == moderation.CookieName {
			b.cookie = c.Value
		}
	}
	return w
}

// signInNewModerator creates an account with the CLI and signs it in as a person would: the
// one-time password, a password of their own, then TOTP enrolment from the secret on the page.
func signInNewModerator(t *testing.T, a *app, getenv func(string) string, name, role string) *browser {
	t.Helper()
	out, err := runCLI(t, getenv, "moderator", "add", "--name", name, "--role", role)
	m := otpRe.FindStringSubmatch(out)
	if err != nil || m == nil || !strings.Contains(out, "/moderation/login") {
		t.Fatalf("moderator add: %v\n%s", err, out)
	}
	mod := &browser{t: t, h: a.engine}
	mod.expectRedirect(mod.do("GET", "/moderation/queue", nil, nil), "/moderation/login")
	mod.expectRedirect(mod.do("POST", "/moderation/login", url.Values{"name": {name}, "password": {m[1]}}, nil), "/moderation/login/password")
	password := "violet kettle harbour 42"
	mod.expectRedirect(mod.do("POST", "/moderation/login/password", url.Values{"password": {password}, "confirm": {password}}, nil), "/moderation/login/enroll")
	page := mod.do("GET", "/moderation/login/enroll", nil, nil).Body.String()
	sm := regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`).FindStringSubmatch(page)
	if sm == nil || !strings.Contains(page, `<img src="data:image/png;base64,`) {
		t.Fatalf("enrolment page without QR code and secret:\n%s", page)
	}
	code, err := totp.GenerateCode(strings.ReplaceAll(sm[1], " ", ""), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mod.expectRedirect(mod.do("POST", "/moderation/login/enroll", url.Values{"code": {code}}, nil), "/moderation/queue")
	return mod
}

func (b *browser) expectRedirect(w *httptest.ResponseRecorder, to string) {
	b.t.Helper()
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), to) {
		b.t.Fatalf("got %d %q, want a redirect to %s\n%s", w.Code, w.Header().Get("Location"), to, w.Body)
	}
}

// TestModerationEndToEnd goes through the real router on the embedded database: a report is
// submitted, a moderator made on the command line signs in with password and TOTP and
// approves it, and the public sees the alert, finds its phone number and reads the receipt.
func TestModerationEndToEnd(t *testing.T) {
	getenv := moderationEnv(t)
	a := startApp(t, getenv, appOptions{NoRateLimits: true})
	ctx := context.Background()
	web := &browser{t: t, h: a.engine}

	// 1. A community member reports, without JavaScript (no proof of work).
	day := time.Now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	w := web.do("POST", "/api/v1/reports", nil, map[string]any{"kind": "bad_date", "fields": map[string]any{
		"date": day, "area": "ward-6", "harms": []string{"physical_violence"},
		"details": "He hit me. Call me on 202 555 0100 if you need more.", "phones": []string{"(202) 555-0147"},
	}})
	if w.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	var receipt struct{ ID, Receipt string }
	if err := json.Unmarshal(w.Body.Bytes(), &receipt); err != nil || receipt.ID == "" || receipt.Receipt == "" {
		t.Fatalf("submit answered %s", w.Body)
	}

	// 2-3. The first admin is made on the command line and signs in with password and TOTP.
	mod := signInNewModerator(t, a, getenv, "ana", "admin")

	// 4. The queue lists the report; opening it claims it; the phone number in the text is marked.
	queue := mod.do("GET", "/moderation/queue", nil, nil).Body.String()
	if !strings.Contains(queue, "/moderation/reports/"+receipt.ID+"/claim") || !strings.Contains(queue, "without the anti-spam check") {
		t.Fatalf("queue lacks the report:\n%s", queue)
	}
	mod.expectRedirect(mod.do("POST", "/moderation/reports/"+receipt.ID+"/claim", url.Values{}, nil), "/moderation/reports/"+receipt.ID)
	page := mod.do("GET", "/moderation/reports/"+receipt.ID, nil, nil).Body.String()
	if !strings.Contains(page, `<mark class="hint">202 555 0100<span class="hint-kind">phone</span></mark>`) {
		t.Fatalf("the reporter's own number is not marked:\n%s", page)
	}

	// 5. Approve: the moderator's text, with the reporter's number taken out; the aggressor's
	// phone checkable but not shown.
	w = mod.do("POST", "/moderation/reports/"+receipt.ID+"/approve", url.Values{
		"title.en": {"Violent client, Ward 6"}, "body.en": {"He hit a worker. <b>Be careful.</b>"}, "severity": {"danger"},
		"areas": {"ward-6"}, "expires": {time.Now().UTC().Add(30 * 24 * time.Hour).Format(time.DateOnly)}, "check": {"0"},
	}, nil)
	mod.expectRedirect(w, "/moderation/alerts/")
	alertID := strings.TrimPrefix(strings.Split(w.Header().Get("Location"), "?")[0], "/moderation/alerts/")

	// 6. The public feed has it, as plain text.
	var feed struct {
		Alerts []struct {
			ID, Title, Body string
			Identifiers     []any
		}
	}
	w = web.do("GET", "/api/v1/alerts", nil, nil)
	if err := json.Unmarshal(w.Body.Bytes(), &feed); err != nil {
		t.Fatalf("feed: %v %s", err, w.Body)
	}
	if len(feed.Alerts) != 1 || feed.Alerts[0].ID != alertID || feed.Alerts[0].Body != "He hit a worker. Be careful." || len(feed.Alerts[0].Identifiers) != 0 {
		t.Fatalf("feed = %s", w.Body)
	}

	// 7. The check finds the phone number however it is written; others find nothing.
	var check struct {
		Matches []struct{ ID string }
	}
	for value, want := range map[string]int{"202-555-0147": 1, "+1 (202) 555 0147": 1, "202 555 0100": 0} {
		w = web.do("POST", "/api/v1/check", nil, map[string]string{"type": "phone", "value": value})
		check.Matches = nil
		if err := json.Unmarshal(w.Body.Bytes(), &check); w.Code != http.StatusOK || err != nil || len(check.Matches) != want {
			t.Fatalf("check %q = %d %s, want %d matches", value, w.Code, w.Body, want)
		}
		if want == 1 && check.Matches[0].ID != alertID {
			t.Fatalf("check found %s", check.Matches[0].ID)
		}
	}
	if w = web.do("POST", "/api/v1/check", nil, map[string]string{"type": "phone", "value": "12"}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"value"`) {
		t.Fatalf("bad phone = %d %s", w.Code, w.Body)
	}
	if w = web.do("POST", "/api/v1/check", nil, map[string]string{"type": "ssn", "value": "1"}); w.Code != http.StatusBadRequest {
		t.Fatalf("bad type = %d %s", w.Code, w.Body)
	}

	// 8. The receipt shows approved, with the link to the alert.
	var rv struct {
		Status   string `json:"status"`
		AlertURL string `json:"alert_url"`
		Note     string `json:"note"`
	}
	w = web.do("GET", "/api/v1/receipts/"+receipt.Receipt, nil, nil)
	if err := json.Unmarshal(w.Body.Bytes(), &rv); err != nil {
		t.Fatalf("receipt: %v %s", err, w.Body)
	}
	if rv.Status != "approved" || rv.AlertURL != "http://localhost:8080/alerts/"+alertID || rv.Note == "" {
		t.Fatalf("receipt = %s", w.Body)
	}

	// Nothing asked through /check was stored anywhere. A failing listing would make this
	// loop run zero times and pass, so errors stop the test.
	names, err := a.store.Collections(ctx)
	if err != nil || len(names) == 0 {
		t.Fatalf("collections: %v %v", names, err)
	}
	for _, n := range names {
		docs, err := a.store.DumpCollection(ctx, n)
		if err != nil {
			t.Fatalf("dump %s: %v", n, err)
		}
		for _, d := range docs {
			if strings.Contains(d, "+1 (202) 555 0147") || strings.Contains(d, "202-555-0147") {
				t.Fatalf("a /check query was stored in %s: %s", n, d)
			}
		}
	}
}

func TestModeratorCommand(t *testing.T) {
	getenv := moderationEnv(t)
	out, err := runCLI(t, getenv, "moderator", "list")
	if err != nil || !strings.Contains(out, "No moderators yet") {
		t.Fatalf("empty list: %v %s", err, out)
	}
	for _, bad := range [][]string{
		{"moderator"},
		{"moderator", "fly"},
		{"moderator", "add"},
		{"moderator", "add", "--name", "x y"},
		{"moderator", "add", "--name", "ana", "--role", "boss"},
		{"moderator", "disable"},
	} {
		if _, err := runCLI(t, getenv, bad...); err == nil {
			t.Errorf("%v accepted", bad)
		} else if _, ok := err.(*usageError); !ok {
			t.Errorf("%v: %v is not a usage error", bad, err)
		}
	}
	out, err = runCLI(t, getenv, "moderator", "add", "--name", "ana")
	first := otpRe.FindStringSubmatch(out)
	if err != nil || first == nil || !strings.Contains(out, "Created moderator") {
		t.Fatalf("add: %v %s", err, out)
	}
	if _, err := runCLI(t, getenv, "moderator", "add", "--name", "ana"); err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("duplicate add: %v", err)
	}
	out, err = runCLI(t, getenv, "moderator", "reset", "ana")
	second := otpRe.FindStringSubmatch(out)
	if err != nil || second == nil || second[1] == first[1] {
		t.Fatalf("reset: %v %s", err, out)
	}
	if _, err := runCLI(t, getenv, "moderator", "disable", "ana"); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, getenv, "moderator", "list")
	if err != nil || !strings.Contains(out, "ana") || !strings.Contains(out, "disabled") {
		t.Fatalf("list: %s", out)
	}
	if _, err := runCLI(t, getenv, "moderator", "reset", "nobody"); err == nil || !strings.Contains(err.Error(), "no moderator") {
		t.Fatalf("reset unknown: %v", err)
	}
	out, err = runCLI(t, getenv, "purge")
	if err != nil || !strings.Contains(out, "Purged the raw text of 0 report(s)") {
		t.Fatalf("purge: %v %s", err, out)
	}
}

// TestModeratorAddWhileServing runs the real binary: with the embedded database, the
// moderator command opens the SQLite files a running server is using, and the server sees the
// new account at once.
func TestModeratorAddWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	p := startServer(t, dir)
	if !strings.Contains(p.stdout.String(), "moderator add --name admin --role admin") {
		t.Errorf("serve did not say how to create the first moderator:\n%s", p.stdout)
	}
	cmd := exec.Command(binary(t), "moderator", "add", "--name", "ana", "--role", "admin")
	cmd.Env = append(os.Environ(), "HEADSUP_DATA_DIR="+dir, "HEADSUP_LOG_LEVEL=error", "HEADSUP_BASE_URL="+strings.Replace(p.url, "127.0.0.1", "localhost", 1))
	out, err := cmd.Output()
	m := otpRe.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("moderator add while serving: %v\n%s", err, out)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(p.url+"/moderation/login", url.Values{"name": {"ana"}, "password": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/moderation/login/password" {
		t.Fatalf("the server does not see the account made by the command: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "__Host-headsup_session=") {
		t.Fatal("no session cookie")
	}
}
