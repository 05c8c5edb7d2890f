package webapp

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/headsup/headsup/report"
)

// The catalogs are flat JSON objects, key to text, one file per language. The labels of report
// fields, options, kinds and statuses are not here: they live in package report, so the forms,
// the API and the moderation pages all say the same thing.
//
//go:embed translations/*.json
var translationFS embed.FS

type catalogs map[string]map[string]string

func loadCatalogs() (catalogs, error) {
	c := catalogs{}
	for _, lang := range report.Languages {
		data, err := translationFS.ReadFile("translations/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("webapp: catalog %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("webapp: catalog %s: %w", lang, err)
		}
		c[lang] = m
	}
	return c, nil
}

// text looks a key up in lang, then in English. A missing key shows the key itself, which the
// catalog tests catch long before a visitor could.
func (c catalogs) text(lang, key string, args ...any) string {
	s, ok := c[lang][key]
	if !ok || s == "" {
		if s, ok = c["en"][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

var monthNames = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// formatDate writes a day the way each language writes it: "November 20, 2026" and
// "20 de noviembre de 2026". Numbers alone (11/20 or 20/11) are read differently by
// people from different places, so the month is always a word.
func formatDate(lang string, t time.Time) string {
	names, ok := monthNames[lang]
	if !ok {
		names = monthNames["en"]
	}
	m := names[t.Month()-1]
	if lang == "es" {
		return fmt.Sprintf("%d de %s de %d", t.Day(), m, t.Year())
	}
	return fmt.Sprintf("%s %d, %d", m, t.Day(), t.Year())
}

// catalogKeysUsed finds the keys templates pass to .T, for the catalog test.
func catalogKeysUsed(src string) []string {
	var keys []string
	for _, part := range strings.Split(src, `.T "`)[1:] {
		if i := strings.IndexByte(part, '"'); i > 0 {
			keys = append(keys, part[:i])
		}
	}
	return keys
}
