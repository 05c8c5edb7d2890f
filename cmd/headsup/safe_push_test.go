package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/push/pushtest"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var approveFormRe = regexp.MustCompile(`(?s)<form method="post" action="/moderation/reports/[^"]+/approve">(.*?)</form>`)

// TestDefaultAlertPushesCarryNoReporterWords: a report whose own words carry marker words
// and whose form describes the aggressor, approved with every default of the moderator's form,
// reaches subscribers — discreet and detailed, in English and Spanish — through the real
// dispatcher and a push service that decrypts what it receives. No push carries a marker;
// the detailed ones describe the aggressor in the subscriber's language; the discreet ones say
// nothing of the alert.
func TestDefaultAlertPushesCarryNoReporterWords(t *testing.T) {
	fake := pushtest.New(pushtest.Options{})
	defer fake.Close()
	host, _, err := net.SplitHostPort(strings.TrimPrefix(fake.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	base := moderationEnv(t)
	getenv := func(k string) string {
		if k == "HEADSUP_PUSH_INSECURE_HOSTS" {
			return host
		}
		return base(k)
	}
	a := startApp(t, getenv, appOptions{NoRateLimits: true})
	ctx := context.Background()

	// Four subscribers to bad dates in Ward 6: discreet or detailed, English or Spanish.
	subs := fake.Mint(4)
	want := []struct {
		discreet bool
		lang     string
	}{{false, "en"}, {false, "es"}, {true, "en"}, {true, "es"}}
	docs := make([]store.Subscription, len(subs))
	for i, sub := range subs {
		docs[i] = store.Subscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, TokenHash: "unused",
			Kinds: []report.Kind{report.BadDate}, Areas: []string{"ward-6"}, MinSeverity: report.SeverityInfo,
			Discreet: want[i].discreet, Lang: want[i].lang}
	}
	if err := a.store.InsertSubscriptions(ctx, docs); err != nil {
		t.Fatal(err)
	}

	markers := []string{"Zanzibarquux", "Plumtreewick", "Oxbowflint", "jas_dc_22", "apt 4", "555-0111", "2025550111"}
	web := &browser{t: t, h: a.engine}
	day := time.Now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	w := web.do("POST", "/api/v1/reports", nil, map[string]any{"kind": "bad_date", "fields": map[string]any{
		"date": day, "area": "ward-6", "harms": []string{"robbery_theft"}, "location": "corner of Zanzibarquux and K, apt 4",
		"details":  "My Instagram is @jas_dc_22. Plumtreewick said he would come back; call me at 202-555-0111.",
		"features": "Oxbowflint tattoo", "age_range": "35_44", "vehicle_make": "Honda", "vehicle_colour": "teal",
		"phones": []string{"(202) 555-0147"},
	}})
	if w.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(w.Body.String())[1]

	mod := signInNewModerator(t, a, getenv, "ana", "moderator")
	mod.expectRedirect(mod.do("POST", "/moderation/reports/"+id+"/claim", url.Values{}, nil), "/moderation/reports/"+id)
	form := testkit.FormDefaults(t, mod.do("GET", "/moderation/reports/"+id, nil, nil).Body.String(), approveFormRe)
	mod.expectRedirect(mod.do("POST", "/moderation/reports/"+id+"/approve", form, nil), "/moderation/alerts/")

	waitUntil(t, 30*time.Second, "a push to every subscriber", func() bool { return fake.Count() >= len(subs) })
	for i, w := range want {
		msgs := fake.Received(i)
		if len(msgs) != 1 {
			t.Fatalf("subscriber %d got %d pushes", i, len(msgs))
		}
		payload := string(msgs[0].Payload)
		for _, m := range markers {
			if strings.Contains(payload, m) {
				t.Errorf("the %s push (discreet %v) repeats the reporter's %q: %s", w.lang, w.discreet, m, payload)
			}
		}
		describes := strings.Contains(payload, "Honda") && strings.Contains(payload, report.OptionLabel(w.lang, "age_range", "35_44")) &&
			strings.Contains(payload, report.FieldLabel(w.lang, "vehicle_colour"))
		if describes == w.discreet {
			t.Errorf("the %s push (discreet %v) describes the aggressor: %v, want %v: %s", w.lang, w.discreet, describes, !w.discreet, payload)
		}
	}
}
