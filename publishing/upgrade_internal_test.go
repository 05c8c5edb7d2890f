package publishing

import (
	"testing"

	"github.com/headsup/headsup/report"
)

// TestNormalizeStored reads values as old alerts stored them (phones digits only, a US number
// without its country code, others as written with or without theirs) in the current form, the
// one /check computes from what a person types.
func TestNormalizeStored(t *testing.T) {
	for _, c := range []struct{ region, typ, value, want string }{
		{"US", report.IdentifierPhone, "2025550177", "+12025550177"},
		{"US", report.IdentifierPhone, "+12025550177", "+12025550177"}, // upgraded already
		{"US", report.IdentifierPhone, "442079460958", "+442079460958"},
		{"US", report.IdentifierPhone, "525512345678", "+525512345678"},
		{"MX", report.IdentifierPhone, "5512345678", "+525512345678"},
		{"GB", report.IdentifierPhone, "07911123456", "+447911123456"},
		{"CN", report.IdentifierPhone, "13812345678", "+8613812345678"},
		{"US", report.IdentifierEmail, "jose\u0301_dc", "josé_dc"},
		{"US", report.IdentifierEmail, "straße", "strasse"},
		{"US", report.IdentifierPlate, "ABC123", "ABC123"},
	} {
		got, err := normalizeStored(c.region, c.typ, c.value)
		if err != nil || got != c.want {
			t.Errorf("normalizeStored(%s, %s, %q) = %q, %v; want %q", c.region, c.typ, c.value, got, err, c.want)
		}
	}
	if _, err := normalizeStored("US", report.IdentifierPhone, "12"); err == nil {
		t.Error("a two-digit phone number was accepted")
	}
}
