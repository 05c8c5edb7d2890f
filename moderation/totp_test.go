package moderation_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/headsup/headsup/moderation"
)

// The enrolment page shows the secret in groups of four, as authenticator apps print it.
func TestTOTPSecretIsShownInGroupsOfFour(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"ABC":                              "ABC",
		"ABCD":                             "ABCD",
		"ABCDE":                            "ABCD E",
		"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP": "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP",
	} {
		if got := moderation.GroupSecret(in); got != want {
			t.Errorf("GroupSecret(%q) = %q, want %q", in, got, want)
		}
	}
}

// A code is accepted from the step before, the current step and the step after (a phone's
// clock a little off either way), and from no other; the step it came from is returned.
func TestTOTPAcceptsOneStepOfDriftEitherWay(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Unix(1767225615, 0) // 15 s into step 58907520
	const current = 1767225615 / 30
	codes := map[int64]string{}
	for d := int64(-2); d <= 2; d++ {
		c, err := totp.GenerateCode(secret, time.Unix((current+d)*30, 0))
		if err != nil {
			t.Fatal(err)
		}
		codes[d] = c
	}
	for d, code := range codes {
		step, ok := moderation.MatchTOTP(secret, code, now)
		if want := d >= -1 && d <= 1; ok != want || (ok && step != current+d) {
			t.Errorf("code of step %+d: step %d, %v; want %v", d, step, ok, want)
		}
	}
	if _, ok := moderation.MatchTOTP(secret, codes[0][:5], now); ok {
		t.Error("a five-digit prefix of the code was accepted")
	}
}
