package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/headsup/headsup/push"
)

// TestVAPIDKeyIsGeneratedOnceAndKept: `headsup vapid` prints the key browsers subscribe with;
// it is generated on first use and the same afterwards, and configured keys win.
func TestVAPIDKeyIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"HEADSUP_DATA_DIR": dir}
	vapid := func() (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"vapid"}, func(k string) string { return env[k] }, nil, &out, &bytes.Buffer{})
		return strings.TrimSpace(out.String()), err
	}
	first, err := vapid()
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(first); err != nil || len(raw) != 65 || raw[0] != 4 {
		t.Fatalf("printed %q, want a base64url uncompressed P-256 point", first)
	}
	if again, err := vapid(); err != nil || again != first {
		t.Fatalf("second run printed %q (%v), want the kept key %q", again, err, first)
	}

	keys, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	env["HEADSUP_VAPID_PUBLIC_KEY"], env["HEADSUP_VAPID_PRIVATE_KEY"] = keys.Public, keys.Private
	if got, err := vapid(); err != nil || got != keys.Public {
		t.Fatalf("with configured keys printed %q (%v)", got, err)
	}
	other, err := push.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	env["HEADSUP_VAPID_PUBLIC_KEY"] = other.Public
	var ue *usageError
	if _, err := vapid(); !errors.As(err, &ue) || strings.Contains(err.Error(), keys.Private) {
		t.Fatalf("mismatched keys: %v, want a usage error that does not print the private key", err)
	}
}
