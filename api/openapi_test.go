package api

import (
	_ "embed"
	"regexp"
	"sort"
	"strings"
	"testing"
)

//go:embed openapi.yaml
var openapiSpec string

// TestOpenAPIDescribesEveryRoute fails when a route is added to the router without being
// described in openapi.yaml, or described without existing.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	ts := newTestServer(t)
	routed := map[string]bool{}
	for _, r := range ts.engine.Routes() {
		if path, ok := strings.CutPrefix(r.Path, "/api/v1"); ok {
			// Gin writes :param, OpenAPI {param}.
			path = regexp.MustCompile(`:(\w+)`).ReplaceAllString(path, "{$1}")
			routed[strings.ToLower(r.Method)+" "+path] = true
		}
	}
	described := map[string]bool{}
	var path string
	for _, line := range strings.Split(openapiSpec, "\n") {
		if m := regexp.MustCompile(`^  (/\S*):\s*$`).FindStringSubmatch(line); m != nil {
			path = m[1]
			continue
		}
		if m := regexp.MustCompile(`^    (get|post|put|delete|patch):`).FindStringSubmatch(line); m != nil && path != "" {
			described[m[1]+" "+path] = true
		}
		if strings.HasPrefix(line, "components:") {
			break
		}
	}
	if len(described) == 0 {
		t.Fatal("no operations found in openapi.yaml")
	}
	var missing, extra []string
	for r := range routed {
		if !described[r] {
			missing = append(missing, r)
		}
	}
	for d := range described {
		if !routed[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes not described in api/openapi.yaml: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("operations in api/openapi.yaml that the router does not have: %v", extra)
	}
}
