package moderation_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// walkLevel is who a moderation route is for.
type walkLevel int

const (
	forAnyone     walkLevel = iota // no session needed: sign-in form, its assets
	forSigningIn                   // any live session, between password and TOTP or complete
	forStaff                       // a complete sign-in of any role, outreach staff included
	forModerators                  // a complete sign-in of a moderator or admin: password and TOTP
	forAdmins                      // a complete sign-in of an admin
)

func (l walkLevel) String() string {
	return [...]string{"anyone", "signing-in", "staff", "moderators", "admins"}[l]
}

// walkAnswer is a response the walk expects: a status, for a redirect where it goes ({report}
// and {alert} are the request's fixture, * an id the test cannot know), and a text the body
// must hold.
type walkAnswer struct {
	status   int
	location string
	body     string
}

func page(title string) walkAnswer {
	return walkAnswer{status: http.StatusOK, body: "<title>" + title + " · "}
}

func redirect(to string) walkAnswer { return walkAnswer{status: http.StatusSeeOther, location: to} }

// walkRule is one moderation route: who may call it, the form a caller posts (real ids, valid
// values: a caller let through wrongly would really act) and the answer a caller who may call
// it gets — without a live session (only on routes for anyone), between the password and the
// TOTP steps, or fully signed in.
type walkRule struct {
	level                 walkLevel
	form                  func(fx *walkFixture) url.Values
	noSession, half, full walkAnswer
}

const walkAlertTitle = "Grey sedan driver robbing workers"

// walkRules is the access rule of every route under /moderation. A route without a rule here
// fails TestAccessRulesHoldForEveryCaller.
var walkRules = map[string]walkRule{
	"GET /moderation/login": {level: forAnyone,
		noSession: page("Sign in"), half: page("Sign in"), full: redirect("/moderation/queue")},
	"POST /moderation/login": {level: forAnyone, form: func(fx *walkFixture) url.Values {
		return url.Values{"name": {fx.targetName}, "password": {fx.targetOTP}}
	}, noSession: redirect("/moderation/login/password"), half: redirect("/moderation/login/password"), full: redirect("/moderation/login/password")},
	"GET /moderation/static/:name": {level: forAnyone,
		noSession: walkAnswer{status: http.StatusOK}, half: walkAnswer{status: http.StatusOK}, full: walkAnswer{status: http.StatusOK}},

	// The half-signed-in caller is at the TOTP step: the other steps send it there; a
	// complete session is sent to the queue.
	"GET /moderation/login/password": {level: forSigningIn,
		half: redirect("/moderation/login/totp"), full: redirect("/moderation/queue")},
	"POST /moderation/login/password": {level: forSigningIn, form: func(*walkFixture) url.Values {
		return url.Values{"password": {"amber lantern river 61"}, "confirm": {"amber lantern river 61"}}
	}, half: redirect("/moderation/login/totp"), full: redirect("/moderation/queue")},
	"GET /moderation/login/enroll": {level: forSigningIn,
		half: redirect("/moderation/login/totp"), full: redirect("/moderation/queue")},
	"POST /moderation/login/enroll": {level: forSigningIn, form: func(fx *walkFixture) url.Values {
		return url.Values{"code": {fx.code}}
	}, half: redirect("/moderation/login/totp"), full: redirect("/moderation/queue")},
	"GET /moderation/login/totp": {level: forSigningIn,
		half: page("Enter your code"), full: redirect("/moderation/queue")},
	"POST /moderation/login/totp": {level: forSigningIn, form: func(fx *walkFixture) url.Values {
		return url.Values{"code": {fx.code}}
	}, half: redirect("/moderation/queue"), full: redirect("/moderation/queue")},
	"POST /moderation/logout": {level: forSigningIn, form: noForm,
		half: redirect("/moderation/login?done=signedout"), full: redirect("/moderation/login?done=signedout")},

	"GET /moderation":          {level: forStaff, full: redirect("/moderation/queue")},
	"GET /moderation/":         {level: forStaff, full: redirect("/moderation/queue")},
	"GET /moderation/outreach": {level: forStaff, full: page("File a report for someone")},
	"POST /moderation/outreach": {level: forStaff, form: func(*walkFixture) url.Values {
		return url.Values{"kind": {"bad_date"}, "date": {"2026-03-09"}, "area": {"ward-6"},
			"details": {"Took my phone at the corner of 5th."}, "harms": {"robbery_theft"}}
	}, full: walkAnswer{status: http.StatusOK, body: `id="receipt-code"`}},

	"GET /moderation/queue":                {level: forModerators, full: page("Review queue")},
	"GET /moderation/reports/:id":          {level: forModerators, full: page("Report")},
	"POST /moderation/reports/:id/claim":   {level: forModerators, form: noForm, full: redirect("/moderation/reports/{report}")},
	"POST /moderation/reports/:id/release": {level: forModerators, form: noForm, full: redirect("/moderation/queue?done=released")},
	"POST /moderation/reports/:id/approve": {level: forModerators, form: func(*walkFixture) url.Values {
		return approveForm("Grey Honda driver robs workers", "A driver in a grey Honda takes money by force.")
	}, full: redirect("/moderation/alerts/*?done=approved")},
	"POST /moderation/reports/:id/reject": {level: forModerators, form: func(*walkFixture) url.Values {
		return url.Values{"reason": {"insufficient"}}
	}, full: redirect("/moderation/queue?done=rejected")},
	"POST /moderation/reports/:id/merge": {level: forModerators, form: func(fx *walkFixture) url.Values {
		return url.Values{"alert": {fx.alertID}, "confirm": {"yes"}}
	}, full: redirect("/moderation/alerts/{alert}?done=merged")},
	"POST /moderation/reports/:id/ask": {level: forModerators, form: func(*walkFixture) url.Values {
		return url.Values{"question": {"when"}}
	}, full: redirect("/moderation/queue?done=asked")},
	"GET /moderation/alerts":              {level: forModerators, full: page("Alerts")},
	"GET /moderation/alerts/:id":          {level: forModerators, full: page(walkAlertTitle)},
	"GET /moderation/alerts/:id/progress": {level: forModerators, full: walkAnswer{status: http.StatusOK, body: `"deliveries"`}},
	"POST /moderation/alerts/:id/edit": {level: forModerators, form: func(*walkFixture) url.Values {
		f := approveForm("Grey sedan driver robbing workers downtown", "Takes money by force; seen twice this week.")
		f.Set("version", "1")
		return f
	}, full: redirect("/moderation/alerts/{alert}?done=edited")},
	"GET /moderation/alerts/:id/retract":  {level: forModerators, full: page("Retract alert")},
	"POST /moderation/alerts/:id/retract": {level: forModerators, form: noForm, full: redirect("/moderation/alerts/{alert}?done=retracted")},
	"POST /moderation/alerts/:id/extend": {level: forModerators, form: func(*walkFixture) url.Values {
		return url.Values{"expires": {"2026-06-30"}}
	}, full: redirect("/moderation/alerts/{alert}?done=extended")},

	"GET /moderation/admin/accounts": {level: forAdmins, full: page("Moderator accounts")},
	"POST /moderation/admin/accounts": {level: forAdmins, form: func(fx *walkFixture) url.Values {
		return url.Values{"name": {fx.newName}, "role": {"moderator"}}
	}, full: walkAnswer{status: http.StatusOK, body: `class="otp"`}},
	"POST /moderation/admin/accounts/:id/disable": {level: forAdmins, form: noForm, full: redirect("/moderation/admin/accounts?done=disabled")},
	"POST /moderation/admin/accounts/:id/enable":  {level: forAdmins, form: noForm, full: redirect("/moderation/admin/accounts?done=enabled")},
	"POST /moderation/admin/accounts/:id/reset":   {level: forAdmins, form: noForm, full: walkAnswer{status: http.StatusOK, body: `class="otp"`}},
	"GET /moderation/admin/audit":                 {level: forAdmins, full: page("Audit log")},
	"GET /moderation/admin/stats":                 {level: forAdmins, full: page("Statistics")},
}

func noForm(*walkFixture) url.Values { return url.Values{} }

// walkFixture is what one request acts on, made fresh for it: a pending report, a published
// alert of the same kind and an account an admin could act on.
type walkFixture struct {
	report               string
	alertID              string
	targetID, targetName string
	targetOTP            string
	newName              string
	code                 string // the TOTP code of the half-signed-in caller's account, now
}

// walkSession is what a caller has: no live session, a session between the password and the
// TOTP step, or a complete one.
type walkSession int

const (
	noSession walkSession = iota
	halfSession
	fullSession
)

// walkCaller is one kind of caller. cookie signs it in afresh for every request, so that no
// request depends on what an earlier one did (signed out, disabled, rotated a token).
type walkCaller struct {
	name      string
	session   walkSession
	admin     bool
	outreach  bool // an outreach account: files reports, sees no queue, report or alert
	crossSite bool // sends a cross-site Origin, on unsafe methods only
	cookie    func() string
}

// TestAccessRulesHoldForEveryCaller sends every kind of caller to every moderation route that
// Gin has, and checks each answer against the route's rule: a caller who may not call a route
// is sent to sign in or refused, and nothing stored changes; a caller who may gets the page or
// the action done.
func TestAccessRulesHoldForEveryCaller(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	mod := h.signUp("walk-mod", "moderator")
	adm := h.signUp("walk-admin", "admin")
	out := h.signUp("walk-outreach", "outreach")
	// Admins, so that nothing but the missing second factor or the disabled flag stands
	// between them and every route.
	half := h.signUp("walk-half", "admin")
	gone := h.signUp("walk-disabled", "admin")
	goneAccount, err := h.store.ModeratorByName(ctx, gone.name)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(30 * time.Second) // past the TOTP step the enrolments used

	halfCookie := func() string {
		w := h.do("POST", "/moderation/login", url.Values{"name": {half.name}, "password": {half.password}}, "")
		c := sessionCookie(w)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/login/totp" || c == nil {
			t.Fatalf("password step of the half-signed-in caller: %d %q", w.Code, w.Header().Get("Location"))
		}
		sum := sha256.Sum256([]byte(c.Value))
		if sess, err := h.store.Session(ctx, hex.EncodeToString(sum[:])); err != nil || sess.Full {
			t.Fatalf("the password step stored no half session: %+v %v", sess, err)
		}
		return c.Value
	}
	disabledCookie := func() string {
		if err := h.store.SetModeratorDisabled(ctx, goneAccount.ID, false); err != nil {
			t.Fatal(err)
		}
		cookie := h.signIn(gone)
		// Only the account's flag: the session stays stored, so the refusal comes from the
		// check on every request, not from the session having been deleted.
		if err := h.store.SetModeratorDisabled(ctx, goneAccount.ID, true); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(cookie))
		if _, err := h.store.Session(ctx, hex.EncodeToString(sum[:])); err != nil {
			t.Fatalf("the disabled account's session is not stored: %v", err)
		}
		return cookie
	}
	callers := []walkCaller{
		{name: "anonymous", session: noSession, cookie: func() string { return "" }},
		{name: "half-signed-in admin (password, no TOTP)", session: halfSession, admin: true, cookie: halfCookie},
		{name: "disabled admin's session", session: noSession, cookie: disabledCookie},
		{name: "moderator", session: fullSession, cookie: func() string { return h.signIn(mod) }},
		{name: "admin", session: fullSession, admin: true, cookie: func() string { return h.signIn(adm) }},
		{name: "outreach staff", session: fullSession, outreach: true, cookie: func() string { return h.signIn(out) }},
		{name: "cross-site outreach staff", session: fullSession, outreach: true, crossSite: true, cookie: func() string { return h.signIn(out) }},
		{name: "cross-site moderator", session: fullSession, crossSite: true, cookie: func() string { return h.signIn(mod) }},
		{name: "cross-site admin", session: fullSession, admin: true, crossSite: true, cookie: func() string { return h.signIn(adm) }},
	}

	routes := map[string]bool{}
	var keys []string
	for _, r := range h.engine.Routes() {
		if r.Path != "/moderation" && !strings.HasPrefix(r.Path, "/moderation/") {
			continue
		}
		key := r.Method + " " + r.Path
		routes[key] = true
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for key := range walkRules {
		if !routes[key] {
			t.Errorf("rule for %s, which is not a route", key)
		}
	}

	var walked []string
	for _, key := range keys {
		rule, ok := walkRules[key]
		method, _, _ := strings.Cut(key, " ")
		switch {
		case !ok:
			t.Errorf("%s has no access rule in walkRules: decide who may call it and add it", key)
		case method != http.MethodGet && rule.form == nil:
			t.Errorf("the rule for %s has no form to post", key)
		default:
			walked = append(walked, key)
		}
	}

	// Refusals first, while the database is small (each is checked against a dump of it);
	// they change nothing, so the refused callers of a route share one fixture. Every caller
	// let through gets a fresh fixture, as its action changes it.
	n := 0
	for _, refusals := range []bool{true, false} {
		for _, key := range walked {
			rule := walkRules[key]
			method, pattern, _ := strings.Cut(key, " ")
			var shared *walkFixture
			for _, c := range callers {
				if c.crossSite && method == http.MethodGet {
					continue
				}
				want, allowed := expectedAnswer(rule, method, pattern, c)
				if allowed == refusals {
					continue
				}
				n++
				fx := shared
				if allowed || fx == nil {
					fx = newWalkFixture(t, h, n)
				}
				if !allowed {
					shared = fx
				}
				cookie := c.cookie()
				fx.code = h.code(half)
				path := walkPath(pattern, fx)
				var form url.Values
				var header []string
				if method != http.MethodGet {
					form = rule.form(fx)
					if c.crossSite {
						header = []string{"Origin", "https://evil.example"}
					}
				}
				var before map[string]bool
				if !allowed {
					before = storedRecords(t, h)
				}
				w := h.do(method, path, form, cookie, header...)
				if problem := want.mismatch(w, fx); problem != "" {
					verdict := "be refused"
					if allowed {
						verdict = "be let through"
					}
					t.Errorf("%s, %s %s (rule: %s; should %s): %s", c.name, method, path, rule.level, verdict, problem)
				}
				if !allowed {
					if diff := recordsDiff(before, storedRecords(t, h)); diff != "" {
						t.Errorf("%s, %s %s was to be refused but changed stored records:\n%s", c.name, method, path, diff)
					}
				}
			}
		}
	}
	// Every route has at least one caller it refuses or lets through: anonymous callers and
	// admins alone make 2 per route.
	if n < 2*len(walked) {
		t.Fatalf("walked %d requests over %d routes", n, len(walked))
	}
	t.Logf("%d requests over %d routes", n, len(walked))
}

// expectedAnswer is what caller c gets from a route under rule, and whether that is the route
// letting it through.
func expectedAnswer(rule walkRule, method, pattern string, c walkCaller) (walkAnswer, bool) {
	poll := strings.HasSuffix(pattern, "/progress")
	signIn := func(to string) walkAnswer {
		switch {
		case poll:
			return walkAnswer{status: http.StatusUnauthorized, body: "signed_out"}
		case method == http.MethodGet:
			return redirect(to)
		}
		return walkAnswer{status: http.StatusUnauthorized, body: "Your session has ended, so nothing was changed."}
	}
	switch {
	case c.crossSite:
		return walkAnswer{status: http.StatusForbidden, body: "cross_origin"}, false
	case c.session == noSession && rule.level == forAnyone:
		return rule.noSession, true
	case c.session == noSession:
		return signIn("/moderation/login"), false
	case c.session == halfSession && rule.level <= forSigningIn:
		return rule.half, true
	case c.session == halfSession:
		return signIn("/moderation/login/totp"), false
	case c.outreach && rule.level >= forModerators:
		return walkAnswer{status: http.StatusForbidden, body: "<title>Not for outreach accounts · "}, false
	case c.outreach && rule.full.location == "/moderation/queue":
		// Outreach staff land on their own page wherever a moderator lands on the queue.
		return redirect("/moderation/outreach"), true
	case rule.level == forAdmins && !c.admin:
		return walkAnswer{status: http.StatusForbidden, body: "<title>Admins only · "}, false
	}
	return rule.full, true
}

// mismatch describes how w differs from the expected answer, or is empty.
func (a walkAnswer) mismatch(w *httptest.ResponseRecorder, fx *walkFixture) string {
	loc := w.Header().Get("Location")
	if w.Code != a.status {
		got, want := fmt.Sprint(w.Code), fmt.Sprint(a.status)
		if loc != "" {
			got += " to " + loc
		}
		if a.location != "" {
			want += " to " + a.location
		}
		return "answered " + got + ", want " + want
	}
	if a.status == http.StatusSeeOther {
		want := strings.NewReplacer("{report}", fx.report, "{alert}", fx.alertID).Replace(a.location)
		prefix, suffix, wild := strings.Cut(want, "*")
		if wild && !(strings.HasPrefix(loc, prefix) && strings.HasSuffix(loc, suffix) && len(loc) > len(prefix)+len(suffix)) ||
			!wild && loc != want {
			return fmt.Sprintf("redirected to %q, want %q", loc, want)
		}
	}
	if a.body != "" && !strings.Contains(w.Body.String(), a.body) {
		return fmt.Sprintf("answered %d without %q in the body", w.Code, a.body)
	}
	return ""
}

// walkPath fills a route pattern's parameters from the fixture.
func walkPath(pattern string, fx *walkFixture) string {
	switch {
	case strings.HasPrefix(pattern, "/moderation/reports/:id"):
		return strings.Replace(pattern, ":id", fx.report, 1)
	case strings.HasPrefix(pattern, "/moderation/alerts/:id"):
		return strings.Replace(pattern, ":id", fx.alertID, 1)
	case strings.HasPrefix(pattern, "/moderation/admin/accounts/:id"):
		return strings.Replace(pattern, ":id", fx.targetID, 1)
	case strings.HasPrefix(pattern, "/moderation/static/:name"):
		return "/moderation/static/" + stylesheetName()
	}
	return pattern
}

// newWalkFixture stores what the n-th request of the walk acts on.
func newWalkFixture(t *testing.T, h *harness, n int) *walkFixture {
	t.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	a := &report.Alert{
		ID: report.NewID(), Version: 1, Kind: report.BadDate, Severity: report.SeverityWarning,
		Title: walkAlertTitle, Body: "Takes money by force.", Areas: []string{"ward-6"},
		IncidentDay: report.Day(now), Published: now, Updated: now, Expires: now.Add(30 * 24 * time.Hour),
		Status: report.AlertPublished, ReportCount: 1,
	}
	if err := h.store.CreateAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	fx := &walkFixture{
		report:     h.addReport("He took my money and pushed me out of the car.").ID,
		alertID:    a.ID,
		targetName: fmt.Sprintf("walk-target-%d", n),
		newName:    fmt.Sprintf("walk-new-%d", n),
	}
	otp, err := h.accounts.Add(ctx, "test", fx.targetName, "moderator")
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.store.ModeratorByName(ctx, fx.targetName)
	if err != nil {
		t.Fatal(err)
	}
	fx.targetOTP, fx.targetID = otp, m.ID
	return fx
}

// storedRecords is every stored record except sessions (whose last-seen time a request may
// move), each as "collection: JSON".
func storedRecords(t *testing.T, h *harness) map[string]bool {
	t.Helper()
	ctx := context.Background()
	names, err := h.store.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	records := map[string]bool{}
	for _, name := range names {
		if name == store.ColSessions {
			continue
		}
		docs, err := h.store.DumpCollection(ctx, name)
		if err != nil {
			t.Fatalf("dump %s: %v", name, err)
		}
		for _, d := range docs {
			records[name+": "+d] = true
		}
	}
	return records
}

// recordsDiff lists the records only before and only after, or is empty.
func recordsDiff(before, after map[string]bool) string {
	var lines []string
	for r := range before {
		if !after[r] {
			lines = append(lines, "- "+r)
		}
	}
	for r := range after {
		if !before[r] {
			lines = append(lines, "+ "+r)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
