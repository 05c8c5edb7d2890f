package webapp

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// sheetDays are the periods the printable sheet offers; two weeks is what outreach workers
// hand out by default, and a month still fits two pages for most areas.
var sheetDays = []int{7, 14, 30}

// sheetMax bounds the alerts on a sheet so that it stays one or two printed pages.
const sheetMax = 60

type sheetArea struct {
	Code   string
	Name   string
	Alerts []report.Alert
}

type sheetData struct {
	Days     int
	DayOpts  []option
	Areas    []option
	Area     string
	Sections []sheetArea
	Empty    bool
}

// showSheet is the printable sheet: the last N days of alerts, by area, in large type.
func (s *Site) showSheet(c *gin.Context) {
	p := s.newPage(c, "sheet.title")
	d := sheetData{Days: 14}
	if n, err := strconv.Atoi(c.Query("days")); err == nil {
		for _, allowed := range sheetDays {
			if n == allowed {
				d.Days = n
			}
		}
	}
	_, d.Area = s.filterQuery(c) // the sheet is every kind, by area
	alerts, err := s.deps.Store.PublishedAlerts(c.Request.Context(), store.AlertFilter{
		Since: p.Now.AddDate(0, 0, -d.Days), Area: d.Area, Limit: sheetMax,
	})
	if err != nil {
		s.fail(c, p, err)
		return
	}
	// An alert about two areas is listed under each: a reader looks only at their own area.
	for _, a := range s.deps.Areas {
		d.Areas = append(d.Areas, option{a.Code, p.Area(a.Code), d.Area == a.Code})
		if d.Area != "" && a.Code != d.Area {
			continue
		}
		sec := sheetArea{Code: a.Code, Name: p.Area(a.Code)}
		for _, al := range alerts {
			if contains(al.Areas, a.Code) {
				sec.Alerts = append(sec.Alerts, al)
			}
		}
		if len(sec.Alerts) > 0 {
			d.Sections = append(d.Sections, sec)
		}
	}
	d.Empty = len(d.Sections) == 0
	for _, n := range sheetDays {
		d.DayOpts = append(d.DayOpts, option{strconv.Itoa(n), p.T("sheet.days", n), n == d.Days})
	}
	p.Data = d
	s.render(c, http.StatusOK, "sheet", p)
}
