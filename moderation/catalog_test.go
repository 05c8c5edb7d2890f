package moderation

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/i18n"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// TestCatalog: every language file has exactly the keys of en.json, with the same
// placeholders; every key a template or a handler names exists; every key built at run time
// exists.
func TestCatalog(t *testing.T) {
	if got, want := strings.Join(catalog.Languages(), " "), strings.Join(report.Languages, " "); got != want {
		t.Errorf("moderation pages are in %s, the labels in %s", got, want)
	}
	for _, err := range catalog.Check() {
		t.Error(err)
	}

	used := 0
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := templateFS.ReadFile(path)
		for _, key := range i18n.KeysUsed(string(src)) {
			used++
			if !catalog.Has(key) {
				t.Errorf("%s uses %q, which is not in the catalog", path, key)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if used < 150 {
		t.Errorf("found only %d catalog uses in templates: is KeysUsed broken?", used)
	}

	// Handlers name page titles and messages by key: a literal that looks like a key of one
	// of the catalog's groups must be one.
	groups := map[string]bool{}
	for _, k := range catalog.Keys() {
		groups[k[:strings.IndexByte(k, '.')]] = true
	}
	literal := regexp.MustCompile(`"([a-z_]+)\.([a-z_.]+)"`)
	for f, src := range goSources(t, "*.go") {
		for _, m := range literal.FindAllStringSubmatch(src, -1) {
			if strings.HasSuffix(m[2], ".") {
				continue // the prefix of keys built at run time, listed below
			}
			if groups[m[1]] && !catalog.Has(m[1]+"."+m[2]) {
				t.Errorf("%s names %s.%s, which is not in the catalog", f, m[1], m[2])
			}
		}
	}

	// Keys built at run time.
	var built []string
	for _, n := range notices {
		built = append(built, "notice."+n)
	}
	for _, l := range []string{store.AlertsActive, store.AlertsExpired, store.AlertsRetracted} {
		built = append(built, "alerts.list."+l)
	}
	for _, r := range Roles {
		built = append(built, "role."+r)
	}
	for _, h := range report.HintKinds {
		built = append(built, "report.hint_kind."+h)
	}
	for _, typ := range []string{report.IdentifierPhone, report.IdentifierEmail, report.IdentifierPlate} {
		built = append(built, "error.unreadable."+typ)
	}
	for _, name := range counterFields {
		built = append(built, "alert.counter."+lowerFirst(name))
	}
	for _, st := range []string{store.DeliveryQueued, store.DeliveryRunning, store.DeliveryDone} {
		built = append(built, "alert.state."+st)
	}
	for m := time.January; m <= time.December; m++ {
		built = append(built, "stats.month."+strconv.Itoa(int(m)))
	}
	for _, a := range AuditActions {
		built = append(built, "audit.action."+a)
	}
	for _, w := range auditWords {
		built = append(built, "audit.word."+w)
	}
	for f := range auditFields {
		built = append(built, "audit.field."+f)
	}
	for _, r := range rejectReasons.values {
		built = append(built, "audit.reason."+r)
	}
	for _, k := range built {
		if !catalog.Has(k) {
			t.Errorf("missing %s", k)
		}
	}
}

// TestAuditActionsComplete: every audit action some package defines is offered by the audit
// page's filter (and so labelled, above). Actions are constants named Action… wherever an
// entry is written.
func TestAuditActionsComplete(t *testing.T) {
	def := regexp.MustCompile(`\bAction[A-Z]\w*\s*=\s*"([^"]+)"`)
	found := 0
	for f, src := range goSources(t, "../*/*.go") {
		for _, m := range def.FindAllStringSubmatch(src, -1) {
			found++
			if !slices.Contains(AuditActions, m[1]) {
				t.Errorf("%s defines the audit action %q, which AuditActions lacks", f, m[1])
			}
		}
	}
	if found < len(AuditActions) {
		t.Errorf("found %d action definitions for %d actions: is the pattern broken?", found, len(AuditActions))
	}
}

// goSources is the text of every Go file but tests that pattern matches, by name; none is a
// failure, as a test reading no source would pass whatever the code says.
func goSources(t *testing.T, pattern string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	out := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(src)
	}
	if err != nil || len(out) == 0 {
		t.Fatalf("no Go files match %s (%v)", pattern, err)
	}
	return out
}

// TestTHEscapesArguments: markup comes from the catalog only; what a person typed is text.
func TestTHEscapesArguments(t *testing.T) {
	p := &page{Lang: "es"}
	if got := string(p.TH("enroll.key", "<b>x</b>", "Site & co")); got != "Clave de <strong>&lt;b&gt;x&lt;/b&gt;</strong> en Site &amp; co:" {
		t.Errorf("TH: %s", got)
	}
	if got := string(p.TH("report.hints.other", 2)); !strings.HasPrefix(got, "2 fragmentos") {
		t.Errorf("TH with a number: %s", got)
	}
}
