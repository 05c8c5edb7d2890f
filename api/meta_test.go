package api

import (
	"encoding/json"
	"github.com/headsup/headsup/web"
	"testing"
)

func TestMetaIsTheFormSchemaInTheAskedLanguage(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct{ query, header, lang, kindLabel string }{
		{"", "", "en", "Bad date"},
		{"?lang=es", "", "es", ""},
		{"", "es-419,es;q=0.9,en;q=0.5", "es", ""},
		{"?lang=en", "es", "en", "Bad date"},
	} {
		w := ts.request(t, "GET", "/api/v1/meta"+tc.query, nil, "Accept-Language", tc.header)
		if w.Code != 200 {
			t.Fatalf("meta: %d", w.Code)
		}
		var m Meta
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.Language != tc.lang {
			t.Errorf("%s %s: lang %q, want %q", tc.query, tc.header, m.Language, tc.lang)
		}
		if len(m.Kinds) != 2 || len(m.Areas) != 9 || m.VAPIDPublicKey != "BPUBLIC" || m.ProofOfWork.MaxNumber != 1000 {
			t.Fatalf("meta incomplete: %d kinds, %d areas, key %q, pow %+v", len(m.Kinds), len(m.Areas), m.VAPIDPublicKey, m.ProofOfWork)
		}
		if tc.kindLabel != "" && m.Kinds[0].Label != tc.kindLabel {
			t.Errorf("kind label %q", m.Kinds[0].Label)
		}
		for _, k := range m.Kinds {
			for _, f := range k.Fields {
				if f.Label == "" || (f.Type == "enum" || f.Type == "multi") && len(f.Options) == 0 {
					t.Errorf("%s.%s has no label or options", k.Code, f.Name)
				}
			}
		}
	}
}

func TestAlertsListingValidatesQueries(t *testing.T) {
	ts := newTestServer(t)
	w := ts.request(t, "GET", "/api/v1/alerts", nil)
	if w.Code != 200 || w.Body.String() != `{"alerts":[]}` {
		t.Fatalf("empty list: %d %s", w.Code, w.Body)
	}
	for _, q := range []string{"kind=weather", "area=mars", "since=yesterday", "limit=0", "limit=1000", "cursor=%24%24%24"} {
		if w := ts.request(t, "GET", "/api/v1/alerts?"+q, nil); w.Code != 400 {
			t.Errorf("%s: %d, want 400", q, w.Code)
		}
	}
	for _, id := range []string{"nope", "AAAAAAAAAAAAAAAAAAAAAA"} {
		if w := ts.request(t, "GET", "/api/v1/alerts/"+id, nil); w.Code != 404 {
			t.Errorf("alert %s: %d, want 404", id, w.Code)
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/v1/meta", nil, 200},
		{"GET", "/api/v1/nothing", nil, 404},
		{"PATCH", "/api/v1/meta", nil, 405},
		{"POST", "/api/v1/reports", `{"details":"` + string(make([]byte, 70<<10)) + `"}`, 413},
	} {
		w := ts.request(t, tc.method, tc.path, tc.body)
		if w.Code != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.status)
		}
		h := w.Header()
		for name, want := range map[string]string{
			"Content-Security-Policy": web.ContentSecurityPolicy, "Referrer-Policy": "no-referrer",
			"X-Content-Type-Options": "nosniff",
		} {
			if h.Get(name) != want {
				t.Errorf("%s %s: %s = %q", tc.method, tc.path, name, h.Get(name))
			}
		}
		if h.Get("Permissions-Policy") == "" || h.Get("Set-Cookie") != "" {
			t.Errorf("%s %s: Permissions-Policy %q, Set-Cookie %q", tc.method, tc.path, h.Get("Permissions-Policy"), h.Get("Set-Cookie"))
		}
	}
}

func TestCrossSiteSubmissionRefused(t *testing.T) {
	ts := newTestServer(t)
	w := ts.request(t, "POST", "/api/v1/reports", map[string]any{"kind": "bad_date", "fields": validBadDate()},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if w.Code != 403 {
		t.Fatalf("cross-site POST: %d, want 403", w.Code)
	}
}
