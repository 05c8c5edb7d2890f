package api

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/headsup/headsup/push"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
	"github.com/headsup/headsup/web"
)

// newPushTestServer is the API with a push service, on a fresh database.
func newPushTestServer(t *testing.T) *testServer {
	t.Helper()
	return newPushTestServerOn(t, storetest.New(t))
}

func newPushTestServerOn(t *testing.T, s store.Store) *testServer {
	t.Helper()
	ts := newTestServerOn(t, s)
	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	svc := push.New(push.Options{
		Store: ts.store, Keys: keys, Subject: "mailto:ops@example.org",
		Services:      []string{"fcm.googleapis.com", "push.services.mozilla.com", "web.push.apple.com"},
		InsecureHosts: []string{"127.0.0.1"},
		Areas:         report.DefaultAreas(),
		BaseURL:       "https://alerts.example.org",
	})
	e, err := web.NewEngine(web.EngineOptions{Logger: slog.New(slog.NewJSONHandler(ts.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	Register(e, Deps{Store: ts.store, Intake: ts.intake, Push: svc, BaseURL: "https://alerts.example.org",
		VAPIDPublicKey: keys.Public})
	ts.engine = e
	return ts
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// browserKeys returns a real subscription key pair's public half and an auth secret.
func browserKeys(t *testing.T) (p256dh, auth string) {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	return b64(k.PublicKey().Bytes()), b64(secret)
}

func validSubscription(t *testing.T, endpoint string) map[string]any {
	p, a := browserKeys(t)
	return map[string]any{
		"endpoint": endpoint, "keys": map[string]any{"p256dh": p, "auth": a},
		"kinds": []string{"drug_alert"}, "areas": []string{"ward-1", "ward-6"}, "min_severity": "warning", "lang": "es",
	}
}

const fcmEndpoint = "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH"

// TestSubscribeChangeAndStop runs on every engine: replacing, changing and deleting by token
// are each engine's own.
func TestSubscribeChangeAndStop(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) { testSubscribeChangeAndStop(t, newPushTestServerOn(t, eng.New(t))) })
	}
}

func testSubscribeChangeAndStop(t *testing.T, ts *testServer) {
	ctx := context.Background()
	body := validSubscription(t, fcmEndpoint)
	w := ts.request(t, "POST", "/api/v1/subscriptions", body)
	if w.Code != 201 || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("subscribe: %d %s", w.Code, w.Body)
	}
	created := decodeJSON[subscriptionCreated](t, w)
	if !report.ValidID(created.ID) || len(created.Token) < 40 {
		t.Fatalf("created %+v", created)
	}
	sub, err := ts.store.Subscription(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sub.Discreet || sub.Lang != "es" || sub.MinSeverity != report.SeverityWarning || len(sub.Areas) != 2 {
		t.Errorf("stored %+v (discreet must default to true)", sub)
	}
	dump, err := ts.store.DumpCollection(ctx, "subscriptions")
	if err != nil || len(dump) != 1 {
		t.Fatalf("subscriptions dump: %d records, %v", len(dump), err)
	}
	if strings.Contains(strings.Join(dump, ""), created.Token) {
		t.Error("the token is stored in clear")
	}

	// The same browser subscribing again replaces its record and its token.
	body["kinds"] = []string{"bad_date", "drug_alert"}
	again := decodeJSON[subscriptionCreated](t, ts.request(t, "POST", "/api/v1/subscriptions", body))
	if again.ID != created.ID || again.Token == created.Token {
		t.Errorf("resubscribe gave %+v, first %+v", again, created)
	}
	if dump, err := ts.store.DumpCollection(ctx, "subscriptions"); err != nil || len(dump) != 1 {
		t.Errorf("%d subscription records after subscribing twice (err %v)", len(dump), err)
	}

	path := "/api/v1/subscriptions/" + created.ID
	change := map[string]any{"kinds": []string{"bad_date"}, "areas": []string{"ward-2"}, "discreet": false, "lang": "en", "min_severity": "danger"}
	for _, tc := range []struct {
		name, path string
		headers    []string
		want       int
	}{
		{"no token", path, nil, 401},
		{"not bearer", path, []string{"Authorization", "Basic " + again.Token}, 401},
		{"old token", path, []string{"Authorization", "Bearer " + created.Token}, 401},
		{"malformed id", "/api/v1/subscriptions/nope", []string{"Authorization", "Bearer " + again.Token}, 404},
		{"unknown id", "/api/v1/subscriptions/" + report.NewID(), []string{"Authorization", "Bearer " + again.Token}, 404},
	} {
		for _, method := range []string{"PUT", "DELETE"} {
			var b any
			if method == "PUT" {
				b = change
			}
			if w := ts.request(t, method, tc.path, b, tc.headers...); w.Code != tc.want {
				t.Errorf("%s %s: %d %s, want %d", method, tc.name, w.Code, w.Body, tc.want)
			} else if tc.want == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", method, tc.name)
			}
		}
	}
	auth := []string{"Authorization", "Bearer " + again.Token}
	if w := ts.request(t, "PUT", path, change, auth...); w.Code != 200 {
		t.Fatalf("change: %d %s", w.Code, w.Body)
	}
	sub, err = ts.store.Subscription(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Discreet || sub.Lang != "en" || sub.MinRank != 3 || sub.Kinds[0] != report.BadDate || sub.Endpoint != fcmEndpoint {
		t.Errorf("after change: %+v", sub)
	}
	moved := map[string]any{"endpoint": fcmEndpoint + "x"}
	if w := ts.request(t, "PUT", path, moved, auth...); w.Code != 400 || !strings.Contains(w.Body.String(), `"endpoint"`) {
		t.Errorf("changing the endpoint: %d %s", w.Code, w.Body)
	}
	if w := ts.request(t, "DELETE", path, nil, auth...); w.Code != 200 {
		t.Fatalf("stop: %d %s", w.Code, w.Body)
	}
	if _, err := ts.store.Subscription(ctx, created.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after stop: %v", err)
	}
	if w := ts.request(t, "DELETE", path, nil, auth...); w.Code != 404 {
		t.Errorf("stop twice: %d", w.Code)
	}
}

func TestSubscriptionValidation(t *testing.T) {
	ts := newPushTestServer(t)
	p, a := browserKeys(t)
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		t.Fatal(err)
	}
	offCurve := append([]byte{4}, make([]byte, 64)...)
	offCurve[64] = 1
	compressed := append([]byte{2 + raw[64]&1}, raw[1:33]...)
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		field  string // "" means accepted
	}{
		{"valid", func(m map[string]any) {}, ""},
		{"insecure host allowed over http", func(m map[string]any) { m["endpoint"] = "http://127.0.0.1:8443/push/1" }, ""},
		{"mozilla subdomain", func(m map[string]any) { m["endpoint"] = "https://updates.push.services.mozilla.com/wpush/v2/gAAA" }, ""},
		{"all defaults", func(m map[string]any) {
			delete(m, "kinds")
			delete(m, "areas")
			delete(m, "min_severity")
			delete(m, "lang")
		}, ""},
		{"unknown push service", func(m map[string]any) { m["endpoint"] = "https://push.example.org/x" }, "endpoint"},
		{"suffix trick", func(m map[string]any) { m["endpoint"] = "https://fcm.googleapis.com.example.org/x" }, "endpoint"},
		{"lookalike host", func(m map[string]any) { m["endpoint"] = "https://evilfcm.googleapis.com/x" }, "endpoint"},
		{"plain http", func(m map[string]any) { m["endpoint"] = "http://fcm.googleapis.com/fcm/send/x" }, "endpoint"},
		{"ip address", func(m map[string]any) { m["endpoint"] = "https://10.0.0.1/push" }, "endpoint"},
		{"other port", func(m map[string]any) { m["endpoint"] = "https://fcm.googleapis.com:22/x" }, "endpoint"},
		{"credentials in url", func(m map[string]any) { m["endpoint"] = "https://u:p@fcm.googleapis.com/x" }, "endpoint"},
		{"not a url", func(m map[string]any) { m["endpoint"] = "fcm.googleapis.com" }, "endpoint"},
		{"no endpoint", func(m map[string]any) { delete(m, "endpoint") }, "endpoint"},
		{"no keys", func(m map[string]any) { delete(m, "keys") }, "keys"},
		{"p256dh off the curve", func(m map[string]any) { m["keys"] = map[string]any{"p256dh": b64(offCurve), "auth": a} }, "keys.p256dh"},
		{"p256dh compressed", func(m map[string]any) { m["keys"] = map[string]any{"p256dh": b64(compressed), "auth": a} }, "keys.p256dh"},
		{"p256dh not base64", func(m map[string]any) { m["keys"] = map[string]any{"p256dh": "!!", "auth": a} }, "keys.p256dh"},
		{"auth 15 bytes", func(m map[string]any) { m["keys"] = map[string]any{"p256dh": p, "auth": b64(make([]byte, 15))} }, "keys.auth"},
		{"auth 17 bytes", func(m map[string]any) { m["keys"] = map[string]any{"p256dh": p, "auth": b64(make([]byte, 17))} }, "keys.auth"},
		{"unknown kind", func(m map[string]any) { m["kinds"] = []string{"gossip"} }, "kinds"},
		{"no kinds", func(m map[string]any) { m["kinds"] = []string{} }, "kinds"},
		{"kind twice", func(m map[string]any) { m["kinds"] = []string{"bad_date", "bad_date"} }, "kinds"},
		{"unknown area", func(m map[string]any) { m["areas"] = []string{"ward-99"} }, "areas"},
		{"unknown severity", func(m map[string]any) { m["min_severity"] = "apocalyptic" }, "min_severity"},
		{"unknown language", func(m map[string]any) { m["lang"] = "fr" }, "lang"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := validSubscription(t, fcmEndpoint+strings.ReplaceAll(tc.name, " ", "-"))
			tc.change(body)
			w := ts.request(t, "POST", "/api/v1/subscriptions?lang=en", body)
			if tc.field == "" {
				if w.Code != 201 {
					t.Fatalf("%d %s", w.Code, w.Body)
				}
				return
			}
			e := decodeJSON[errorResponse](t, w)
			if w.Code != 400 || e.Error.Code != "invalid_field" || e.Error.Fields[tc.field] == "" || len(e.Error.Fields) != 1 {
				t.Errorf("%d %s, want 400 naming only %s", w.Code, w.Body, tc.field)
			}
		})
	}
	// Several problems come back at once, in the reader's language.
	body := validSubscription(t, "http://fcm.googleapis.com/x")
	body["lang"], body["areas"] = "xx", []string{"nowhere"}
	e := decodeJSON[errorResponse](t, ts.request(t, "POST", "/api/v1/subscriptions?lang=es", body))
	if len(e.Error.Fields) != 3 || !strings.Contains(e.Error.Fields["endpoint"], "https") || !strings.Contains(e.Error.Fields["lang"], "valores") {
		t.Errorf("fields %v", e.Error.Fields)
	}
	for _, bad := range []string{`{"endpoint":"x","surprise":1}`, `{"endpoint":"x","discreet":"yes"}`, `[]`, `{"endpoint":"x"} {}`} {
		if w := ts.request(t, "POST", "/api/v1/subscriptions", bad); w.Code != 400 {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
	if dump, err := ts.store.DumpCollection(context.Background(), "subscriptions"); err != nil || len(dump) != 4 {
		t.Errorf("%d records stored; only the 4 accepted subscriptions should be (err %v)", len(dump), err)
	}
}
