package intake_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store/storetest"
)

// TestSubmitHashesEveryIdentifier: a report keeps the keyed hash of each identifier in its
// fields and in its free text, normalised with the organisation's region, so that a repeat
// aggressor links up however the number was written.
func TestSubmitHashesEveryIdentifier(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC) }
	s := storetest.New(t)
	key := []byte("identifier-key")
	in := &intake.Service{
		Store: s, Areas: report.DefaultAreas(), IdentifierKey: key, PhoneRegion: "MX", Now: now,
		Proofs:     altcha.NewIssuer([]byte("0123456789abcdef0123456789abcdef"), 1000, time.Minute, now),
		Receipts:   intake.ReceiptKey("receipt-key-for-tests-0123456789abcdef"),
		Unverified: ratelimit.New(ratelimit.Options{Rate: 100, Period: time.Hour, Burst: 100, Now: now}),
	}
	fields, _ := json.Marshal(map[string]any{
		"date": "2026-11-21", "area": "ward-8", "harms": []string{"robbery_theft"},
		"details": "He wrote from 55-1234-9876 and his insta is @el_mike.",
		"phones":  []string{"+1 (202) 555-0177"}, "plate": "abc 123",
	})
	rec, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ typ, value string }{
		{report.IdentifierPhone, "+12025550177"},
		{report.IdentifierPhone, "+525512349876"}, // from the free text, in the region's country
		{report.IdentifierEmail, "el_mike"},
		{report.IdentifierPlate, "ABC123"},
	} {
		if !slices.Contains(r.IdentifierHMACs, report.IdentifierHMAC(key, want.typ, want.value)) {
			t.Errorf("no hash of %s %s among %d", want.typ, want.value, len(r.IdentifierHMACs))
		}
	}
	if len(r.IdentifierHMACs) != 4 {
		t.Errorf("%d hashes, want 4", len(r.IdentifierHMACs))
	}

	// A number written only in a follow-up joins them.
	if err := in.AddFollowup(ctx, rec.Code, "He called again from +1 202.555.0199"); err != nil {
		t.Fatal(err)
	}
	if r, err = s.Report(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.IdentifierHMACs, report.IdentifierHMAC(key, report.IdentifierPhone, "+12025550199")) || len(r.IdentifierHMACs) != 5 {
		t.Errorf("after the follow-up: %d hashes, none of +12025550199 or others lost", len(r.IdentifierHMACs))
	}
}
