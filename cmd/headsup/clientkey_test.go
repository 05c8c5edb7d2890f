package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/headsup/headsup/config"
)

// TestOneIPv6PrefixIsOneClientEverywhere pins that every rate limit keys a client the same
// way, whichever front end the request came through: the addresses of one IPv6 /64 are one
// client, as one phone or household gets a whole /64. The HTML forms once keyed on the full
// address, so one /64 could send unlimited checks and reports through them while the API
// refused it.
func TestOneIPv6PrefixIsOneClientEverywhere(t *testing.T) {
	cfg, err := config.Load(moderationEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), appOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.close(context.Background()) })
	host := 0
	// from is a browser at a new address of prefix, as a client rotating through its /64 is.
	from := func(prefix string) *browser {
		host++
		return &browser{t: t, h: a.engine, remoteAddr: fmt.Sprintf("[%s::%x]:40000", prefix, host)}
	}
	const checks = 200
	limited := func(send func(b *browser) int, prefix string) int {
		n := 0
		for range checks {
			switch code := send(from(prefix)); code {
			case http.StatusOK:
			case http.StatusTooManyRequests:
				n++
			default:
				t.Fatalf("check from %s: status %d", prefix, code)
			}
		}
		return n
	}
	checkForm := func(b *browser) int {
		return b.do("POST", "/check", url.Values{"type": {"phone"}, "value": {"202-555-0147"}}, nil).Code
	}
	checkAPI := func(b *browser) int {
		return b.do("POST", "/api/v1/check", nil, map[string]string{"type": "phone", "value": "202-555-0147"}).Code
	}
	if n := limited(checkForm, "2001:db8:1:1"); n == 0 {
		t.Errorf("%d checks through the form from one /64 were all answered", checks)
	}
	if n := limited(checkAPI, "2001:db8:1:2"); n == 0 {
		t.Errorf("%d checks through the API from one /64 were all answered", checks)
	}
	if code := checkForm(from("2001:db8:1:3")); code != http.StatusOK {
		t.Errorf("a check from another /64 = %d, want 200", code)
	}

	// Reports without a proof of work have the tightest limit; rotating addresses within
	// the /64 does not get around it.
	day := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	report := url.Values{"date": {day}, "area": {"ward-4"}, "sold_as": {"meth"}, "details": {"Cloudy shards, people awake for days."}}
	codes := map[int]int{}
	for range 5 {
		codes[from("2001:db8:1:4").do("POST", "/report/bad-batch", report, nil).Code]++
	}
	if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusOK] == 0 {
		t.Errorf("five reports through the form from one /64: statuses %v, want some taken and the rest refused", codes)
	}
}
