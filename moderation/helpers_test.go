package moderation_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
	"github.com/headsup/headsup/web"
	"github.com/pquerna/otp/totp"
)

// cheap keeps argon2 fast under -race; production costs are asserted in password_test.go.
var cheap = moderation.HashParams{Memory: 64, Time: 1, Threads: 1}

type harness struct {
	t        testing.TB
	store    store.Store
	engine   *gin.Engine
	clock    *testkit.Clock // the injected time of one test; every part of the server reads it
	accounts *moderation.Accounts
	key      []byte
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, storetest.New(t))
}

// newHarnessOn is newHarness on a given engine's database, for the decisions each engine
// writes its own way (one transaction, or idempotent steps).
func newHarnessOn(t testing.TB, s store.Store) *harness {
	t.Helper()
	return newHarnessWith(t, s, nil)
}

// newHarnessWith is newHarnessOn with adjust changing the pages' dependencies first (a time
// zone, say).
func newHarnessWith(t testing.TB, s store.Store, adjust func(*moderation.Deps)) *harness {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 3, 10, 12, 0, 7, 0, time.UTC))
	s.SetClock(clk.Now)
	log := testkit.DiscardLogger()
	e, err := web.NewEngine(web.EngineOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("identifier key for tests")
	areas := report.DefaultAreas()
	pub := &publishing.Service{Store: s, Areas: areas, IdentifierKey: key, Now: clk.Now}
	deps := moderation.Deps{
		Store: s, Areas: areas, BaseURL: "http://localhost:8080", SiteName: "Heads Up",
		Publishing: pub, Logger: log, Now: clk.Now, Hashing: cheap,
		Intake: &intake.Service{Store: s, Areas: areas, Receipts: intake.ReceiptKey("receipt key for the moderation tests"), Now: clk.Now},
	}
	if adjust != nil {
		adjust(&deps)
	}
	moderation.Register(e, deps)
	return &harness{t: t, store: s, engine: e, clock: clk, key: key,
		accounts: &moderation.Accounts{Store: s, Hashing: cheap, Now: clk.Now}}
}

// do sends one request. form is sent url-encoded for POST; cookie is the session token.
func (h *harness) do(method, path string, form url.Values, cookie string, header ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, "http://localhost:8080"+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: moderation.CookieName, Value: cookie})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.engine.ServeHTTP(w, req)
	return w
}

// sessionCookie returns the session cookie a response set, or nil.
func sessionCookie(w *httptest.ResponseRecorder) *http.Cookie {
	var last *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == moderation.CookieName {
			last = c
		}
	}
	return last
}

var secretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)

// account is a signed-in moderator of a test.
type account struct {
	name, password, secret, cookie string
	role                           string
}

// home is where the account lands after signing in: outreach staff have only their page.
func (a *account) home() string {
	if a.role == store.RoleOutreach {
		return "/moderation/outreach"
	}
	return "/moderation/queue"
}

// signUp creates an account and takes it through the first sign-in: one-time password, own
// password, TOTP enrolment. It returns the full session's cookie.
func (h *harness) signUp(name, role string) *account {
	h.t.Helper()
	otp, err := h.accounts.Add(context.Background(), "test", name, role)
	if err != nil {
		h.t.Fatal(err)
	}
	a := &account{name: name, password: "violet kettle harbour 42", role: role}
	w := h.do("POST", "/moderation/login", url.Values{"name": {name}, "password": {otp}}, "")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/login/password" {
		h.t.Fatalf("sign-in with one-time password: %d %s", w.Code, w.Header().Get("Location"))
	}
	partial := sessionCookie(w).Value
	w = h.do("POST", "/moderation/login/password", url.Values{"password": {a.password}, "confirm": {a.password}}, partial)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/login/enroll" {
		h.t.Fatalf("password change: %d %s %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	w = h.do("GET", "/moderation/login/enroll", nil, partial)
	m := secretRe.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil || !strings.Contains(w.Body.String(), `src="data:image/png;base64,`) {
		h.t.Fatalf("enrol page without QR code or secret: %d\n%s", w.Code, w.Body)
	}
	a.secret = strings.ReplaceAll(m[1], " ", "")
	w = h.do("POST", "/moderation/login/enroll", url.Values{"code": {h.code(a)}}, partial)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != a.home() {
		h.t.Fatalf("enrolment: %d %s %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	a.cookie = sessionCookie(w).Value
	return a
}

// code is the account's current TOTP code.
func (h *harness) code(a *account) string {
	h.t.Helper()
	c, err := totp.GenerateCode(a.secret, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// signIn signs an enrolled account in again with password and a code, moving the clock to
// the next TOTP step first so the code is fresh.
func (h *harness) signIn(a *account) string {
	h.t.Helper()
	h.clock.Advance(30 * time.Second)
	w := h.do("POST", "/moderation/login", url.Values{"name": {a.name}, "password": {a.password}}, "")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/login/totp" {
		h.t.Fatalf("password step: %d %s", w.Code, w.Header().Get("Location"))
	}
	partial := sessionCookie(w).Value
	w = h.do("POST", "/moderation/login/totp", url.Values{"code": {h.code(a)}}, partial)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != a.home() {
		h.t.Fatalf("code step: %d %s", w.Code, w.Header().Get("Location"))
	}
	a.cookie = sessionCookie(w).Value
	return a.cookie
}

// addReport stores a pending bad-date report.
func (h *harness) addReport(details string) *report.Report {
	h.t.Helper()
	r := &report.Report{
		ID: report.NewID(), ReceiptHash: report.NewID(), Kind: report.BadDate, Status: report.StatusPending,
		SubmittedDay: report.Day(h.clock.Now()),
		BadDate: &report.BadDateFields{
			Common: report.Common{Date: "2026-03-08", TimeBand: "night", Area: "ward-6", Details: details},
			Harms:  []string{"physical_violence", "robbery_theft"},
			Phones: []string{"(202) 555-0147"}, Handles: []string{"@BadGuy"}, Plate: "ABC 1234",
		},
	}
	if err := h.store.CreateReport(context.Background(), r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// approveForm is a valid approval: checkable phone, public plate.
func approveForm(title, body string) url.Values {
	return url.Values{
		"title.en": {title}, "body.en": {body}, "severity": {"danger"}, "areas": {"ward-6", "ward-7"},
		"expires": {"2026-05-01"}, "check": {"0"}, "public": {"2"},
	}
}

// approve claims and approves a report and returns the new alert's id.
func (h *harness) approve(a *account, reportID string, form url.Values) string {
	h.t.Helper()
	if w := h.do("POST", "/moderation/reports/"+reportID+"/claim", url.Values{}, a.cookie); w.Code != http.StatusSeeOther {
		h.t.Fatalf("claim: %d", w.Code)
	}
	w := h.do("POST", "/moderation/reports/"+reportID+"/approve", form, a.cookie)
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/moderation/alerts/") {
		h.t.Fatalf("approve: %d %s\n%s", w.Code, loc, w.Body)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, "/moderation/alerts/"), "?")
	return id
}
