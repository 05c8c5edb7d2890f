// Package i18n is the one translation catalog format of Heads Up: every string a person reads,
// on the public pages, the moderation pages and in the report forms' labels, comes from a
// catalog of this kind. It imports nothing of the project and knows no HTTP, so that package
// report, the domain, can keep its labels in a catalog too.
//
// A catalog family is a directory of flat JSON objects, key to text, one file per language,
// named by the language code (en.json, es.json). Adding a language is one file per family:
// copy en.json, translate every value, keep every key.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Default is the language every family must have, and the one a missing text falls back to.
const Default = "en"

// Catalog is one family of translations: key to text, per language.
type Catalog struct {
	name  string
	langs []string // Default first, then the others in code order
	texts map[string]map[string]string
}

// Load reads every dir/*.json of fsys as one language of a family. It refuses a family without
// the default language, and a file that is not a flat JSON object of strings: both are bugs in
// the embedded files, which the tests catch before a release.
func Load(fsys fs.FS, dir string) (*Catalog, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", dir, err)
	}
	c := &Catalog{name: dir, texts: map[string]map[string]string{}}
	for _, file := range files {
		lang := strings.TrimSuffix(path.Base(file), ".json")
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", file, err)
		}
		c.texts[lang] = m
		c.langs = append(c.langs, lang)
	}
	if _, ok := c.texts[Default]; !ok {
		return nil, fmt.Errorf("i18n: %s has no %s.json", dir, Default)
	}
	slices.SortFunc(c.langs, func(a, b string) int {
		switch {
		case a == Default:
			return -1
		case b == Default:
			return 1
		}
		return strings.Compare(a, b)
	})
	return c, nil
}

// MustLoad is Load for catalogs embedded in the binary, read at start-up.
func MustLoad(fsys fs.FS, dir string) *Catalog {
	c, err := Load(fsys, dir)
	if err != nil {
		panic(err)
	}
	return c
}

// Languages are the languages of the family, the default first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Lookup finds a key in lang, then in the default language.
func (c *Catalog) Lookup(lang, key string) (string, bool) {
	if s, ok := c.texts[lang][key]; ok && s != "" {
		return s, true
	}
	s, ok := c.texts[Default][key]
	return s, ok
}

// Text translates a key; with arguments the text is a fmt format. A missing key shows the key
// itself, which the catalog tests catch long before a person could see it.
func (c *Catalog) Text(lang, key string, args ...any) string {
	s, ok := c.Lookup(lang, key)
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether the default language has key.
func (c *Catalog) Has(key string) bool {
	_, ok := c.texts[Default][key]
	return ok
}

// Keys are the keys of the default language, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.texts[Default]))
	for k := range c.texts[Default] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// verbs finds fmt verbs, positional ones included (%[2]d), so that a translation cannot drop or
// change an argument.
var verbs = regexp.MustCompile(`%(?:\[\d+\])?[a-z]`)

// Check lists what is wrong with the family: a language without a key the others have, or
// with one they lack, an empty text, a text whose fmt verbs differ from the default's. A test
// per family runs it; the site still starts with a gap, showing the default language there.
func (c *Catalog) Check() []error {
	var errs []error
	def := c.texts[Default]
	for _, lang := range c.langs {
		m := c.texts[lang]
		for key, en := range def {
			s, ok := m[key]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s/%s.json: %q is missing", c.name, lang, key))
			case strings.TrimSpace(s) == "":
				errs = append(errs, fmt.Errorf("%s/%s.json: %q is empty", c.name, lang, key))
			case !sameVerbs(en, s):
				errs = append(errs, fmt.Errorf("%s/%s.json: %q has placeholders %v, %s has %v",
					c.name, lang, key, verbs.FindAllString(s, -1), Default, verbs.FindAllString(en, -1)))
			}
		}
		for key := range m {
			if _, ok := def[key]; !ok {
				errs = append(errs, fmt.Errorf("%s/%s.json: %q is not in %s.json", c.name, lang, key, Default))
			}
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

// sameVerbs compares the verbs of two texts. Plain verbs take the arguments in order, so they
// must match in order; positional ones (%[2]d) let a language reorder them, so they are
// compared as sets.
func sameVerbs(a, b string) bool {
	va, vb := verbs.FindAllString(a, -1), verbs.FindAllString(b, -1)
	if !strings.Contains(a, "%[") && !strings.Contains(b, "%[") {
		return slices.Equal(va, vb)
	}
	slices.Sort(va)
	slices.Sort(vb)
	return slices.Equal(va, vb)
}

// KeysUsed finds the keys a template passes to T or TH as a literal ({{.T "key"}},
// {{$.TH "key" n}}), for the test that every key a template uses exists. Keys built at run
// time are listed by the tests of the package that builds them.
func KeysUsed(src string) []string {
	var keys []string
	for _, m := range keyUse.FindAllStringSubmatch(src, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

var keyUse = regexp.MustCompile(`\.TH? "([^"]+)"`)
