package push

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/headsup/headsup/report"
)

// FuzzValidateSubscription feeds arbitrary request bodies through the same strict decoding and
// validation a POST /api/v1/subscriptions gets. It must never panic, and whatever it accepts
// must be an https endpoint on a known push service with a 65-byte key and a 16-byte secret.
func FuzzValidateSubscription(f *testing.F) {
	valid := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"},"kinds":["bad_date"],"areas":["ward-1"],"min_severity":"warning","discreet":true,"lang":"es"}`
	for _, seed := range []string{valid, `{}`, `{"endpoint":"http://127.0.0.1/x"}`, `{"endpoint":"https://fcm.googleapis.com.evil.example/x","keys":{"p256dh":"","auth":""}}`,
		`{"endpoint":"https://updates.push.services.mozilla.com/wpush/v2/x","keys":{"p256dh":"AA","auth":"AA"},"kinds":[],"areas":null}`, `[1,2]`, "\xff"} {
		f.Add([]byte(seed))
	}
	s := New(Options{Services: []string{"fcm.googleapis.com", "push.services.mozilla.com"}, Areas: report.DefaultAreas(),
		Keys: VAPIDKeys{}, BaseURL: "https://alerts.example.org"})
	f.Fuzz(func(t *testing.T, body []byte) {
		var in SubscriptionInput
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&in) != nil {
			return
		}
		sub, err := s.validate(in, true)
		if err != nil {
			return
		}
		u, perr := url.Parse(sub.Endpoint)
		if perr != nil || u.Scheme != "https" || !(strings.HasSuffix(u.Hostname(), ".googleapis.com") || u.Hostname() == "fcm.googleapis.com" ||
			strings.HasSuffix(u.Hostname(), "push.services.mozilla.com")) {
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
