package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/store"
)

// TestApprovalWakesTheDispatcher pins that an approval's push starts at once: the publishing
// use case wakes the dispatcher, which here would otherwise not look for work for an hour.
func TestApprovalWakesTheDispatcher(t *testing.T) {
	getenv := moderationEnv(t)
	a := startApp(t, getenv, appOptions{NoRateLimits: true, DispatcherPoll: time.Hour})
	ctx := context.Background()
	visitor := &browser{t: t, h: a.engine}
	day := time.Now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	w := visitor.do("POST", "/api/v1/reports", nil, map[string]any{"kind": "drug_alert", "fields": map[string]any{
		"date": day, "area": "ward-7", "sold_as": "fentanyl", "details": "Blue powder, two people went out cold.",
	}})
	var rec struct{ ID string }
	if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil || w.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	mod := signInNewModerator(t, a, getenv, "ana", "moderator")
	mod.expectRedirect(mod.do("POST", "/moderation/reports/"+rec.ID+"/claim", url.Values{}, nil), "/moderation/reports/"+rec.ID)
	w = mod.do("POST", "/moderation/reports/"+rec.ID+"/approve", url.Values{
		"title.en": {"Fentanyl sold as dope, Ward 7"}, "body.en": {"Two overdoses."}, "severity": {"danger"},
		"areas": {"ward-7"}, "expires": {time.Now().UTC().Add(14 * 24 * time.Hour).Format(time.DateOnly)},
	}, nil)
	mod.expectRedirect(w, "/moderation/alerts/")
	alertID := strings.TrimPrefix(strings.Split(w.Header().Get("Location"), "?")[0], "/moderation/alerts/")
	waitUntil(t, 10*time.Second, "the dispatcher to take the approval's delivery job", func() bool {
		ds, err := a.store.DeliveriesForAlert(ctx, alertID)
		return err == nil && len(ds) == 1 && ds[0].State != store.DeliveryQueued
	})
}
