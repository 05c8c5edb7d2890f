package moderation

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

// queuePageSize is how many reports one queue page lists.
const queuePageSize = 25

// snippetLength is how much of a report's own words the queue shows, in characters: enough to
// tell reports apart, short enough that a glance over a shoulder learns little.
const snippetLength = 80

// queueItem is one row of the queue: what a moderator needs to choose what to open next.
type queueItem struct {
	ID        string
	Kind      report.Kind
	Submitted time.Time // the day only
	Incident  time.Time
	// What is the harms (bad date) or effects and what it was sold as (bad batch), labelled.
	What         []string
	Areas        []string
	Snippet      string
	Verified     bool
	Answered     bool
	Linked       bool
	StaffEntered bool
	Followups    int
	ClaimedBy    string
	ClaimedUntil time.Time
	Mine         bool
}

type queueData struct {
	Items  []queueItem
	Counts []kindCount
	Total  int64
	Page   int
	Prev   int
	Next   int
	Pages  int
}

type kindCount struct {
	Kind  report.Kind
	Count int64
}

// pageNumber reads ?page=, from 1.
func pageNumber(c *gin.Context) int {
	n, err := strconv.Atoi(c.DefaultQuery("page", "1"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// showQueue lists pending reports, oldest day first, with who holds each and what tells them
// apart. Within a day the order is random by design: submission times are kept only to the
// day, so that a report cannot be matched to who was online when.
func (s *server) showQueue(c *gin.Context) {
	ctx := c.Request.Context()
	counts, err := s.store.PendingCounts(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, name := queueData{Page: pageNumber(c)}, me(c).Name
	for _, k := range report.Kinds {
		d.Counts = append(d.Counts, kindCount{k, counts[k]})
		d.Total += counts[k]
	}
	d.Pages = int((d.Total + queuePageSize - 1) / queuePageSize)
	reports, err := s.store.PendingReports(ctx, (d.Page-1)*queuePageSize, queuePageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	lang, now := pageLanguage(c), s.now()
	for i := range reports {
		r := &reports[i]
		it := s.queueItem(lang, r)
		if it.Linked, err = s.linkedFlag(ctx, r); err != nil {
			s.fail(c, err)
			return
		}
		if r.ClaimedBy != "" && r.ClaimedUntil.After(now) {
			it.ClaimedBy, it.ClaimedUntil, it.Mine = r.ClaimedBy, r.ClaimedUntil, r.ClaimedBy == name
		}
		d.Items = append(d.Items, it)
	}
	if d.Page > 1 {
		d.Prev = d.Page - 1
	}
	if d.Page < d.Pages {
		d.Next = d.Page + 1
	}
	s.render(c, http.StatusOK, "queue", "queue.title", d)
}

// queueItem describes r for the queue in lang, with labels, never codes.
func (s *server) queueItem(lang string, r *report.Report) queueItem {
	c := r.Common()
	it := queueItem{
		ID: r.ID, Kind: r.Kind, Submitted: r.SubmittedDay, Incident: c.IncidentDay(), Verified: r.Verified,
		Answered: r.Answered, StaffEntered: r.StaffEntered, Followups: len(r.Followups), Snippet: snippet(c.Details),
	}
	if c.Area != "" {
		it.Areas = []string{report.AreaName(s.areas, lang, c.Area)}
	}
	switch {
	case r.BadDate != nil:
		for _, h := range r.BadDate.Harms {
			it.What = append(it.What, report.OptionLabel(lang, "harms", h))
		}
	case r.DrugAlert != nil:
		if r.DrugAlert.SoldAs != "" {
			it.What = append(it.What, report.FieldLabel(lang, "sold_as")+": "+report.OptionLabel(lang, "sold_as", r.DrugAlert.SoldAs))
		}
		for _, e := range r.DrugAlert.Effects {
			it.What = append(it.What, report.OptionLabel(lang, "effects", e))
		}
	}
	return it
}

// snippet is the start of a reporter's account with the passages that may identify someone
// replaced, on one line. The whole text is masked before it is cut, so a phone number cut in
// half cannot slip past the hints.
func snippet(details string) string {
	text := strings.Join(strings.Fields(report.RedactHints(details)), " ")
	if utf8.RuneCountInString(text) <= snippetLength {
		return text
	}
	cut := []rune(text)[:snippetLength]
	// End at a word boundary when there is one near, so a masked "[phone removed]" is
	// never shown half.
	if i := strings.LastIndexByte(string(cut), ' '); i > snippetLength/2 {
		return string(cut)[:i] + "…"
	}
	return string(cut) + "…"
}
