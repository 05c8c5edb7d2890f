package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryCarriesNoTestOnlyServer pins that the product binary links neither FerretDB (the
// MongoDB-protocol server the tests start) nor anything that would open a database socket of its
// own: the embedded engine is SQLite in-process. It asks the go tool for the binary's import
// graph, which is what `go version -m` of the built binary would list.
func TestBinaryCarriesNoTestOnlyServer(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list the binary's dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	var sawSQLite, sawMongo bool
	for _, d := range deps {
		if strings.Contains(strings.ToLower(d), "ferretdb") || strings.HasSuffix(d, "/ferrettest") || strings.HasSuffix(d, "/storetest") {
			t.Errorf("the headsup binary imports %s, which belongs in tests only", d)
		}
		sawSQLite = sawSQLite || d == "modernc.org/sqlite"
		sawMongo = sawMongo || d == "go.mongodb.org/mongo-driver/v2/mongo"
	}
	if !sawSQLite || !sawMongo {
		t.Errorf("expected both engines' drivers in the binary (sqlite %v, mongo %v): is the dependency list right?", sawSQLite, sawMongo)
	}
}
