package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/headsup/headsup/config"
)

func TestHelpListsCommandsAndEveryVariable(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}, {"serve", "--help"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errOut)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, v := range config.Vars {
			if !strings.Contains(out.String(), v.Name) {
				t.Errorf("%v: help does not mention %s", args, v.Name)
			}
		}
		if args[0] != "serve" {
			for _, c := range commands() {
				if !strings.Contains(out.String(), "  "+c.name) {
					t.Errorf("%v: help does not list command %s", args, c.name)
				}
			}
		}
	}
}

func TestBadSettingIsAUsageError(t *testing.T) {
	env := map[string]string{"HEADSUP_RETENTION_DAYS": "forever", "HEADSUP_BASE_URL": "ftp://x"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, &bytes.Buffer{}, &bytes.Buffer{})
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want a usage error (exit code 2)", err)
	}
	for _, want := range []string{"HEADSUP_RETENTION_DAYS", "HEADSUP_BASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message does not name %s: %v", want, err)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, &bytes.Buffer{}, &bytes.Buffer{}); !errors.As(err, &ue) {
		t.Fatalf("unknown command: %v, want a usage error", err)
	}
}

// A command without arguments refuses a stray word (a typo, a value without its flag) before
// it touches anything, and says which command and word.
func TestStrayArgumentIsAUsageError(t *testing.T) {
	for _, c := range []string{"serve", "vapid", "purge", "export", "import", "healthcheck"} {
		var errOut bytes.Buffer
		err := run(context.Background(), []string{c, "oops"}, func(string) string { return "" }, nil, &bytes.Buffer{}, &errOut)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c+" takes no arguments") || !strings.Contains(err.Error(), "oops") {
			t.Errorf("headsup %s oops: %v, want a usage error naming the command and the word", c, err)
		}
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds headsup once per test run, for the tests that run it as a newcomer would.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "headsup-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "headsup")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return binPath
}

func TestBinaryExitsWithCode2OnBadSetting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), "HEADSUP_ADDR=nonsense", "HEADSUP_DATA_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit = %v, want code 2; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "HEADSUP_ADDR") || strings.Count(string(out), "\n") > 5 {
		t.Fatalf("want one clear message naming HEADSUP_ADDR, got:\n%s", out)
	}
}
