package config

import (
	"os"
	"strings"
	"testing"
)

func TestDefaultsNeedNoSettings(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatalf("a first run with nothing set must work: %v", err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.RetentionDays != 30 || c.Replicas != 1 || !c.LocalOnly() {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestProblemsAreNamedTogether(t *testing.T) {
	env := map[string]string{
		"HEADSUP_RETENTION_DAYS": "0", "HEADSUP_BASE_URL": "https://alerts.example.org",
		"HEADSUP_VAPID_PUBLIC_KEY": "only-one", "HEADSUP_TRUSTED_PROXIES": "10.0.0.0/8,not-an-ip",
		"HEADSUP_LOG_LEVEL": "loud", "MONGODB_URI": "postgres://x",
	}
	_, err := Load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, want := range []string{"HEADSUP_RETENTION_DAYS", "HEADSUP_VAPID_SUBJECT is required", "HEADSUP_VAPID_PRIVATE_KEY", "not-an-ip", "HEADSUP_LOG_LEVEL", "MONGODB_URI"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// HEADSUP_REPLICAS divides every rate limit, so a value that would divide by zero, or by
// something that is not a count of processes, is refused by name.
func TestReplicas(t *testing.T) {
	for value, want := range map[string]int{"": 1, "1": 1, "2": 2, " 3 ": 3, "100": 100} {
		c, err := Load(func(k string) string { return map[string]string{"HEADSUP_REPLICAS": value}[k] })
		if err != nil || c.Replicas != want {
			t.Errorf("HEADSUP_REPLICAS=%q: %d, %v; want %d", value, c.Replicas, err, want)
		}
	}
	for _, value := range []string{"0", "-1", "two", "1.5", "101"} {
		_, err := Load(func(k string) string { return map[string]string{"HEADSUP_REPLICAS": value}[k] })
		if err == nil || !strings.Contains(err.Error(), "HEADSUP_REPLICAS") {
			t.Errorf("HEADSUP_REPLICAS=%q: %v, want a problem naming it", value, err)
		}
	}
}

func TestSecretsFromFiles(t *testing.T) {
	path := t.TempDir() + "/uri"
	if err := os.WriteFile(path, []byte("mongodb://db:27017\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MONGODB_URI_FILE": path, "HEADSUP_RECEIPT_KEY": strings.Repeat("k", 32)}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil || c.MongoURI != "mongodb://db:27017" {
		t.Fatalf("MONGODB_URI_FILE: %q %v", c.MongoURI, err)
	}
	env["MONGODB_URI_FILE"] = "/nonexistent/file"
	if _, err := Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "MONGODB_URI_FILE") {
		t.Fatalf("unreadable secret file: %v", err)
	}
}

// TestReadmeListsEveryVariable keeps the README's table honest.
func TestReadmeListsEveryVariable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		if !strings.Contains(string(data), "| `"+v.Name+"` |") {
			t.Errorf("README.md configuration table lacks %s", v.Name)
		}
	}
}

// TestComposeSetsOnlyKnownVariables fails when docker-compose.yml or .env.example sets a variable
// for the app that Heads Up does not read: a typo there would be silently ignored in production.
func TestComposeSetsOnlyKnownVariables(t *testing.T) {
	compose, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var inAppEnv bool
	found := 0
	for _, line := range strings.Split(string(compose), "\n") {
		switch {
		case strings.HasPrefix(line, "x-headsup:"):
			inAppEnv = false
		case line == "  environment:":
			inAppEnv = true
			continue
		case !strings.HasPrefix(line, "    "):
			inAppEnv = false
		}
		if !inAppEnv || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		name, _, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		found++
		if !Known(name) {
			t.Errorf("docker-compose.yml sets %s, which Heads Up does not read", name)
		}
	}
	if found < 5 {
		t.Fatalf("found only %d app variables in docker-compose.yml; has its layout changed?", found)
	}
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(example), "\n") {
		name, _, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") || name == "SITE_DOMAIN" { // SITE_DOMAIN is the proxy's
			continue
		}
		if !Known(name) {
			t.Errorf(".env.example sets %s, which Heads Up does not read", name)
		}
	}
}
