package moderation

import (
	"strings"
	"testing"
)

func TestProductionHashingIsOWASP(t *testing.T) {
	// OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
	if ProductionHashing.Memory < 19*1024 || ProductionHashing.Time < 2 || ProductionHashing.Threads < 1 {
		t.Fatalf("ProductionHashing = %+v, below OWASP's m=19456 t=2 p=1", ProductionHashing)
	}
	// What a server with default Deps stores: newServer must fall back to production costs.
	s := newServer(Deps{})
	if s.hashing != ProductionHashing || s.accounts.hashing() != ProductionHashing {
		t.Fatalf("default hashing = %+v / %+v", s.hashing, s.accounts.hashing())
	}
	p, err := HashParamsOf(s.dummyHash)
	if err != nil || p != ProductionHashing {
		t.Fatalf("hash made with %+v, %v", p, err)
	}
	if !strings.HasPrefix(s.dummyHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format %q", s.dummyHash)
	}
}

func TestPasswordRules(t *testing.T) {
	if len(commonPasswords) < 1000 {
		t.Fatalf("only %d common passwords embedded", len(commonPasswords))
	}
	for _, tc := range []struct {
		password string
		want     error
	}{
		{"short", errPasswordShort},
		{"1234567", errPasswordShort},
		{strings.Repeat("a", 129), errPasswordLong},
		{"password123", errPasswordCommon},
		{"Password123", errPasswordCommon}, // case does not make a common password rare
		{"qwertyuiop", errPasswordCommon},
		{"iloveyou1", errPasswordCommon},
		{"correct horse battery staple", errPasswordCommon},
		{"ana-secret-words", errPasswordName},
		{"violet kettle harbour nineteen", nil},   // a passphrase
		{strings.Repeat("ñ", 128), nil},           // 128 characters, 256 bytes
		{"tulip 🌷 under the bridge at noon", nil}, // any characters
		{"a long passphrase that goes on and on for a while but is well under the limit", nil},
	} {
		if got := checkPassword("ana", tc.password); got != tc.want {
			t.Errorf("checkPassword(%q) = %v, want %v", tc.password, got, tc.want)
		}
	}
}

func TestHashAndVerify(t *testing.T) {
	cheap := HashParams{Memory: 64, Time: 1, Threads: 1}
	h := hashPassword(cheap, "violet kettle harbour")
	if !verifyPassword(h, "violet kettle harbour") {
		t.Fatal("right password refused")
	}
	if verifyPassword(h, "violet kettle harbouR") || verifyPassword(h, "") {
		t.Fatal("wrong password accepted")
	}
	if h2 := hashPassword(cheap, "violet kettle harbour"); h2 == h {
		t.Fatal("same hash twice: the salt is not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		if verifyPassword(bad, "x") {
			t.Fatalf("malformed hash %q verified", bad)
		}
	}
	otp := newOneTimePassword()
	if len(otp) != 23 || strings.Count(otp, "-") != 3 || checkPassword("someone", otp) != nil {
		t.Fatalf("one-time password %q", otp)
	}
}

func TestLockForGrows(t *testing.T) {
	if lockFor(4) != 0 {
		t.Fatal("locked before 5 failures")
	}
	prev := lockFor(5)
	if prev <= 0 {
		t.Fatal("not locked after 5 failures")
	}
	for n := 6; n < 20; n++ {
		d := lockFor(n)
		if d < prev || d > lockMax {
			t.Fatalf("lockFor(%d) = %v after %v", n, d, prev)
		}
		prev = d
	}
	if lockFor(6) <= lockFor(5) {
		t.Fatal("delay does not grow")
	}
}

func TestTOTPOffOnlyWithBothSwitches(t *testing.T) {
	cheap := HashParams{Memory: 64, Time: 1, Threads: 1}
	for _, tc := range []struct {
		dev, without, required bool
	}{
		{false, false, true},
		{true, false, true}, // development alone keeps TOTP
		{false, true, true}, // the switch is ignored outside development
		{true, true, false}, // both, explicitly
	} {
		s := newServer(Deps{Hashing: cheap, Development: tc.dev, WithoutTOTP: tc.without})
		if s.totpRequired != tc.required {
			t.Errorf("Development=%v WithoutTOTP=%v: TOTP required = %v", tc.dev, tc.without, s.totpRequired)
		}
	}
}
