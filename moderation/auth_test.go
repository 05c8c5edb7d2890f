package moderation_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestEveryRouteHasAnAccessRule walks Gin's route table with empty forms against walkRules
// (access_rules_test.go, which also fails a route without a rule): anonymous requests are sent
// to sign in (pages) or get 401, a moderator on an admin route gets 403 — and no GET changes
// any stored data.
func TestEveryRouteHasAnAccessRule(t *testing.T) {
	h := newHarness(t)
	mod := h.signUp("mo", "moderator")
	adm := h.signUp("ad", "admin")
	out := h.signUp("ou", "outreach")
	r := h.addReport("something happened")
	alertID := h.approve(adm, h.addReport("another thing").ID, approveForm("Title", "Body"))
	ids := map[string]string{":id": r.ID, ":name": stylesheetName()}

	for _, route := range h.engine.Routes() {
		if !strings.HasPrefix(route.Path, "/moderation") {
			continue
		}
		key := route.Method + " " + route.Path
		rule, ok := walkRules[key]
		if !ok {
			continue // TestAccessRulesHoldForEveryCaller reports it
		}
		path := route.Path
		for p, v := range ids {
			path = strings.ReplaceAll(path, p, v)
		}
		if strings.HasPrefix(route.Path, "/moderation/alerts/:id") {
			path = strings.ReplaceAll(route.Path, ":id", alertID)
		}
		if strings.HasPrefix(route.Path, "/moderation/admin/accounts/:id") {
			path = strings.ReplaceAll(route.Path, ":id", "no-such-account")
		}
		var form url.Values
		if route.Method == http.MethodPost {
			form = url.Values{}
		}

		w := h.do(route.Method, path, form, "")
		switch {
		case rule.level == forAnyone:
			// (POST /login answers 401 to the empty form: that is a failed sign-in, not a
			// refusal to let an anonymous browser try.)
			if w.Code == http.StatusForbidden || w.Header().Get("Location") == "/moderation/login" || strings.Contains(w.Body.String(), "Your session has ended") {
				t.Errorf("%s refused an anonymous request: %d", key, w.Code)
			}
		case route.Method == http.MethodGet && !strings.HasSuffix(route.Path, "/progress"):
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/login" {
				t.Errorf("anonymous %s = %d %q, want a redirect to /moderation/login", key, w.Code, w.Header().Get("Location"))
			}
		default:
			if w.Code != http.StatusUnauthorized {
				t.Errorf("anonymous %s = %d, want 401", key, w.Code)
			}
		}
		if rule.level == forAdmins {
			if w := h.do(route.Method, path, form, mod.cookie); w.Code != http.StatusForbidden {
				t.Errorf("moderator on admin route %s = %d, want 403", key, w.Code)
			}
		}
		if rule.level >= forModerators {
			if w := h.do(route.Method, path, form, out.cookie); w.Code != http.StatusForbidden {
				t.Errorf("outreach staff on %s = %d, want 403", key, w.Code)
			}
		}
	}
	// No GET changes stored data: every GET route as an admin, comparing every collection
	// except sessions (whose last-seen time is the point of a request).
	before := storedRecords(t, h)
	for _, route := range h.engine.Routes() {
		if route.Method != http.MethodGet || !strings.HasPrefix(route.Path, "/moderation") {
			continue
		}
		path := strings.ReplaceAll(route.Path, ":name", stylesheetName())
		if strings.HasPrefix(route.Path, "/moderation/alerts/:id") {
			path = strings.ReplaceAll(path, ":id", alertID)
		}
		path = strings.ReplaceAll(path, ":id", r.ID)
		if w := h.do("GET", path, nil, adm.cookie); w.Code >= 500 {
			t.Errorf("GET %s = %d", path, w.Code)
		}
	}
	if diff := recordsDiff(before, storedRecords(t, h)); diff != "" {
		t.Errorf("a GET changed stored data:\n%s", diff)
	}
}

func TestSessionCookieAndRotation(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "admin")
	h.clock.Advance(30 * time.Second)

	// A token planted in the browser before sign-in is not kept.
	planted := "planted-token-value"
	w := h.do("POST", "/moderation/login", url.Values{"name": {a.name}, "password": {a.password}}, planted)
	partial := sessionCookie(w)
	if partial == nil || partial.Value == planted {
		t.Fatal("sign-in kept the browser's token")
	}
	w = h.do("POST", "/moderation/login/totp", url.Values{"code": {h.code(a)}}, partial.Value)
	full := sessionCookie(w)
	if full == nil || full.Value == partial.Value {
		t.Fatal("the token was not replaced when the sign-in completed")
	}
	raw := w.Header().Values("Set-Cookie")
	last := raw[len(raw)-1]
	for _, want := range []string{"__Host-headsup_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(last, want) {
			t.Errorf("cookie %q lacks %s", last, want)
		}
	}
	if strings.Contains(strings.ToLower(last), "domain=") {
		t.Errorf("cookie %q has a Domain: __Host- cookies must not", last)
	}
	if len(full.Value) != 43 { // 32 random bytes, base64url
		t.Errorf("token %q is not 256 bits", full.Value)
	}
	if w := h.do("GET", "/moderation/queue", nil, partial.Value); w.Code != http.StatusSeeOther {
		t.Errorf("the sign-in step's token still works: %d", w.Code)
	}
	if w := h.do("GET", "/moderation/queue", nil, full.Value); w.Code != http.StatusOK {
		t.Fatalf("full session refused: %d", w.Code)
	}
	// Stored hashed: the database never holds a token a copy of it could replay.
	docs, err := h.store.DumpCollection(context.Background(), "sessions")
	if err != nil || len(docs) == 0 {
		t.Fatalf("sessions dump: %d records, %v", len(docs), err)
	}
	for _, d := range docs {
		if strings.Contains(d, full.Value) || strings.Contains(d, a.cookie) {
			t.Fatalf("session token stored in the clear: %s", d)
		}
	}
	// A half-finished sign-in opens no moderator page.
	h.clock.Advance(30 * time.Second)
	w = h.do("POST", "/moderation/login", url.Values{"name": {a.name}, "password": {a.password}}, "")
	half := sessionCookie(w).Value
	if w := h.do("GET", "/moderation/queue", nil, half); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/login/totp" {
		t.Errorf("password-only session on the queue = %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := h.do("POST", "/moderation/reports/"+report.NewID()+"/reject", url.Values{}, half); w.Code != http.StatusUnauthorized {
		t.Errorf("password-only session posting a decision = %d", w.Code)
	}
}

func TestIdleAndAbsoluteTimeouts(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	get := func() int { return h.do("GET", "/moderation/queue", nil, a.cookie).Code }

	h.clock.Advance(29 * time.Minute)
	if got := get(); got != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d", got)
	}
	// The progress poll is not activity.
	h.clock.Advance(20 * time.Minute)
	if w := h.do("GET", "/moderation/alerts/"+report.NewID()+"/progress", nil, a.cookie); w.Code != http.StatusOK {
		t.Fatalf("poll: %d", w.Code)
	}
	h.clock.Advance(10 * time.Minute)
	if got := get(); got != http.StatusSeeOther {
		t.Fatalf("after 30 idle minutes (with polling): %d, want the sign-in redirect", got)
	}

	// Absolute: busy all day, still signed out at 12 hours.
	h.signIn(a)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		h.clock.Advance(20 * time.Minute)
		if got := get(); got != http.StatusOK {
			t.Fatalf("busy session ended after %v: %d", elapsed+20*time.Minute, got)
		}
	}
	h.clock.Advance(20 * time.Minute)
	if got := get(); got != http.StatusSeeOther {
		t.Fatalf("session alive after 12 hours: %d", got)
	}
}

func TestSignOutEndsSessionOnServer(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	w := h.do("POST", "/moderation/logout", url.Values{}, a.cookie)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", w.Code)
	}
	if c := sessionCookie(w); c == nil || c.MaxAge >= 0 {
		t.Error("sign-out did not clear the cookie")
	}
	// The old cookie, replayed, is worthless: the session is gone from the server.
	if w := h.do("GET", "/moderation/queue", nil, a.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("old cookie after sign-out: %d", w.Code)
	}
}

func TestLockoutAndSameAnswer(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	try := func(name, password string) (int, string) {
		w := h.do("POST", "/moderation/login", url.Values{"name": {name}, "password": {password}}, "")
		// The form echoes the typed name; take it out to compare the answers.
		return w.Code, strings.ReplaceAll(w.Body.String(), `value="`+name+`"`, "")
	}
	unknownCode, unknownBody := try("nobody", "whatever it is")
	wrongCode, wrongBody := try(a.name, "not the password")
	if unknownCode != wrongCode || unknownBody != wrongBody {
		t.Fatalf("unknown name and wrong password answered differently: %d vs %d", unknownCode, wrongCode)
	}
	for i := 0; i < 4; i++ {
		try(a.name, "not the password")
	}
	// Five failures: now even the right password is refused, with the same answer.
	lockedCode, lockedBody := try(a.name, a.password)
	if lockedCode != wrongCode || lockedBody != wrongBody {
		t.Fatalf("locked account answered differently: %d", lockedCode)
	}
	h.clock.Advance(31 * time.Second)
	try(a.name, "not the password") // a sixth failure doubles the wait
	h.clock.Advance(45 * time.Second)
	if code, _ := try(a.name, a.password); code != wrongCode {
		t.Fatalf("the delay did not grow after the sixth failure: %d", code)
	}
	h.clock.Advance(30 * time.Second)
	h.signIn(a) // 75s after the sixth failure, more than its 60s: open again
	// Success resets the count.
	if code, _ := try(a.name, "not the password"); code != http.StatusUnauthorized {
		t.Fatal(code)
	}
	h.signIn(a)
}

func TestTOTPCodeAcceptedOnce(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	passwordStep := func() string {
		w := h.do("POST", "/moderation/login", url.Values{"name": {a.name}, "password": {a.password}}, "")
		return sessionCookie(w).Value
	}
	// The code that confirmed enrolment cannot sign in again within its step.
	partial := passwordStep()
	code := h.code(a)
	if w := h.do("POST", "/moderation/login/totp", url.Values{"code": {code}}, partial); w.Code != http.StatusUnauthorized {
		t.Fatalf("enrolment code reused: %d", w.Code)
	}
	h.clock.Advance(30 * time.Second)
	code = h.code(a)
	if w := h.do("POST", "/moderation/login/totp", url.Values{"code": {code}}, partial); w.Code != http.StatusSeeOther {
		t.Fatalf("fresh code refused: %d", w.Code)
	}
	// The same code, a second time, in a second sign-in within the same 30 seconds.
	partial = passwordStep()
	if w := h.do("POST", "/moderation/login/totp", url.Values{"code": {code}}, partial); w.Code != http.StatusUnauthorized {
		t.Fatalf("code accepted twice: %d", w.Code)
	}
	// Nor is an older code accepted once a newer one was used, even within the drift window.
	h.clock.Advance(30 * time.Second)
	if w := h.do("POST", "/moderation/login/totp", url.Values{"code": {code}}, partial); w.Code != http.StatusUnauthorized {
		t.Fatalf("previous step's used code accepted: %d", w.Code)
	}
	if w := h.do("POST", "/moderation/login/totp", url.Values{"code": {"12345"}}, partial); w.Code != http.StatusUnauthorized {
		t.Fatalf("malformed code: %d", w.Code)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "admin")
	r := h.addReport("x")
	form := url.Values{"reason": {"insufficient"}}
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"}, // a sibling subdomain is another origin too
		{"Origin", "https://evil.example"},
	} {
		w := h.do("POST", "/moderation/reports/"+r.ID+"/reject", form, a.cookie, hdr...)
		if w.Code != http.StatusForbidden {
			t.Errorf("cross-origin post with %v = %d, want 403", hdr, w.Code)
		}
	}
	if got, err := h.store.Report(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	} else if got.Status != report.StatusPending {
		t.Fatalf("a cross-origin post changed the report: %s", got.Status)
	}
	if w := h.do("POST", "/moderation/login", url.Values{"name": {"ana"}}, "", "Sec-Fetch-Site", "cross-site"); w.Code != http.StatusForbidden {
		t.Errorf("cross-origin sign-in post = %d", w.Code)
	}
	// The site's own form passes.
	w := h.do("POST", "/moderation/reports/"+r.ID+"/reject", form, a.cookie, "Sec-Fetch-Site", "same-origin", "Origin", "http://localhost:8080")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("same-origin post = %d", w.Code)
	}
}

func TestDisabledAccountLosesSessions(t *testing.T) {
	h := newHarness(t)
	adm := h.signUp("ad", "admin")
	mod := h.signUp("mo", "moderator")
	m, err := h.store.ModeratorByName(context.Background(), "mo")
	if err != nil {
		t.Fatal(err)
	}
	if w := h.do("POST", "/moderation/admin/accounts/"+m.ID+"/disable", url.Values{}, adm.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("disable: %d", w.Code)
	}
	if w := h.do("GET", "/moderation/queue", nil, mod.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("disabled account's session still works: %d", w.Code)
	}
	h.clock.Advance(30 * time.Second)
	if w := h.do("POST", "/moderation/login", url.Values{"name": {"mo"}, "password": {mod.password}}, ""); w.Code != http.StatusUnauthorized {
		t.Fatalf("disabled account signed in: %d", w.Code)
	}
	// Reset from the admin page: a new one-time password, shown once, and a new enrolment.
	w := h.do("POST", "/moderation/admin/accounts/"+m.ID+"/reset", url.Values{}, adm.cookie)
	otp := regexp.MustCompile(`class="otp">([a-z0-9-]+)<`).FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || otp == nil {
		t.Fatalf("reset: %d", w.Code)
	}
	if w := h.do("POST", "/moderation/admin/accounts/"+m.ID+"/enable", url.Values{}, adm.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("enable: %d", w.Code)
	}
	w = h.do("POST", "/moderation/login", url.Values{"name": {"mo"}, "password": {otp[1]}}, "")
	if w.Header().Get("Location") != "/moderation/login/password" {
		t.Fatalf("sign-in after reset goes to %q", w.Header().Get("Location"))
	}
	// Admins cannot lock themselves out from the page.
	me, err := h.store.ModeratorByName(context.Background(), "ad")
	if err != nil {
		t.Fatal(err)
	}
	if w := h.do("POST", "/moderation/admin/accounts/"+me.ID+"/disable", url.Values{}, adm.cookie); w.Code != http.StatusConflict {
		t.Fatalf("self-disable: %d", w.Code)
	}
}

// Signing in ends the sessions the browser already had (session fixation): the full session
// whose cookie it still sent, and then the half-signed-in session of the password step.
func TestSignInEndsTheBrowsersEarlierSessions(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	old := a.cookie
	h.clock.Advance(30 * time.Second)
	w := h.do("POST", "/moderation/login", url.Values{"name": {a.name}, "password": {a.password}}, old)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/login/totp" || sessionCookie(w) == nil {
		t.Fatalf("password step: %d %s", w.Code, w.Header().Get("Location"))
	}
	partial := sessionCookie(w).Value
	if partial == old {
		t.Fatal("the password step kept the browser's token")
	}
	if w := h.do("GET", "/moderation/queue", nil, old); w.Code == http.StatusOK {
		t.Fatal("the earlier full session still works after a new sign-in")
	}
	if w := h.do("GET", "/moderation/login/totp", nil, partial); w.Code != http.StatusOK {
		t.Fatalf("the password step's session does not reach the code step: %d", w.Code)
	}
	w = h.do("POST", "/moderation/login/totp", url.Values{"code": {h.code(a)}}, partial)
	if w.Code != http.StatusSeeOther || sessionCookie(w) == nil {
		t.Fatalf("code step: %d", w.Code)
	}
	full := sessionCookie(w).Value
	if w := h.do("GET", "/moderation/login/totp", nil, partial); w.Code == http.StatusOK {
		t.Fatal("the password step's session still works after the code step")
	}
	if w := h.do("GET", "/moderation/queue", nil, full); w.Code != http.StatusOK {
		t.Fatalf("the new full session: %d", w.Code)
	}
}

// The first password change refuses two different passwords and the one-time password itself.
func TestPasswordChangeRefusesAMismatchAndTheOneTimePassword(t *testing.T) {
	h := newHarness(t)
	otp, err := h.accounts.Add(context.Background(), "test", "ben", "moderator")
	if err != nil {
		t.Fatal(err)
	}
	w := h.do("POST", "/moderation/login", url.Values{"name": {"ben"}, "password": {otp}}, "")
	if w.Code != http.StatusSeeOther || sessionCookie(w) == nil {
		t.Fatalf("sign-in with the one-time password: %d", w.Code)
	}
	partial := sessionCookie(w).Value
	for name, form := range map[string]url.Values{
		"mismatch":          {"password": {"violet kettle harbour 42"}, "confirm": {"violet kettle harbour 43"}},
		"one-time password": {"password": {otp}, "confirm": {otp}},
	} {
		if w := h.do("POST", "/moderation/login/password", form, partial); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, w.Code, w.Header().Get("Location"))
		}
	}
	w = h.do("POST", "/moderation/login/password", url.Values{"password": {"violet kettle harbour 42"}, "confirm": {"violet kettle harbour 42"}}, partial)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("a good change: %d", w.Code)
	}
}

// totpSecretDown is a database that cannot store an enrolment secret.
type totpSecretDown struct{ store.Store }

func (totpSecretDown) SetTOTPSecret(context.Context, string, string) error {
	return errors.New("database write failed")
}

// When the secret a first sign-in is to enrol cannot be stored, the sign-in fails as a server
// error: no half-signed-in session is started on a secret the database never saw.
func TestFirstSignInFailsWhenTheSecretCannotBeStored(t *testing.T) {
	h := newHarnessOn(t, totpSecretDown{storetest.New(t)})
	otp, err := h.accounts.Add(context.Background(), "test", "cy", "moderator")
	if err != nil {
		t.Fatal(err)
	}
	w := h.do("POST", "/moderation/login", url.Values{"name": {"cy"}, "password": {otp}}, "")
	if w.Code < 500 || sessionCookie(w) != nil {
		t.Fatalf("sign-in with the secret unsaved: %d, cookie %v", w.Code, sessionCookie(w))
	}
}
