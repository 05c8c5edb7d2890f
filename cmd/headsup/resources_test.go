package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadResourcesFileStopsTheStart: a resources file with a wrong phone number is a usage
// error (exit code 2) naming the variable, the file, the entry and the field, before the server
// listens.
func TestBadResourcesFileStopsTheStart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "resources.json")
	bad := `{"resources":[{"category":"clinic","name":{"en":"Night clinic","es":"Clínica nocturna"},"phone":"call us"}]}`
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HEADSUP_DATA_DIR": filepath.Join(dir, "data"), "HEADSUP_RESOURCES_FILE": file,
		"HEADSUP_ADDR": "127.0.0.1:0", "HEADSUP_ADMIN_ADDR": "127.0.0.1:0"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, &bytes.Buffer{}, &bytes.Buffer{})
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	for _, want := range []string{"HEADSUP_RESOURCES_FILE " + file, `resource 1 ("Night clinic")`, `"phone" "call us"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	// The mistake stops the start before a database or a secret is written.
	if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data folder was created before the bad file was found (stat: %v)", err)
	}
}
