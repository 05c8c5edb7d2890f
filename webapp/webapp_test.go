package webapp

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/i18n"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
	"github.com/headsup/headsup/web"
)

const (
	testExitURL  = "https://exit.example/"
	testBaseURL  = "https://alerts.example"
	testSiteName = "Safe Corner"
	testMaxPoW   = 2000 // small, so the test solves a challenge in microseconds
)

var identifierKey = []byte("test-identifier-key")

type testSite struct {
	h      http.Handler
	store  store.Store
	site   *Site
	intake *intake.Service
}

type siteOptions struct {
	unverifiedBurst int
}

func newTestSite(t *testing.T, opt ...siteOptions) *testSite {
	t.Helper()
	o := siteOptions{unverifiedBurst: 100}
	if len(opt) > 0 {
		o = opt[0]
	}
	s := storetest.New(t)
	areas := report.DefaultAreas()
	in := &intake.Service{
		Store:      s,
		Areas:      areas,
		Proofs:     altcha.NewIssuer([]byte("pow-key-for-the-webapp-tests"), testMaxPoW, 15*time.Minute, time.Now),
		Receipts:   intake.ReceiptKey("receipt-key-for-tests-0123456789"),
		Unverified: ratelimit.New(ratelimit.Options{Rate: 1, Period: time.Hour, Burst: o.unverifiedBurst}),
		Now:        time.Now,
		// The key the check page looks identifiers up under, as moderators store them.
		IdentifierKey: identifierKey,
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	site, err := New(Deps{
		Store: s, Intake: in, Areas: areas,
		SiteName: testSiteName, ExitURL: testExitURL, BaseURL: testBaseURL,
		VAPIDPublicKey: "BPublicKeyForTests", RetentionDays: 21, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := serveSite(t, site, log)
	return &testSite{h: e, store: s, site: site, intake: in}
}

// report is the stored report a receipt code belongs to, raw text and all, which no page shows.
func (ts *testSite) report(code string) (*report.Report, error) {
	hash, ok := ts.intake.Receipts.Hash(code)
	if !ok {
		return nil, intake.ErrNotFound
	}
	return ts.store.ReportByReceipt(context.Background(), hash)
}

type response struct {
	*httptest.ResponseRecorder
	body string // decompressed
}

// request sends one request through the router; headers are name, value pairs.
func request(t *testing.T, h http.Handler, method, path string, form url.Values, headers ...string) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	raw := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s %s: bad gzip: %v", method, path, err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s %s: bad gzip: %v", method, path, err)
		}
	}
	return response{rec, string(raw)}
}

var publicPages = []string{"/", "/report/bad-date", "/report/bad-batch", "/receipt", "/alerts", "/sheet", "/check", "/subscribe", "/about"}

var (
	inlineScript = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle\s*=`)
	handlerAttr  = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	assetRef     = regexp.MustCompile(`(?:href|src)="(/static/[^"]+\.(?:css|js))"`)
)

// TestPagesAreSafeAndSmall checks what every visitor relies on: the security headers, no
// cookie, no inline script or style (the CSP would block them anyway, breaking the page), the
// quick exit, and at most 30 KB over the wire with the page's CSS and JavaScript.
func TestPagesAreSafeAndSmall(t *testing.T) {
	ts := newTestSite(t)
	for _, path := range publicPages {
		t.Run(path, func(t *testing.T) {
			r := request(t, ts.h, "GET", path, nil, "Accept-Encoding", "gzip")
			if r.Code != http.StatusOK {
				t.Fatalf("status %d: %s", r.Code, r.body)
			}
			if got := r.Header().Get("Content-Security-Policy"); got != web.ContentSecurityPolicy || strings.Contains(got, "unsafe-inline") {
				t.Errorf("CSP = %q", got)
			}
			if sc := r.Header().Values("Set-Cookie"); len(sc) > 0 {
				t.Errorf("public page sets a cookie: %v", sc)
			}
			if r.Header().Get("Content-Encoding") != "gzip" {
				t.Errorf("page not compressed")
			}
			if !strings.Contains(r.body, `<html lang="en">`) {
				t.Errorf("no <html lang>")
			}
			if !strings.Contains(r.body, `id="quick-exit" href="`+testExitURL+`"`) {
				t.Errorf("no quick exit link to %s", testExitURL)
			}
			for _, tag := range inlineScript.FindAllString(r.body, -1) {
				if !strings.Contains(tag, "src=") {
					t.Errorf("inline script: %s", tag)
				}
			}
			if m := styleAttr.FindString(r.body); m != "" {
				t.Errorf("style attribute: %q", m)
			}
			if m := handlerAttr.FindString(r.body); m != "" {
				t.Errorf("inline event handler: %q", m)
			}
			if strings.Contains(r.body, "http://") || strings.Contains(r.body, "//cdn") {
				t.Errorf("page refers to another origin")
			}
			total := r.Body.Len()
			for _, m := range assetRef.FindAllStringSubmatch(r.body, -1) {
				a := request(t, ts.h, "GET", m[1], nil, "Accept-Encoding", "gzip")
				if a.Code != http.StatusOK {
					t.Errorf("asset %s: %d", m[1], a.Code)
				}
				total += a.Body.Len()
			}
			if total > 30*1024 {
				t.Errorf("page with its CSS and JS is %d bytes compressed, over 30 KB", total)
			}
			t.Logf("%s: %d bytes with assets", path, total)
		})
	}
}

func TestSpanish(t *testing.T) {
	ts := newTestSite(t)
	cases := []struct{ name, path, header string }{
		{"query", "/report/bad-date?lang=es", ""},
		{"accept-language", "/report/bad-date", "es-MX,es;q=0.9,en;q=0.5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := request(t, ts.h, "GET", c.path, nil, "Accept-Language", c.header)
			for _, want := range []string{`<html lang="es">`, "Salida rápida", "Reportar un mal cliente", "Qué pasó", "(obligatorio)", "Distrito 6"} {
				if !strings.Contains(r.body, want) {
					t.Errorf("missing %q", want)
				}
			}
			if strings.Contains(r.body, "Quick exit") {
				t.Errorf("English text on a Spanish page")
			}
			explicit := strings.Contains(r.body, `action="/report/bad-date?lang=es"`)
			if explicit != (c.header == "") {
				t.Errorf("the form carries ?lang=es: %v, want %v", explicit, c.header == "")
			}
		})
	}
	r := request(t, ts.h, "GET", "/?lang=es", nil)
	if !strings.Contains(r.body, `href="/alerts?lang=es"`) {
		t.Errorf("links do not carry the chosen language")
	}
	if !strings.Contains(r.body, `href="/?lang=en" hreflang="en" lang="en" data-lang="en">English`) {
		t.Errorf("no switch back to English")
	}
}

func badDateForm() url.Values {
	return url.Values{
		"date":      {time.Now().UTC().AddDate(0, 0, -2).Format(report.DateLayout)},
		"time_band": {"evening"},
		"area":      {"ward-6"},
		"details":   {"He refused to pay and took my phone."},
		"harms":     {"refused_to_pay", "robbery_theft"},
		"phones":    {"202-555-0100\r\n\r\n(202) 555 0199"},
		"plate":     {"ABC 123"},
		"website":   {""},
	}
}

var receiptCode = regexp.MustCompile(`<p class="code" id="receipt-code">([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})</p>`)

// TestReportWithoutJavaScript posts the form as a browser with JavaScript off does: errors are
// shown next to each field and in a summary that takes focus, and what was typed is kept.
func TestReportWithoutJavaScript(t *testing.T) {
	ts := newTestSite(t)
	form := url.Values{
		"area":     {"ward-2"},
		"details":  {"Tall man, <b>blue</b> car & a dog"},
		"location": {"Near the bus stop"},
		"contact":  {"street"},
		"phones":   {"202 555 0100"},
	}
	r := request(t, ts.h, "POST", "/report/bad-date", form)
	if r.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", r.Code)
	}
	for _, want := range []string{
		`<div class="error-summary" id="error-summary" tabindex="-1" autofocus>`,
		`<a href="#f-date">Date: Enter the date it happened.</a>`,
		`<a href="#f-harms-physical_violence">What they did: Choose what happened (at least one).</a>`,
		`<p class="error-msg" id="f-date-error"><span class="vh">Error:</span> Enter the date it happened.</p>`,
		`aria-describedby="f-date-error" aria-invalid="true"`,
		// The optional sections holding an answer open, so nothing typed is hidden.
		`<details class="more" open>
<summary>Where exactly</summary>`,
		`<title>Error: Report a bad date – Safe Corner</title>`,
		// Values kept, escaped.
		`>Tall man, &lt;b&gt;blue&lt;/b&gt; car &amp; a dog</textarea>`,
		`value="Near the bus stop"`,
		`<option value="ward-2" selected>Ward 2</option>`,
		`<option value="street" selected>On the street</option>`,
		`>202 555 0100</textarea>`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("missing %s", want)
		}
	}
	ids, err := ts.store.AllReportIDs(context.Background())
	if err != nil || len(ids) != 0 {
		t.Fatalf("a refused report was stored: %d reports (err %v)", len(ids), err)
	}

	t.Run("spanish errors", func(t *testing.T) {
		r := request(t, ts.h, "POST", "/report/bad-batch?lang=es", url.Values{"details": {"x"}})
		if !strings.Contains(r.body, "Elige cómo se vendió.") || !strings.Contains(r.body, "Hay un problema") {
			t.Errorf("errors not in Spanish")
		}
	})

	t.Run("accepted", func(t *testing.T) {
		r := request(t, ts.h, "POST", "/report/bad-date", badDateForm())
		if r.Code != http.StatusOK {
			t.Fatalf("status %d: %s", r.Code, r.body)
		}
		m := receiptCode.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no receipt code on the page")
		}
		if r.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("receipt page may be cached: %q", r.Header().Get("Cache-Control"))
		}
		if strings.Contains(r.body, "data-lang=") {
			t.Errorf("the receipt page offers a language switch, which would lose the code shown once")
		}
		if r.Header().Get("Location") != "" || strings.Contains(r.body, "?code=") {
			t.Errorf("the receipt code could end up in a URL")
		}
		rep, err := ts.report(m[1])
		if err != nil {
			t.Fatal(err)
		}
		bd := rep.BadDate
		if rep.Verified || bd.Area != "ward-6" || len(bd.Harms) != 2 || len(bd.Phones) != 2 || bd.Phones[1] != "(202) 555 0199" || bd.Plate != "ABC 123" {
			t.Errorf("stored %+v (verified %v)", bd, rep.Verified)
		}
	})
}

func TestHoneypot(t *testing.T) {
	ts := newTestSite(t)
	f := badDateForm()
	f.Set("website", "http://spam.example")
	r := request(t, ts.h, "POST", "/report/bad-date", f)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.body, "This looks automated") {
		t.Fatalf("status %d", r.Code)
	}
	if ids, err := ts.store.AllReportIDs(context.Background()); err != nil || len(ids) != 0 {
		t.Fatalf("honeypot report stored: %d reports (err %v)", len(ids), err)
	}
}

// solve finds the ALTCHA answer the way the page's Web Worker does.
func solve(t *testing.T, ch altcha.Challenge) string {
	for n := int64(0); n <= ch.MaxNumber; n++ {
		sum := sha256.Sum256([]byte(ch.Salt + strconv.FormatInt(n, 10)))
		if hex.EncodeToString(sum[:]) == ch.Challenge {
			b, err := json.Marshal(map[string]any{"algorithm": ch.Algorithm, "challenge": ch.Challenge, "number": n, "salt": ch.Salt, "signature": ch.Signature})
			if err != nil {
				t.Fatal(err)
			}
			return base64.StdEncoding.EncodeToString(b)
		}
	}
	t.Fatal("challenge not solvable")
	return ""
}

func TestReportWithProofOfWork(t *testing.T) {
	ts := newTestSite(t)
	ch, err := ts.intake.Proofs.New()
	if err != nil {
		t.Fatal(err)
	}
	f := url.Values{
		"date": {time.Now().UTC().Format(report.DateLayout)}, "area": {"outside-dc"},
		"details": {"Blue pills stamped M30, two overdoses."}, "sold_as": {"pressed_oxy"},
		"effects": {"overdose", "multiple_naloxone"}, "fentanyl_strip": {"positive"},
		"altcha": {solve(t, ch)},
	}
	r := request(t, ts.h, "POST", "/report/bad-batch", f)
	m := receiptCode.FindStringSubmatch(r.body)
	if r.Code != http.StatusOK || m == nil {
		t.Fatalf("status %d: %s", r.Code, r.body)
	}
	rep, err := ts.report(m[1])
	if err != nil || !rep.Verified || rep.DrugAlert.SoldAs != "pressed_oxy" {
		t.Fatalf("report %+v, %v", rep, err)
	}
	// The same proof again is refused, and the form comes back with everything kept.
	f.Set("details", "Again")
	r = request(t, ts.h, "POST", "/report/bad-batch", f)
	if r.Code != http.StatusBadRequest || !strings.Contains(r.body, "anti-spam check") || !strings.Contains(r.body, ">Again</textarea>") {
		t.Fatalf("replayed proof: status %d", r.Code)
	}
}

func TestRateLimitedReport(t *testing.T) {
	ts := newTestSite(t, siteOptions{unverifiedBurst: 1})
	if r := request(t, ts.h, "POST", "/report/bad-date", badDateForm()); r.Code != http.StatusOK {
		t.Fatalf("first report: %d", r.Code)
	}
	r := request(t, ts.h, "POST", "/report/bad-date", badDateForm())
	if r.Code != http.StatusTooManyRequests || r.Header().Get("Retry-After") == "" || !strings.Contains(r.body, "please send it again in about an hour") {
		t.Fatalf("second report: %d %q", r.Code, r.Header().Get("Retry-After"))
	}
}

// TestReceipt follows a report with its code: status, adding information, and withdrawing
// with a confirmation step. The code only ever travels in POST bodies.
func TestReceipt(t *testing.T) {
	ts := newTestSite(t)
	r := request(t, ts.h, "POST", "/report/bad-date", badDateForm())
	code := receiptCode.FindStringSubmatch(r.body)[1]

	// Typed in lower case without dashes, as people do.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	r = request(t, ts.h, "POST", "/receipt", url.Values{"code": {typed}})
	if r.Code != http.StatusOK || !strings.Contains(r.body, "Waiting for review") || !strings.Contains(r.body, "Add information") {
		t.Fatalf("lookup: %d", r.Code)
	}
	if r.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("receipt page may be cached")
	}

	r = request(t, ts.h, "POST", "/receipt/add", url.Values{"code": {code}, "text": {"   "}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.body, "Write the information you want to add.") {
		t.Errorf("empty follow-up: %d", r.Code)
	}
	r = request(t, ts.h, "POST", "/receipt/add", url.Values{"code": {code}, "text": {"He drives a red van now."}})
	if r.Code != http.StatusOK || !strings.Contains(r.body, "Your information was added.") {
		t.Errorf("follow-up: %d", r.Code)
	}

	r = request(t, ts.h, "POST", "/receipt/withdraw", url.Values{"code": {code}})
	if r.Code != http.StatusOK || !strings.Contains(r.body, "Yes, withdraw and delete") {
		t.Fatalf("withdraw asks first: %d", r.Code)
	}
	if _, err := ts.report(code); err != nil {
		t.Fatalf("the first step deleted the report: %v", err)
	}
	r = request(t, ts.h, "POST", "/receipt/withdraw", url.Values{"code": {code}, "confirm": {"yes"}})
	if r.Code != http.StatusOK || !strings.Contains(r.body, "Your report was withdrawn") {
		t.Fatalf("withdraw: %d", r.Code)
	}
	r = request(t, ts.h, "POST", "/receipt", url.Values{"code": {code}})
	if r.Code != http.StatusNotFound || !strings.Contains(r.body, "No report has this code.") || !strings.Contains(r.body, `value="`+code+`"`) {
		t.Fatalf("withdrawn report still found: %d", r.Code)
	}
	r = request(t, ts.h, "POST", "/receipt?lang=es", url.Values{"code": {"nonsense"}})
	if r.Code != http.StatusNotFound || !strings.Contains(r.body, "Ningún reporte tiene este código.") {
		t.Fatalf("malformed code: %d", r.Code)
	}
}

func publish(t *testing.T, s store.Store, a report.Alert) report.Alert {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	if a.ID == "" {
		a.ID = report.NewID()
	}
	a.Version, a.Status, a.ReportCount = 1, report.AlertPublished, 1
	if a.Published.IsZero() {
		a.Published = now
	}
	a.Updated = a.Published
	if a.Expires.IsZero() {
		a.Expires = now.Add(report.DefaultExpiry(a.Kind))
	}
	if a.IncidentDay.IsZero() {
		a.IncidentDay = report.Day(now.AddDate(0, 0, -1))
	}
	if a.Severity == "" {
		a.Severity = report.SeverityDanger
	}
	if err := s.CreateAlert(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAlertsFeedSheetAndCheck(t *testing.T) {
	ts := newTestSite(t)
	phone, err := report.NormalizeIdentifier(report.IdentifierPhone, "(202) 555-0100")
	if err != nil {
		t.Fatal(err)
	}
	bad := publish(t, ts.store, report.Alert{
		Kind: report.BadDate, Title: "Man in a silver sedan robbing workers", Body: "Pays, then takes the money back at knifepoint.",
		Areas: []string{"ward-6", "ward-7"}, TimeBand: "night",
		Identifiers: []report.Identifier{{Type: report.IdentifierPhone, Value: phone, HMAC: report.IdentifierHMAC(identifierKey, report.IdentifierPhone, phone), Public: true}},
	})
	batch := publish(t, ts.store, report.Alert{
		Kind: report.DrugAlert, Severity: report.SeverityWarning, Title: "Xylazine in dope", Body: "Wounds reported.", Areas: []string{"ward-1"},
		Published: time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond),
	})

	r := request(t, ts.h, "GET", "/", nil)
	if !strings.Contains(r.body, bad.Title) || !strings.Contains(r.body, batch.Title) {
		t.Errorf("home page lacks the alerts")
	}
	r = request(t, ts.h, "GET", "/alerts?kind=drug_alert", nil)
	if strings.Contains(r.body, bad.Title) || !strings.Contains(r.body, batch.Title) {
		t.Errorf("kind filter")
	}
	r = request(t, ts.h, "GET", "/alerts?area=ward-7", nil)
	if !strings.Contains(r.body, bad.Title) || strings.Contains(r.body, batch.Title) {
		t.Errorf("area filter")
	}
	r = request(t, ts.h, "GET", "/alerts/"+bad.ID+"?lang=es", nil)
	if r.Code != 200 {
		t.Fatalf("alert page: %d %s", r.Code, r.body)
	}
	for _, want := range []string{bad.Title, "Peligro", "Mal cliente", "Distrito 6, Distrito 7", "Madrugada", "1 202-555-0100"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("alert page lacks %q", want)
		}
	}

	t.Run("feed", func(t *testing.T) {
		r := request(t, ts.h, "GET", "/alerts.atom", nil)
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("status %d %s", r.Code, r.Header().Get("Content-Type"))
		}
		var feed atomFeed
		if err := xml.Unmarshal([]byte(r.body), &feed); err != nil {
			t.Fatal(err)
		}
		if len(feed.Entries) != 2 || feed.Entries[0].Title != bad.Title || feed.Entries[0].ID != testBaseURL+"/alerts/"+bad.ID {
			t.Fatalf("entries %+v", feed.Entries)
		}
	})

	t.Run("sheet", func(t *testing.T) {
		r := request(t, ts.h, "GET", "/sheet?lang=es&days=7", nil)
		for _, want := range []string{"Hoja de seguridad", "Impresa el", "Alertas de los últimos 7 días", "Distrito 6, Distrito 7", "Distrito 1", testBaseURL} {
			if !strings.Contains(r.body, want) {
				t.Errorf("sheet lacks %q", want)
			}
		}
		// Once, with both its areas (sheet_test.go checks the rest of the sheet).
		if strings.Count(r.body, "<h2>"+bad.Title+"</h2>") != 1 {
			t.Errorf("an alert for two areas is not printed once")
		}
	})

	t.Run("check", func(t *testing.T) {
		r := request(t, ts.h, "POST", "/check", url.Values{"type": {"phone"}, "value": {"+1 202.555.0100"}})
		if r.Code != http.StatusOK || !strings.Contains(r.body, "Alerts that name this: 1") || !strings.Contains(r.body, bad.Title) {
			t.Errorf("check by phone: %d", r.Code)
		}
		r = request(t, ts.h, "POST", "/check", url.Values{"type": {"plate"}, "value": {"2025550100"}})
		if !strings.Contains(r.body, "No published alert names this.") {
			t.Errorf("a phone number matched as a plate")
		}
		r = request(t, ts.h, "POST", "/check", url.Values{"type": {"phone"}, "value": {"12"}})
		if r.Code != http.StatusBadRequest || !strings.Contains(r.body, "Enter a phone number with 7 to 15 digits.") || !strings.Contains(r.body, `value="12"`) {
			t.Errorf("bad phone: %d", r.Code)
		}
	})

	t.Run("retracted", func(t *testing.T) {
		if _, err := ts.store.RetractAlert(context.Background(), batch.ID); err != nil {
			t.Fatal(err)
		}
		r := request(t, ts.h, "GET", "/alerts/"+batch.ID, nil)
		if r.Code != http.StatusGone || !strings.Contains(r.body, "This alert was withdrawn") {
			t.Errorf("retracted alert: %d", r.Code)
		}
		if r := request(t, ts.h, "GET", "/alerts/"+report.NewID(), nil); r.Code != http.StatusNotFound {
			t.Errorf("unknown alert: %d", r.Code)
		}
	})
}

func TestAlertsPagination(t *testing.T) {
	ts := newTestSite(t)
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	for i := 0; i < alertsPerPage+3; i++ {
		publish(t, ts.store, report.Alert{Kind: report.DrugAlert, Title: fmt.Sprintf("Batch number %02d", i), Body: "b", Areas: []string{"ward-3"}, Published: base.Add(time.Duration(i) * time.Minute)})
	}
	r := request(t, ts.h, "GET", "/alerts?lang=es", nil)
	if n := strings.Count(r.body, `<article class="card`); n != alertsPerPage {
		t.Fatalf("first page has %d alerts", n)
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(r.body)
	if next == nil || !strings.Contains(r.body, "Batch number 22") || strings.Contains(r.body, "Batch number 02") {
		t.Fatalf("no next page link or wrong order")
	}
	r = request(t, ts.h, "GET", strings.ReplaceAll(next[1], "&amp;", "&"), nil)
	if n := strings.Count(r.body, `<article class="card`); n != 3 || !strings.Contains(r.body, "Batch number 00") || !strings.Contains(r.body, "Alertas más recientes") {
		t.Fatalf("second page has %d alerts", n)
	}
}

func TestStaticServiceWorkerAndManifest(t *testing.T) {
	ts := newTestSite(t)
	css := ts.site.assets.URL("app.css")
	if !regexp.MustCompile(`^/static/app\.[0-9a-f]{8}\.css$`).MatchString(css) {
		t.Fatalf("asset URL %q is not checksummed", css)
	}
	r := request(t, ts.h, "GET", css, nil, "Accept-Encoding", "gzip")
	if r.Code != 200 || r.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(r.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("static: %d %v", r.Code, r.Header())
	}
	if r := request(t, ts.h, "GET", "/static/app.00000000.css", nil); r.Code != http.StatusNotFound {
		t.Errorf("unknown asset: %d", r.Code)
	}

	r = request(t, ts.h, "GET", "/sw.js", nil)
	if r.Header().Get("Service-Worker-Allowed") != "/" || r.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("sw headers %v", r.Header())
	}
	if strings.Contains(r.body, "__SHELL__") || strings.Contains(r.body, "__VERSION__") {
		t.Errorf("placeholders left in the service worker")
	}
	// The worker un-hides the offline note of a list it serves from its copy, by its markup.
	const note = `id="offline-note" class="notice" role="status" hidden`
	if !strings.Contains(r.body, note) || !strings.Contains(request(t, ts.h, "GET", "/alerts", nil).body, note) {
		t.Errorf("the service worker and the alerts page disagree on the offline note")
	}
	for _, u := range regexp.MustCompile(`/static/[a-z0-9-]+\.[0-9a-f]{8}\.[a-z]+`).FindAllString(r.body, -1) {
		if a := request(t, ts.h, "GET", u, nil); a.Code != 200 {
			t.Errorf("service worker caches %s which is %d", u, a.Code)
		}
	}

	r = request(t, ts.h, "GET", "/manifest.webmanifest?lang=es", nil)
	var m struct {
		Name  string `json:"name"`
		Lang  string `json:"lang"`
		Icons []struct{ Src, Type string }
	}
	if err := json.Unmarshal([]byte(r.body), &m); err != nil || m.Name != testSiteName || m.Lang != "es" || len(m.Icons) != 3 {
		t.Fatalf("manifest %+v %v", m, err)
	}
	for _, icon := range m.Icons {
		a := request(t, ts.h, "GET", icon.Src, nil)
		if a.Code != 200 || a.Header().Get("Content-Type") != icon.Type {
			t.Errorf("icon %s: %d %s", icon.Src, a.Code, a.Header().Get("Content-Type"))
		}
		if icon.Type == "image/png" {
			if _, err := png.Decode(strings.NewReader(a.body)); err != nil {
				t.Errorf("icon %s: %v", icon.Src, err)
			}
		}
	}
}

func TestNotFoundPage(t *testing.T) {
	ts := newTestSite(t)
	r := request(t, ts.h, "GET", "/no/such/page?lang=es", nil)
	if r.Code != http.StatusNotFound || !strings.Contains(r.body, "No encontramos la página") || !strings.Contains(r.body, "Salida rápida") {
		t.Fatalf("404: %d", r.Code)
	}
	r = request(t, ts.h, "GET", "/api/v1/nothing", nil)
	if !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") {
		t.Errorf("API 404 is not JSON")
	}
}

// TestCatalogs checks that every language file has exactly the keys of en.json, with the same
// placeholders, and that every key a template uses is in the catalog.
func TestCatalogs(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Languages(); fmt.Sprint(got) != fmt.Sprint(report.Languages) {
		t.Errorf("the pages are in %v, the labels in %v", got, report.Languages)
	}
	for _, err := range c.Check() {
		t.Error(err)
	}
	srcs, err := templateSources()
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for name, src := range srcs {
		for _, key := range i18n.KeysUsed(src) {
			used++
			if !c.Has(key) {
				t.Errorf("%s uses %q, which is not in the catalogs", name, key)
			}
		}
	}
	// Keys built at run time.
	for _, prefix := range []string{"error.not_found", "error.internal", "error.unavailable", "error.rate_limited", "error.too_large", "error.bad_form"} {
		for _, suffix := range []string{".title", ".body"} {
			if !c.Has(prefix + suffix) {
				t.Errorf("missing %s", prefix+suffix)
			}
		}
	}
	for _, sec := range sectionOf {
		if !c.Has("report.section." + sec) {
			t.Errorf("missing report.section.%s", sec)
		}
	}
	for m := 1; m <= 12; m++ {
		if !c.Has(fmt.Sprintf("date.month.%d", m)) {
			t.Errorf("missing date.month.%d", m)
		}
	}
	if used < 100 {
		t.Errorf("found only %d catalog uses in templates: is KeysUsed broken?", used)
	}
}

func TestDatesReadNaturally(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, time.November, 20, 15, 0, 0, 0, time.UTC)
	for lang, want := range map[string]string{"en": "November 20, 2026", "es": "20 de noviembre de 2026"} {
		if got := formatDate(c, lang, day); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// TestFormHasEverySchemaField guards against a field added to the schema and not to the form.
func TestFormHasEverySchemaField(t *testing.T) {
	ts := newTestSite(t)
	for kind, path := range reportPath {
		r := request(t, ts.h, "GET", path, nil)
		for _, f := range report.Schema(kind) {
			if !strings.Contains(r.body, `name="`+f.Name+`"`) {
				t.Errorf("%s: no input for %s", path, f.Name)
			}
			if !strings.Contains(r.body, report.FieldLabel("en", f.Name)) {
				t.Errorf("%s: no label for %s", path, f.Name)
			}
		}
	}
}

func init() { gin.SetMode(gin.ReleaseMode) }

// serveSite registers site's routes on an engine as the wiring does.
func serveSite(t testing.TB, site *Site, log *slog.Logger) *gin.Engine {
	t.Helper()
	e, err := web.NewEngine(web.EngineOptions{Logger: log, NotFound: site.NotFound})
	if err != nil {
		t.Fatal(err)
	}
	site.Register(e)
	return e
}
