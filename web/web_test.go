package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/internal/testkit"
)

// newTestEngine is the engine with a few routes of the kinds front ends register, and its log.
func newTestEngine(t *testing.T, opts EngineOptions) (*gin.Engine, *testkit.Buffer) {
	t.Helper()
	logs := &testkit.Buffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	e, err := NewEngine(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.GET("/api/v1/thing", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	e.POST("/form", func(c *gin.Context) {
		if err := c.Request.ParseForm(); err != nil {
			if IsTooLarge(err) {
				c.String(http.StatusRequestEntityTooLarge, "too large")
				return
			}
			c.String(http.StatusBadRequest, "bad")
			return
		}
		c.String(http.StatusOK, "posted")
	})
	e.GET("/panic", func(*gin.Context) { panic("boom for the test") })
	e.GET("/key", func(c *gin.Context) { c.String(http.StatusOK, ClientKey(c)) })
	return e, logs
}

func serve(e http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	req.RemoteAddr = "203.0.113.77:4321"
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}

func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	e, _ := newTestEngine(t, EngineOptions{NotFound: func(c *gin.Context) { c.String(http.StatusNotFound, "page") }})
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string // the JSON error code, for the platform's own answers
	}{
		{"GET", "/api/v1/thing", "", 200, ""},
		{"GET", "/api/v1/nothing", "", 404, "not_found"},
		{"GET", "/nothing", "", 404, ""}, // the front end's own 404 page
		{"PATCH", "/api/v1/thing", "", 405, "method_not_allowed"},
		{"POST", "/form", "x=" + strings.Repeat("a", MaxBody), 413, "too_large"},
		{"GET", "/panic", "", 500, "internal"},
	} {
		w := serve(e, tc.method, tc.path, tc.body)
		name := tc.method + " " + tc.path
		if w.Code != tc.status {
			t.Errorf("%s = %d, want %d", name, w.Code, tc.status)
		}
		if tc.code != "" && !strings.Contains(w.Body.String(), `"code":"`+tc.code+`"`) {
			t.Errorf("%s: body %s, want error code %s", name, w.Body, tc.code)
		}
		h := w.Header()
		for header, want := range map[string]string{
			"Content-Security-Policy": ContentSecurityPolicy, "Referrer-Policy": "no-referrer",
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		} {
			if h.Get(header) != want {
				t.Errorf("%s: %s = %q, want %q", name, header, h.Get(header), want)
			}
		}
		if h.Get("Permissions-Policy") == "" || h.Get("Set-Cookie") != "" {
			t.Errorf("%s: Permissions-Policy %q, Set-Cookie %q", name, h.Get("Permissions-Policy"), h.Get("Set-Cookie"))
		}
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	e, _ := newTestEngine(t, EngineOptions{})
	if w := serve(e, "POST", "/form", "x=1", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); w.Code != http.StatusForbidden {
		t.Errorf("cross-site post = %d, want 403", w.Code)
	}
	if w := serve(e, "POST", "/form", "x=1", "Sec-Fetch-Site", "same-origin"); w.Code != http.StatusOK {
		t.Errorf("same-origin post = %d %s, want 200", w.Code, w.Body)
	}
	if w := serve(e, "POST", "/form", "x=1"); w.Code != http.StatusOK {
		t.Errorf("post without browser headers = %d %s, want 200", w.Code, w.Body)
	}
}

// TestAccessLogHoldsNoClientDetail pins what the access log may say about a request: its
// route pattern, never its path, query, address or agent.
func TestAccessLogHoldsNoClientDetail(t *testing.T) {
	e, logs := newTestEngine(t, EngineOptions{})
	serve(e, "GET", "/api/v1/thing?value=canary-query", "", "X-Forwarded-For", "198.51.100.9", "User-Agent", "CanaryAgent/1.0")
	serve(e, "GET", "/no/such/canary-path", "")
	serve(e, "GET", "/panic", "")
	got := logs.String()
	if !strings.Contains(got, `"route":"/api/v1/thing"`) || !strings.Contains(got, `"route":"unmatched"`) || !strings.Contains(got, "boom for the test") {
		t.Fatalf("the log lacks the routes or the panic:\n%s", got)
	}
	for _, canary := range []string{"canary-query", "canary-path", "198.51.100.9", "203.0.113.77", "CanaryAgent"} {
		if strings.Contains(got, canary) {
			t.Errorf("the log holds %q:\n%s", canary, got)
		}
	}
}

func TestClientKeyGroupsIPv6ByPrefix(t *testing.T) {
	e, _ := newTestEngine(t, EngineOptions{TrustedProxies: []string{"203.0.113.77"}})
	key := func(forwarded string) string {
		return serve(e, "GET", "/key", "", "X-Forwarded-For", forwarded).Body.String()
	}
	if a, b := key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:eeee:dddd:cccc"); a != b {
		t.Errorf("two addresses of one /64 have keys %q and %q", a, b)
	}
	if a, b := key("2001:db8:1:2::1"), key("2001:db8:1:3::1"); a == b {
		t.Errorf("two /64s share the key %q", a)
	}
	if a, b := key("192.0.2.1"), key("192.0.2.2"); a == b {
		t.Errorf("two IPv4 addresses share the key %q", a)
	}
	// An untrusted peer's forwarding header is not believed.
	untrusted, _ := newTestEngine(t, EngineOptions{})
	w := serve(untrusted, "GET", "/key", "", "X-Forwarded-For", "192.0.2.1")
	if got := w.Body.String(); got != "203.0.113.77" {
		t.Errorf("key behind an untrusted peer = %q, want the peer's address", got)
	}
}

func TestLanguageIsQueryThenAcceptLanguage(t *testing.T) {
	for _, tc := range []struct {
		query, accept, want string
		explicit            bool
	}{
		{"", "es-MX,es;q=0.9", "es", false},
		{"?lang=en", "es", "en", true},
		{"?lang=es", "", "es", true},
		{"?lang=%3Cscript%3E", "es", "en", true}, // unknown: the first language, never an error
		{"", "", "en", false},
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodGet, "/alerts"+tc.query, nil)
		if tc.accept != "" {
			c.Request.Header.Set("Accept-Language", tc.accept)
		}
		if lang, explicit := Language(c); lang != tc.want || explicit != tc.explicit {
			t.Errorf("%q with Accept-Language %q: got %s, %v; want %s, %v", tc.query, tc.accept, lang, explicit, tc.want, tc.explicit)
		}
	}
}
