package webapp

import (
	"fmt"
	"strings"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/resources"
)

// noResources is what a site built without Deps.Resources shows: the default that names no
// number at all, since the site cannot know which country it serves.
var noResources = resources.Default("")

// Help is help nearby in the page's language, for the "help" partial.
func (p *page) Help() resources.View {
	if r := p.site.deps.Resources; r != nil {
		return r.In(p.Lang)
	}
	return noResources.In(p.Lang)
}

// HelpCategory labels a resource category in the page's language.
func (p *page) HelpCategory(code string) string { return p.T("help.category." + code) }

// alertText is what a page shows of an alert's moderator-written text in its language.
type alertText struct {
	Title    string
	Body     string
	BodyLang string // set only when the body is in another language than the page
	Note     string // "Written in English", when it is
}

// Text picks the alert's title and body for the page's language and says so when the body
// is in another one. Alerts without translations (made before there were any) come out as
// they always did: their title and body, no note.
func (p *page) Text(a report.Alert) alertText {
	title, body, lang := a.TextIn(p.Lang)
	t := alertText{Title: title, Body: body}
	if lang != "" && lang != p.Lang {
		t.BodyLang, t.Note = lang, p.T("alert.written_in."+lang)
	}
	return t
}

// Details is the alert's structured description in the page's language.
func (p *page) Details(a report.Alert) []report.DetailLine {
	return report.DescribeDetails(p.Lang, a.Kind, a.Details)
}

// ShortDate is a day without the year ("November 27"), for the sheet, which covers weeks.
func (p *page) ShortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	month := p.T(fmt.Sprintf("date.month.%d", t.Month()))
	return p.T("date.format_short", month, t.Day())
}

// TimeBandShort is a time band's name without its hours ("Night"), for the sheet.
func (p *page) TimeBandShort(code string) string {
	name, _, _ := strings.Cut(p.TimeBand(code), " (")
	return name
}
