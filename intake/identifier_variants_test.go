package intake_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestCheckFindsIdentifierVariants: intake, the moderator's approval and /check normalise an
// identifier with one function, so every way a person may type or paste a handle or a phone
// number finds the alert that names it.
func TestCheckFindsIdentifierVariants(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC) }
	s := storetest.New(t)
	s.SetClock(now)
	key := []byte("identifier-key")
	in := &intake.Service{
		Store: s, Areas: report.DefaultAreas(), IdentifierKey: key, Now: now,
		Proofs:     altcha.NewIssuer([]byte("0123456789abcdef0123456789abcdef"), 1000, time.Minute, now),
		Receipts:   intake.ReceiptKey("receipt-key-for-tests-0123456789abcdef"),
		Unverified: ratelimit.New(ratelimit.Options{Rate: 100, Period: time.Hour, Burst: 100, Now: now}),
	}
	pub := &publishing.Service{Store: s, Areas: report.DefaultAreas(), IdentifierKey: key, Now: now}

	// Pasted with zero-width characters: intake removes them rather than refusing the report.
	fields, err := json.Marshal(map[string]any{
		"date": "2026-11-21", "area": "ward-8", "details": "He took my money.", "harms": []string{"robbery_theft"},
		"phones": []string{"(202) 555\u200b-0177"}, "handles": []string{"\u200bjosé_dc\u2060"}, "plate": "ABC\u200d 1234",
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := in.Submit(ctx, "192.0.2.1", intake.Submission{Kind: "bad_date", Fields: fields})
	if err != nil {
		t.Fatalf("submit with zero-width characters in identifiers: %v", err)
	}
	r, err := s.Report(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.BadDate.Phones[0] != "(202) 555-0177" || r.BadDate.Handles[0] != "josé_dc" || r.BadDate.Plate != "ABC 1234" {
		t.Fatalf("stored identifiers %q %q %q: invisible characters kept", r.BadDate.Phones, r.BadDate.Handles, r.BadDate.Plate)
	}

	// The moderator makes them checkable, as the review page does: through NormalizeIdentifier.
	var ids []publishing.Identifier
	for typ, raw := range map[string]string{report.IdentifierPhone: r.BadDate.Phones[0], report.IdentifierEmail: r.BadDate.Handles[0]} {
		n, err := report.NormalizeIdentifier(typ, raw)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, publishing.Identifier{Type: typ, Value: n, Checkable: true})
	}
	ch := store.AlertChange{Title: "Bad date", Body: "What they did: Robbery or theft", Severity: report.SeverityWarning,
		Areas: []string{"ward-8"}, Expires: now().AddDate(0, 1, 0)}
	a, err := pub.Approve(ctx, "ana", r, ch, ids)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ typ, value string }{
		{report.IdentifierEmail, "josé_dc"},
		{report.IdentifierEmail, "jose\u0301_dc"},             // NFD
		{report.IdentifierEmail, "josé_dc\u200b"},             // trailing zero-width space
		{report.IdentifierEmail, "\ufeffjos\u00ade\u0301_dc"}, // BOM, soft hyphen, NFD
		{report.IdentifierEmail, "ｊｏｓé＿ｄｃ"},                   // full-width
		{report.IdentifierEmail, "JOSÉ_DC"},                   // upper case
		{report.IdentifierEmail, "@Jose\u0301_DC"},            // handle written with its @, NFD, mixed case
		{report.IdentifierPhone, "(202) 555-0177"},
		{report.IdentifierPhone, "+1 202.555.0177"},
		{report.IdentifierPhone, "202 555 0177"},
		{report.IdentifierPhone, "２０２ ５５５ ０１７７"}, // full-width digits
		{report.IdentifierPhone, "202-555-0177\u200b"},
		{report.IdentifierPhone, "202.555.0177"},
		{report.IdentifierPhone, "+1 202-555-0177"},
	} {
		found, err := in.Check(ctx, c.typ, c.value)
		if err != nil {
			t.Errorf("check %s %+q: %v", c.typ, c.value, err)
			continue
		}
		if len(found) != 1 || found[0].ID != a.ID {
			t.Errorf("check %s %+q found %d alerts, want the one naming it", c.typ, c.value, len(found))
		}
	}
	// Different identifiers stay different.
	for _, c := range []struct{ typ, value string }{
		{report.IdentifierEmail, "jose_dc"},
		{report.IdentifierPhone, "202 555 0178"},
	} {
		if found, err := in.Check(ctx, c.typ, c.value); err != nil || len(found) != 0 {
			t.Errorf("check %s %q = %d alerts, %v; want none", c.typ, c.value, len(found), err)
		}
	}
}

// TestNormalizeIdentifierCanonicalForm pins the one normal form of each type.
func TestNormalizeIdentifierCanonicalForm(t *testing.T) {
	for _, c := range []struct{ typ, in, want string }{
		{report.IdentifierEmail, "ｊｏｓé＿ｄｃ\u200b", "josé_dc"},
		{report.IdentifierEmail, "Straße@Example.ORG", "strasse@example.org"},
		{report.IdentifierPlate, "ａｂｃ\u200b-１２３４", "ABC1234"},
		{report.IdentifierPhone, "+1 (202) 555\u00ad0177", "+12025550177"},
	} {
		got, err := report.NormalizeIdentifier(c.typ, c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeIdentifier(%s, %+q) = %q, %v; want %q", c.typ, c.in, got, err, c.want)
		}
	}
	if _, err := report.NormalizeIdentifier(report.IdentifierEmail, "\u200b\u200d"); err == nil {
		t.Error("an identifier of invisible characters only was accepted")
	}
}
