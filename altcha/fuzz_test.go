package altcha

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fuzz issuer is fixed so that the seed corpus in
// testdata/fuzz/FuzzVerify contains payloads that really verify, letting the
// fuzzer mutate from inside the accepting path.
var (
	fuzzKey = []byte("fuzz-key-0123456789abcdef")
	fuzzNow = time.Unix(1767225600, 0) // 2026-01-01T00:00:00Z
)

const fuzzMax = 1000

func fuzzIssuer() *Issuer { return NewIssuer(fuzzKey, fuzzMax, 10*time.Minute, fixedClock(fuzzNow)) }

// FuzzVerify asserts that Verify never panics, fails only with this
// package's sentinel errors, and accepts only payloads that a checker written
// independently of Verify agrees are genuine, unexpired solutions.
func FuzzVerify(f *testing.F) {
	iss := fuzzIssuer()
	good := iss.challengeFor("00112233445566778899aabbccddeeff", 421, fuzzNow.Add(10*time.Minute))
	f.Add(Payload(good, 421))
	f.Add(Payload(good, 420))
	f.Add("")
	f.Add("e30=") // {}

	f.Fuzz(func(t *testing.T, payload string) {
		sol, err := iss.Verify(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) &&
				!errors.Is(err, ErrWrongSolution) && !errors.Is(err, ErrExpired) {
				t.Fatalf("Verify returned a non-sentinel error: %v", err)
			}
			return
		}
		if why := independentCheck(payload, sol); why != "" {
			t.Fatalf("Verify accepted %q but: %s", payload, why)
		}
	})
}

var independentSaltRE = regexp.MustCompile(`^[0-9a-f]{24,64}\?expires=(0|[1-9][0-9]{0,11})&$`)

// independentCheck re-derives acceptance from first principles; it returns
// why payload should not have been accepted, or "".
func independentCheck(payload string, sol Solution) string {
	if len(payload) > MaxPayloadLen+64 {
		return "oversized payload accepted"
	}
	s := strings.TrimSpace(payload)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return "not base64"
	}
	var p struct {
		Algorithm string
		Challenge string
		Number    json.Number
		Salt      string
		Signature string
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return "not JSON: " + err.Error()
	}
	if p.Algorithm != "SHA-256" {
		return "algorithm " + p.Algorithm
	}
	n, err := strconv.ParseInt(string(p.Number), 10, 64)
	if err != nil || n < 0 || n > fuzzMax {
		return "number " + string(p.Number)
	}
	sum := sha256.Sum256([]byte(p.Salt + strconv.FormatInt(n, 10)))
	if hex.EncodeToString(sum[:]) != p.Challenge {
		return "SHA-256(salt+number) != challenge"
	}
	m := hmac.New(sha256.New, fuzzKey)
	m.Write([]byte(p.Challenge))
	if hex.EncodeToString(m.Sum(nil)) != p.Signature {
		return "signature is not HMAC(key, challenge)"
	}
	sm := independentSaltRE.FindStringSubmatch(p.Salt)
	if sm == nil {
		return "salt shape"
	}
	exp, err := strconv.ParseInt(sm[1], 10, 64)
	if err != nil {
		return "expiry " + err.Error()
	}
	if fuzzNow.Unix() > exp {
		return "expired"
	}
	if sol.Challenge != p.Challenge || !sol.Expires.Equal(time.Unix(exp, 0).Add(SpentGrace)) {
		return "Solution does not describe the payload"
	}
	return ""
}

// TestFuzzSeedCorpus pins what each checked-in seed is, so the corpus keeps
// covering both the accepting path and each way of being refused.
func TestFuzzSeedCorpus(t *testing.T) {
	want := map[string]error{
		"valid":               nil,
		"valid_widget_rawurl": nil,
		"salt_splice":         ErrMalformed,
		"old_salt_shape":      ErrMalformed,
		"unknown_field":       ErrMalformed,
		"number_string":       ErrMalformed,
		"garbage":             ErrMalformed,
		"forged_expiry":       ErrWrongSolution,
		"expired":             ErrExpired,
	}
	iss := fuzzIssuer()
	for name, wantErr := range want {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzVerify", name))
		if err != nil {
			t.Fatal(err)
		}
		header, lit, ok := strings.Cut(strings.TrimSpace(string(b)), "\n")
		if !ok || header != "go test fuzz v1" || !strings.HasPrefix(lit, "string(") || !strings.HasSuffix(lit, ")") {
			t.Fatalf("%s: not a go test fuzz v1 string file", name)
		}
		payload, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "string("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sol, err := iss.Verify(payload)
		if wantErr == nil {
			if err != nil {
				t.Errorf("%s: Verify = %v, want success", name, err)
			} else if why := independentCheck(payload, sol); why != "" {
				t.Errorf("%s: %s", name, why)
			}
		} else if !errors.Is(err, wantErr) {
			t.Errorf("%s: Verify = %v, want %v", name, err, wantErr)
		}
	}
}
