package main

import (
	"go/build"
	"os/exec"
	"path/filepath"
	"slices"
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

// TestPackagesDependDownwardOnly pins the layering of DESIGN.md: the front ends (the JSON API,
// the public pages, the moderation pages) reach the use cases, never each other, so a rule
// changed for one front end cannot silently leave another behind; the use cases know no HTTP;
// and the HTTP platform knows neither. It reads only the import lines of each package's files
// (tests included), which is cheap.
func TestPackagesDependDownwardOnly(t *testing.T) {
	const module = "github.com/headsup/headsup/"
	frontEnds := []string{"api", "webapp", "moderation"}
	useCases := []string{"intake", "publishing"}
	forbidden := map[string][]string{
		"api":        {"webapp", "moderation"},
		"webapp":     {"api", "moderation"},
		"moderation": {"api", "webapp"},
		"web":        append(slices.Clone(frontEnds), useCases...),
	}
	for _, uc := range useCases {
		forbidden[uc] = append(slices.Clone(frontEnds), "web", "github.com/gin-gonic/gin", "net/http")
	}
	for pkg, banned := range forbidden {
		p, err := build.ImportDir(filepath.Join("..", "..", pkg), build.ImportComment)
		if err != nil {
			t.Fatalf("read the imports of %s: %v", pkg, err)
		}
		imports := slices.Concat(p.Imports, p.TestImports, p.XTestImports)
		for _, b := range banned {
			path := b
			if !strings.Contains(b, ".") && !strings.Contains(b, "/") {
				path = module + b
			}
			for _, imp := range imports {
				if imp == path || strings.HasPrefix(imp, path+"/") {
					t.Errorf("%s imports %s: packages depend downward only (DESIGN.md, Architecture)", pkg, imp)
				}
			}
		}
	}
}
