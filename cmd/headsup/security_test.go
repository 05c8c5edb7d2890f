package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/config"
	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/web"
)

// The privacy canaries: a client address and agent as proxies and browsers would send them.
var canaryHeaders = map[string]string{
	"X-Forwarded-For": "203.0.113.77, 2001:db8::7777",
	"X-Real-IP":       "203.0.113.77",
	"Forwarded":       `for=203.0.113.77, for="[2001:db8::7777]"`,
	"User-Agent":      "CanaryAgent/9.9 (canary-device)",
}

const canaryRemote = "198.51.100.23:40000"

var canaries = []string{"203.0.113.77", "2001:db8::7777", "CanaryAgent", "canary-device", "198.51.100.23"}

// TestEveryRouteIsSafe walks the router's whole table, as an anonymous visitor and as a signed-in
// admin, with privacy canaries on every request. Every response must carry the security
// headers and never be a 5xx; public routes never set a cookie; and afterwards neither the logs
// nor any document of any collection holds a canary, a receipt code, or anything shaped like
// an IP address.
func TestEveryRouteIsSafe(t *testing.T) {
	getenv := moderationEnv(t)
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	ctx := context.Background()
	a, err := newApp(ctx, cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), appOptions{NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.close(context.Background()) })
	// A route that panics proves that even a 500 carries the headers and leaks nothing.
	a.engine.GET("/test-only/panic", func(*gin.Context) { panic("boom for the test") })

	visitor := &browser{t: t, h: a.engine, headers: canaryHeaders, remoteAddr: canaryRemote}
	admin := signInNewModerator(t, a, getenv, "sam", "admin")
	admin.headers, admin.remoteAddr = canaryHeaders, canaryRemote

	// Material for the routes' parameters: a report, its receipt, an alert, a subscription.
	day := time.Now().UTC().Format(time.DateOnly)
	w := visitor.do("POST", "/api/v1/reports", nil, map[string]any{"kind": "bad_date", "fields": map[string]any{
		"date": day, "area": "ward-3", "harms": []string{"refused_to_pay"}, "details": "Refused to pay, drove off.",
		"phones": []string{"202-555-0199"},
	}})
	var rec struct{ ID, Receipt string }
	if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil || w.Code != 201 {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	second := visitor.do("POST", "/api/v1/reports", nil, map[string]any{"kind": "drug_alert", "fields": map[string]any{
		"date": day, "area": "ward-4", "sold_as": "meth", "details": "Cloudy shards, people awake for days.",
	}})
	var rec2 struct{ ID, Receipt string }
	if err := json.Unmarshal(second.Body.Bytes(), &rec2); err != nil || second.Code != 201 {
		t.Fatalf("submit: %d %s", second.Code, second.Body)
	}
	admin.do("POST", "/moderation/reports/"+rec.ID+"/claim", url.Values{}, nil)
	w = admin.do("POST", "/moderation/reports/"+rec.ID+"/approve", url.Values{
		"title.en": {"Non-payment, Ward 3"}, "body.en": {"A client refused to pay."}, "severity": {"warning"},
		"areas": {"ward-3"}, "expires": {time.Now().UTC().Add(20 * 24 * time.Hour).Format(time.DateOnly)}, "check": {"0"},
	}, nil)
	alertID := strings.TrimPrefix(strings.Split(w.Header().Get("Location"), "?")[0], "/moderation/alerts/")
	if w.Code != http.StatusSeeOther || alertID == "" {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}

	params := map[string]string{
		":id": alertID, ":receipt": rec2.Receipt, ":name": "sam", ":file": "app.css", "*filepath": "/app.css",
	}
	pattern := regexp.MustCompile(`[:*][a-z]+`)
	for _, r := range a.engine.Routes() {
		path := pattern.ReplaceAllStringFunc(r.Path, func(p string) string {
			if v, ok := params[p]; ok {
				return v
			}
			return "x"
		})
		if strings.Contains(r.Path, "/reports/:id") {
			path = strings.Replace(r.Path, ":id", rec.ID, 1)
		}
		for _, who := range []*browser{visitor, admin} {
			var form url.Values
			var body any
			if r.Method != "GET" && r.Method != "HEAD" {
				if strings.HasPrefix(path, "/api/") {
					body = map[string]any{}
				} else {
					form = url.Values{"x": {"203.0.113.77"}}
				}
			}
			w := who.do(r.Method, path, form, body)
			name := r.Method + " " + r.Path
			if w.Code >= 500 && path != "/test-only/panic" {
				t.Errorf("%s: %d %s", name, w.Code, w.Body)
			}
			h := w.Header()
			if h.Get("Content-Security-Policy") != web.ContentSecurityPolicy || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Referrer-Policy") != "no-referrer" || h.Get("Permissions-Policy") == "" {
				t.Errorf("%s: security headers missing (%d)", name, w.Code)
			}
			if !strings.HasPrefix(r.Path, "/moderation") && h.Get("Set-Cookie") != "" {
				t.Errorf("%s: public route sets a cookie: %s", name, h.Get("Set-Cookie"))
			}
		}
	}
	if w := visitor.do("GET", "/test-only/panic", nil, nil); w.Code != 500 || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("panic: %d, headers %v", w.Code, w.Header())
	}
	for _, tc := range []struct{ path string }{{"/no/such/page"}, {"/api/v1/no-such-route"}} {
		if w := visitor.do("GET", tc.path, nil, nil); w.Code != 404 || w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s: %d, CSP %q", tc.path, w.Code, w.Header().Get("Content-Security-Policy"))
		}
	}
	big := strings.Repeat("a", 70<<10)
	if w := visitor.do("POST", "/api/v1/reports", nil, map[string]string{"kind": big}); w.Code != 413 || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("oversized body: %d", w.Code)
	}

	var everything strings.Builder
	everything.WriteString(logs.String())
	names, err := a.store.Collections(ctx)
	if err != nil || len(names) == 0 {
		t.Fatalf("collections: %v %v", names, err)
	}
	ipShaped := regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{0,4}){2,7}\b`)
	for _, n := range names {
		docs, err := a.store.DumpCollection(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			everything.WriteString(d + "\n")
			if m := ipShaped.FindString(d); m != "" {
				t.Errorf("a document in %s holds %q, shaped like an IP address: %s", n, m, d)
			}
		}
	}
	all := everything.String()
	for _, c := range canaries {
		if strings.Contains(all, c) {
			i := strings.Index(all, c)
			t.Errorf("canary %q found in logs or database: …%s…", c, all[max(0, i-200):min(len(all), i+100)])
		}
	}
	for _, r := range []string{rec.Receipt, rec2.Receipt} {
		if strings.Contains(all, r) || strings.Contains(all, strings.ReplaceAll(r, "-", "")) {
			t.Errorf("receipt code %s found in logs or database", r)
		}
	}
	if strings.Count(logs.String(), `"msg":"request"`) < 50 {
		t.Fatalf("the access log is missing; the test would prove nothing")
	}
}
