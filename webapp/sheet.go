package webapp

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/boombuler/barcode/qr"
	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// sheetDays are the periods the printable sheet offers; two weeks is what outreach workers
// hand out by default, and a month still fits two pages for most areas.
var sheetDays = []int{7, 14, 30}

// sheetMax bounds the alerts on a sheet so that it stays one or two printed pages.
const sheetMax = 60

// bothLangs is the ?lang= value that prints the sheet in every language side by side.
const bothLangs = "both"

type sheetData struct {
	Days     int
	DayOpts  []option
	Kinds    []option
	Areas    []option
	LangOpts []option
	Kind     string
	Area     string
	Filter   string // the kind and area chosen, in words, printed under the title
	// Alerts are listed once each, with all their areas: a sheet handed out on a street
	// corner is read whole, and an alert printed twice reads like two dangers.
	Alerts []report.Alert
	// Others are the same sheet in the other languages, for ?lang=both; nil otherwise.
	Others []*page
	QR     template.HTML
	Empty  bool
}

// showSheet is the printable sheet: the last N days of alerts, filtered by kind and area, in
// two compact columns on paper, with the organisation, help nearby and a QR code to the site.
func (s *Site) showSheet(c *gin.Context) {
	p := s.newPage(c, "sheet.title")
	both := c.Query("lang") == bothLangs
	if both {
		p.Lang = report.Languages[0]
		p.Title = p.T("sheet.title")
	}
	d := sheetData{Days: 14}
	if n, err := strconv.Atoi(c.Query("days")); err == nil {
		for _, allowed := range sheetDays {
			if n == allowed {
				d.Days = n
			}
		}
	}
	kind, area := s.filterQuery(c)
	d.Kind, d.Area = string(kind), area
	alerts, err := s.deps.Store.PublishedAlerts(c.Request.Context(), store.AlertFilter{
		Since: p.Now.AddDate(0, 0, -d.Days), Kind: kind, Area: area, Limit: sheetMax,
	})
	if err != nil {
		s.fail(c, p, err)
		return
	}
	d.Alerts, d.Empty = alerts, len(alerts) == 0
	var chosen []string
	if kind != "" {
		chosen = append(chosen, p.Kind(kind))
	}
	if area != "" {
		chosen = append(chosen, p.Area(area))
	}
	d.Filter = strings.Join(chosen, " · ")
	for _, k := range report.Kinds {
		d.Kinds = append(d.Kinds, option{string(k), p.Kind(k), d.Kind == string(k)})
	}
	for _, a := range s.deps.Areas {
		d.Areas = append(d.Areas, option{a.Code, p.Area(a.Code), d.Area == a.Code})
	}
	for _, n := range sheetDays {
		d.DayOpts = append(d.DayOpts, option{strconv.Itoa(n), p.T("sheet.days", n), n == d.Days})
	}
	d.LangOpts = []option{{p.Lang, p.T("sheet.lang_one"), !both}, {bothLangs, p.T("sheet.lang_both"), both}}
	if both {
		for _, l := range report.Languages[1:] {
			o := *p
			o.Lang = l
			d.Others = append(d.Others, &o)
		}
	}
	if d.QR, err = qrSVG(s.deps.BaseURL); err != nil {
		s.log.Warn("sheet QR code", "err", err) // the address is printed beside it anyway
	}
	p.Data = d
	s.render(c, http.StatusOK, "sheet", p)
}

// qrCodes keeps each address's QR code: the base URL does not change while the server runs,
// and drawing one costs more than the rest of the sheet.
var qrCodes sync.Map // string → template.HTML

// qrSVG draws a QR code of link as inline SVG: one path of dark runs on a white square with
// the four-module quiet zone. Inline, so that the sheet needs no image request and the
// content security policy no exception (presentation attributes are not inline styles).
func qrSVG(link string) (template.HTML, error) {
	if v, ok := qrCodes.Load(link); ok {
		return v.(template.HTML), nil
	}
	code, err := qr.Encode(link, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	n := code.Bounds().Dx()
	size := n + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="qr" viewBox="0 0 %d %d" aria-hidden="true" focusable="false" shape-rendering="crispEdges">`, size, size)
	fmt.Fprintf(&b, `<path fill="#fff" d="M0 0h%dv%dH0z"/><path fill="#000" d="`, size, size)
	dark := func(x, y int) bool {
		r, _, _, _ := code.At(x, y).RGBA()
		return r < 0x8000
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !dark(x, y) {
				x++
				continue
			}
			w := 1
			for x+w < n && dark(x+w, y) {
				w++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+4, y+4, w, w)
			x += w
		}
	}
	b.WriteString(`"/></svg>`)
	// Only numbers and fixed markup above: nothing from the link reaches the SVG text.
	svg := template.HTML(b.String()) //nolint:gosec
	qrCodes.Store(link, svg)
	return svg, nil
}
