package webapp

import (
	"net/url"
	"strings"
	"testing"

	"github.com/headsup/headsup/report"
)

// TestCardsInTheReadersLanguage: the alert cards on the home page and among /check's results
// carry the title and text in the reader's language, like the alert page, and say so when the
// text shown is in another language.
func TestCardsInTheReadersLanguage(t *testing.T) {
	ts := newTestSite(t)
	phone, err := report.NormalizeIdentifier(report.IdentifierPhone, "(202) 555-0142")
	if err != nil {
		t.Fatal(err)
	}
	publish(t, ts.store, report.Alert{
		Kind: report.BadDate, Title: "Robbery in a grey Toyota", Body: "He took the money back at knifepoint.",
		Areas: []string{"ward-6"},
		Texts: []report.Translation{{Lang: "en", Title: "Robbery in a grey Toyota", Body: "He took the money back at knifepoint."},
			{Lang: "es", Title: "Robo en un Toyota gris"}},
		Identifiers: []report.Identifier{{Type: report.IdentifierPhone, Value: phone, HMAC: report.IdentifierHMAC(identifierKey, report.IdentifierPhone, phone), Public: true}},
	})
	publish(t, ts.store, report.Alert{
		Kind: report.DrugAlert, Title: "Blue pills sold as oxy", Body: "Two overdoses.", Areas: []string{"ward-2"},
		Texts: []report.Translation{{Lang: "en", Title: "Blue pills sold as oxy", Body: "Two overdoses."},
			{Lang: "es", Title: "Pastillas azules vendidas como oxi", Body: "Dos sobredosis."}},
	})
	for _, tc := range []struct {
		lang       string
		robbery    []string // on both pages
		drug       []string // on the home page, which lists both
		notShowing []string
	}{
		{"en", []string{">Robbery in a grey Toyota</a></h3>", `<p class="body">He took the money`},
			[]string{">Blue pills sold as oxy</a></h3>", `<p class="body">Two overdoses.</p>`},
			[]string{"lang-note", "Robo en", "Pastillas"}},
		{"es", []string{">Robo en un Toyota gris</a></h3>", `<p class="lang-note">Escrito en inglés</p>` + "\n" + `<p class="body" lang="en">He took the money`},
			[]string{">Pastillas azules vendidas como oxi</a></h3>", `<p class="body">Dos sobredosis.</p>`},
			[]string{"Robbery in a grey Toyota", "Blue pills", "Two overdoses"}},
	} {
		home := request(t, ts.h, "GET", "/?lang="+tc.lang, nil)
		check := request(t, ts.h, "POST", "/check?lang="+tc.lang, url.Values{"type": {"phone"}, "value": {"202 555 0142"}})
		for name, w := range map[string][]string{"home": append(tc.robbery, tc.drug...), "check": tc.robbery} {
			body := home.body
			if name == "check" {
				body = check.body
			}
			for _, want := range w {
				if !strings.Contains(body, want) {
					t.Errorf("%s page in %s lacks %q", name, tc.lang, want)
				}
			}
			for _, not := range tc.notShowing {
				if strings.Contains(body, not) {
					t.Errorf("%s page in %s shows %q", name, tc.lang, not)
				}
			}
		}
	}
}
