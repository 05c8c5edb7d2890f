package push

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/headsup/headsup/report"
)

// FuzzValidateSubscription feeds arbitrary request bodies through the same strict decoding and
// validation a POST /api/v1/subscriptions gets. It must never panic, and whatever it accepts
// must be an endpoint the allowlist admits (allowedEndpoint) with a 65-byte key and a 16-byte
// secret. The converse is checked too: an endpoint the allowlist admits is never refused, so
// the property is the rule itself and a check made looser or stricter than it fails here.
func FuzzValidateSubscription(f *testing.F) {
	valid := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"},"kinds":["bad_date"],"areas":["ward-1"],"min_severity":"warning","discreet":true,"lang":"es"}`
	for _, seed := range []string{valid, `{}`, `{"endpoint":"http://127.0.0.1/x"}`, `{"endpoint":"https://fcm.googleapis.com.evil.example/x","keys":{"p256dh":"","auth":""}}`,
		`{"endpoint":"https://updates.push.services.mozilla.com/wpush/v2/x","keys":{"p256dh":"AA","auth":"AA"},"kinds":[],"areas":null}`, `[1,2]`, "\xff",
		// Near misses of the allowlist: another googleapis.com host, a suffix without its dot,
		// an insecure host on another port, plain http to a push service.
		strings.Replace(valid, "fcm.googleapis.com", "storage.googleapis.com", 1),
		strings.Replace(valid, "fcm.googleapis.com", "evilpush.services.mozilla.com", 1),
		strings.Replace(valid, "https://fcm.googleapis.com", "http://push.test:8080", 1),
		strings.Replace(valid, "https://fcm.googleapis.com", "http://push.test:9090", 1),
		strings.Replace(valid, "https://fcm.googleapis.com", "http://localhost", 1),
		strings.Replace(valid, "https://fcm.googleapis.com", "http://fcm.googleapis.com", 1),
		strings.Replace(valid, "https://fcm.googleapis.com", "https://FCM.GoogleAPIs.com:443", 1),
	} {
		f.Add([]byte(seed))
	}
	services := []string{"fcm.googleapis.com", "push.services.mozilla.com"}
	insecure := []string{"push.test:8080", "localhost"}
	s := New(Options{Services: services, InsecureHosts: insecure, Areas: report.DefaultAreas(),
		Keys: VAPIDKeys{}, BaseURL: "https://alerts.example.org"})
	f.Fuzz(func(t *testing.T, body []byte) {
		var in SubscriptionInput
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&in) != nil {
			return
		}
		allowed := allowedEndpoint(in.Endpoint, services, insecure)
		sub, err := s.validate(in, true)
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("validate: %v", err)
			}
			if p, refused := verr.Fields["endpoint"]; refused == allowed {
				t.Fatalf("endpoint %q: allowlist says allowed=%v, validate says %q", in.Endpoint, allowed, p)
			}
			return
		}
		if !allowed {
			t.Fatalf("accepted endpoint %q", sub.Endpoint)
		}
		key, kerr := base64.RawURLEncoding.DecodeString(sub.P256dh)
		auth, aerr := base64.RawURLEncoding.DecodeString(sub.Auth)
		if kerr != nil || aerr != nil || len(key) != 65 || key[0] != 4 || len(auth) != 16 {
			t.Fatalf("accepted keys %q / %q", sub.P256dh, sub.Auth)
		}
		for _, k := range sub.Kinds {
			if !k.Valid() {
				t.Fatalf("accepted kind %q", k)
			}
		}
		if !sub.MinSeverity.Valid() || (sub.Lang != "en" && sub.Lang != "es") {
			t.Fatalf("accepted severity %q lang %q", sub.MinSeverity, sub.Lang)
		}
	})
}

// allowedEndpoint is the allowlist written out on its own (HEADSUP_PUSH_SERVICES and
// HEADSUP_PUSH_INSECURE_HOSTS): an endpoint is a well-formed absolute URL of at most 1,024 bytes
// with no user, fragment or opaque part, and either its host or host:port is in insecure (http
// or https), or it is https on the default port to a host name (not an address) that equals a
// service or ends with "." + service, compared without regard to case.
func allowedEndpoint(endpoint string, services, insecure []string) bool {
	if endpoint == "" || len(endpoint) > 1024 || !utf8.ValidString(endpoint) {
		return false
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "http" || u.Scheme == "https" {
		for _, h := range insecure {
			if host == h || strings.ToLower(u.Host) == h {
				return true
			}
		}
	}
	if u.Scheme != "https" || net.ParseIP(host) != nil || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	for _, suffix := range services {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return true
		}
	}
	return false
}

// TestAllowedEndpoint pins the fuzz property's own rule on the cases it exists for, so that the
// property cannot drift looser than the allowlist (any *.googleapis.com host, any host merely
// ending in push.services.mozilla.com) without a test saying so.
func TestAllowedEndpoint(t *testing.T) {
	services := []string{"fcm.googleapis.com", "push.services.mozilla.com"}
	insecure := []string{"push.test:8080", "localhost"}
	s := New(Options{Services: services, InsecureHosts: insecure})
	for endpoint, want := range map[string]bool{
		"https://fcm.googleapis.com/fcm/send/x":                true,
		"https://FCM.googleapis.com:443/fcm/send/x":            true,
		"https://updates.push.services.mozilla.com/wpush/v2/x": true,
		"https://push.services.mozilla.com/x":                  true,
		"http://push.test:8080/x":                              true,
		"https://push.test:8080/x":                             true,
		"http://localhost:1234/x":                              true,
		"https://storage.googleapis.com/x":                     false,
		"https://evilpush.services.mozilla.com/x":              false,
		"https://fcm.googleapis.com.evil.example/x":            false,
		"http://fcm.googleapis.com/x":                          false,
		"https://fcm.googleapis.com:8443/x":                    false,
		"https://user@fcm.googleapis.com/x":                    false,
		"https://fcm.googleapis.com/x#frag":                    false,
		"http://push.test:9090/x":                              false,
		"https://127.0.0.1/x":                                  false,
		"ftp://fcm.googleapis.com/x":                           false,
		"":                                                     false,
	} {
		if got := allowedEndpoint(endpoint, services, insecure); got != want {
			t.Errorf("allowedEndpoint(%q) = %v, want %v", endpoint, got, want)
		}
		if got := s.checkEndpoint(endpoint) == ""; got != want {
			t.Errorf("checkEndpoint(%q) allows = %v, want %v", endpoint, got, want)
		}
	}
	// Up to 1,024 bytes, not one more.
	long := "https://fcm.googleapis.com/fcm/send/"
	long += strings.Repeat("x", 1024-len(long))
	for endpoint, want := range map[string]bool{long: true, long + "x": false} {
		if got := s.checkEndpoint(endpoint) == ""; got != want || allowedEndpoint(endpoint, services, insecure) != want {
			t.Errorf("endpoint of %d bytes: allowed %v, want %v", len(endpoint), got, want)
		}
	}
}

// TestFuzzSeedIsValid keeps the fuzz target honest: its main seed must pass validation, or the
// fuzzer would only ever explore rejections.
func TestFuzzSeedIsValid(t *testing.T) {
	s := New(Options{Services: []string{"fcm.googleapis.com"}, Areas: report.DefaultAreas(), BaseURL: "https://alerts.example.org"})
	var in SubscriptionInput
	body := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"},"kinds":["bad_date"],"areas":["ward-1"],"min_severity":"warning","discreet":true,"lang":"es"}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.validate(in, true); err != nil {
		t.Fatalf("the valid seed is refused: %v", err)
	}
}
