package webapp

import (
	"embed"
	"fmt"
	"time"

	"github.com/headsup/headsup/i18n"
)

// The public pages' catalog: one JSON file per language (the format of package i18n). The
// labels of report fields, options, kinds and statuses are not here: they are report's own
// catalog, so the forms, the API and the moderation pages all say the same thing. Adding a
// language is one file here, one in report/translations and one in moderation/translations.
//
//go:embed translations/*.json
var translationFS embed.FS

func loadCatalog() (*i18n.Catalog, error) {
	c, err := i18n.Load(translationFS, "translations")
	if err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	return c, nil
}

// formatDate writes a day the way each language writes it: "November 20, 2026" and
// "20 de noviembre de 2026". Numbers alone (11/20 or 20/11) are read differently by
// people from different places, so the month is always a word. The catalog's date.format
// takes the month name, the day and the year, in any order (%[2]d).
func formatDate(c *i18n.Catalog, lang string, t time.Time) string {
	month := c.Text(lang, fmt.Sprintf("date.month.%d", t.Month()))
	return c.Text(lang, "date.format", month, t.Day(), t.Year())
}
