package moderation

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

// statsWeeks is how many weeks the statistics page covers.
const statsWeeks = 12

// weekStart is the Monday of t's week, UTC.
func weekStart(t time.Time) time.Time {
	d := report.Day(t)
	offset := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -offset)
}

// chart is a grouped bar chart laid out on the server: the template only draws the shapes,
// so the page needs no script and the numbers are also given as a table.
type chart struct {
	Title  string
	Width  int
	Height int
	Bars   []bar
	Labels []axisLabel
	Ticks  []axisLabel
	Legend []legendItem
	Max    int
}

type bar struct {
	X, Y, W, H int
	Class      string
	Tip        string
}

type axisLabel struct {
	X, Y int
	Text string
}

type legendItem struct {
	X, Y  int
	Class string
	Text  string
}

// barChart lays out groups of series (one bar per series in each group).
func barChart(title string, groups []string, series []string, classes []string, value func(g, s int) int) chart {
	const (
		left, top, bottom = 40, 30, 40
		groupW, barGap    = 56, 4
		plotH             = 200
	)
	ch := chart{Title: title, Width: left + len(groups)*groupW + 20, Height: top + plotH + bottom}
	for g := range groups {
		for s := range series {
			ch.Max = max(ch.Max, value(g, s))
		}
	}
	scale := max(ch.Max, 1)
	barW := (groupW - 2*barGap) / max(len(series), 1)
	for g, name := range groups {
		gx := left + g*groupW + barGap
		for s := range series {
			v := value(g, s)
			h := v * plotH / scale
			ch.Bars = append(ch.Bars, bar{X: gx + s*barW, Y: top + plotH - h, W: barW - 1, H: h, Class: classes[s],
				Tip: name + ": " + strconv.Itoa(v) + " " + series[s]})
		}
		ch.Labels = append(ch.Labels, axisLabel{X: gx + (groupW-2*barGap)/2, Y: top + plotH + 16, Text: name})
	}
	last := -1
	for _, frac := range []int{0, 2, 4} {
		v := scale * frac / 4
		if v == last { // small counts: no two ticks with the same number
			continue
		}
		last = v
		ch.Ticks = append(ch.Ticks, axisLabel{X: left - 6, Y: top + plotH - v*plotH/scale + 4, Text: strconv.Itoa(v)})
	}
	for s, name := range series {
		ch.Legend = append(ch.Legend, legendItem{X: left + s*160, Y: 12, Class: classes[s], Text: name})
	}
	return ch
}

type statsRow struct {
	Label  string
	Counts []int
	Total  int
}

type statsData struct {
	From        time.Time
	ReportChart chart
	ReportRows  []statsRow
	Kinds       []string
	AreaChart   chart
	AreaRows    []statsRow
}

// showStats shows weekly reports by kind and alerts by area for the last weeks.
func (s *server) showStats(c *gin.Context) {
	ctx, lang := c.Request.Context(), pageLanguage(c)
	from := weekStart(s.now()).AddDate(0, 0, -7*(statsWeeks-1))
	reports, err := s.store.ReportCountsByDay(ctx, from)
	if err != nil {
		s.fail(c, err)
		return
	}
	alerts, err := s.store.AlertCountsByDay(ctx, from)
	if err != nil {
		s.fail(c, err)
		return
	}
	weeks := make([]string, statsWeeks)
	for i := range weeks {
		day := from.AddDate(0, 0, 7*i)
		weeks[i] = catalog.Text(lang, "stats.week_label", day.Day(), catalog.Text(lang, "stats.month."+strconv.Itoa(int(day.Month()))))
	}
	weekIndex := func(t time.Time) int {
		i := int(weekStart(t).Sub(from).Hours() / (24 * 7))
		if i < 0 || i >= statsWeeks {
			return -1
		}
		return i
	}
	d := statsData{From: from}
	kindCounts := make([][]int, len(report.Kinds))
	var classes []string
	for k, kind := range report.Kinds {
		kindCounts[k] = make([]int, statsWeeks)
		d.Kinds = append(d.Kinds, report.KindLabel(lang, kind))
		classes = append(classes, "bar-"+string(kind))
	}
	for _, r := range reports {
		if w, k := weekIndex(r.Day), slices.Index(report.Kinds, r.Kind); w >= 0 && k >= 0 {
			kindCounts[k][w] += r.Count
		}
	}
	weekValue := func(w, k int) int { return kindCounts[k][w] }
	d.ReportChart = barChart(catalog.Text(lang, "stats.reports_chart"), weeks, d.Kinds, classes, weekValue)
	d.ReportRows = statsRows(weeks, weekValue)

	// Alerts by area over the whole period, per kind.
	perArea := map[string][]int{}
	for _, a := range alerts {
		if perArea[a.Area] == nil {
			perArea[a.Area] = make([]int, len(report.Kinds))
		}
		if k := slices.Index(report.Kinds, a.Kind); k >= 0 {
			perArea[a.Area][k] += a.Count
		}
	}
	// Configured areas first, in their configured order; then areas no longer configured,
	// which still count, by code. Codes and names are built together so a label stays with
	// its row.
	var areaCodes, areaNames []string
	for _, a := range s.areas {
		areaCodes = append(areaCodes, a.Code)
		areaNames = append(areaNames, report.AreaName(s.areas, lang, a.Code))
	}
	var retired []string
	for code := range perArea {
		if !report.KnownArea(s.areas, code) {
			retired = append(retired, code)
		}
	}
	sort.Strings(retired)
	areaCodes = append(areaCodes, retired...)
	areaNames = append(areaNames, retired...)
	value := func(g, k int) int {
		if counts := perArea[areaCodes[g]]; counts != nil {
			return counts[k]
		}
		return 0
	}
	d.AreaChart = barChart(catalog.Text(lang, "stats.areas_chart"), areaNames, d.Kinds, classes, value)
	d.AreaRows = statsRows(areaNames, value)
	s.render(c, http.StatusOK, "stats", "stats.title", d)
}

// statsRows is the table beside a chart: for each group, the count of each kind and the total.
func statsRows(groups []string, value func(group, kind int) int) []statsRow {
	rows := make([]statsRow, 0, len(groups))
	for g, label := range groups {
		row := statsRow{Label: label}
		for k := range report.Kinds {
			row.Counts = append(row.Counts, value(g, k))
			row.Total += value(g, k)
		}
		rows = append(rows, row)
	}
	return rows
}
