package i18n

import (
	"fmt"
	"testing"
	"testing/fstest"
)

func load(t *testing.T, files map[string]string) *Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys["tr/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	c, err := Load(fsys, "tr")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLookupFallsBackToTheDefault(t *testing.T) {
	c := load(t, map[string]string{
		"es.json": `{"hello": "Hola", "n": "%d días", "empty": ""}`,
		"en.json": `{"hello": "Hello", "n": "%d days", "only": "Only in English", "empty": "Empty"}`,
		"fr.json": `{"hello": "Bonjour"}`,
	})
	if got := fmt.Sprint(c.Languages()); got != "[en es fr]" {
		t.Errorf("languages %s: the default must come first", got)
	}
	for _, tt := range []struct{ lang, key, want string }{
		{"es", "hello", "Hola"},
		{"es", "only", "Only in English"},
		{"es", "empty", "Empty"},
		{"de", "hello", "Hello"},
		{"es", "nope", "nope"},
	} {
		if got := c.Text(tt.lang, tt.key); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	if got := c.Text("es", "n", 3); got != "3 días" {
		t.Errorf("format: %q", got)
	}
}

// TestCheckFindsEveryGap: the check is what every catalog family's test relies on, so it must
// fail on each kind of gap.
func TestCheckFindsEveryGap(t *testing.T) {
	good := map[string]string{
		"en.json": `{"a": "A", "n": "%d days", "d": "%[1]s %[2]d"}`,
		"es.json": `{"a": "A es", "n": "%d días", "d": "%[2]d de %[1]s"}`,
	}
	if errs := load(t, good).Check(); len(errs) != 0 {
		t.Errorf("good catalog: %v", errs)
	}
	for name, es := range map[string]string{
		"missing key":     `{"a": "A es", "d": "%[2]d de %[1]s"}`,
		"extra key":       `{"a": "A es", "n": "%d días", "d": "%[2]d de %[1]s", "x": "X"}`,
		"empty text":      `{"a": " ", "n": "%d días", "d": "%[2]d de %[1]s"}`,
		"lost verb":       `{"a": "A es", "n": "días", "d": "%[2]d de %[1]s"}`,
		"changed verb":    `{"a": "A es", "n": "%s días", "d": "%[2]d de %[1]s"}`,
		"positional lost": `{"a": "A es", "n": "%d días", "d": "%[2]d de"}`,
	} {
		c := load(t, map[string]string{"en.json": good["en.json"], "es.json": es})
		if errs := c.Check(); len(errs) != 1 {
			t.Errorf("%s: %v", name, errs)
		}
	}
}

func TestLoadRefusesBrokenFamilies(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"no default":    {"tr/es.json": {Data: []byte(`{}`)}},
		"not flat":      {"tr/en.json": {Data: []byte(`{"a": {"b": "c"}}`)}},
		"not an object": {"tr/en.json": {Data: []byte(`["a"]`)}},
	} {
		if _, err := Load(files, "tr"); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestKeysUsed(t *testing.T) {
	src := `<h1>{{.T "a.b"}}</h1>{{with .Data}}<p>{{$.T "c" 3}}</p>{{end}}{{.Title}}{{.TH "d" .N}}`
	if got := fmt.Sprint(KeysUsed(src)); got != "[a.b c d]" {
		t.Errorf("KeysUsed: %s", got)
	}
}
