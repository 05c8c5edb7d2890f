package moderation

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

// queuePageSize is how many reports one queue page lists.
const queuePageSize = 25

type queueItem struct {
	ID           string
	Kind         report.Kind
	Submitted    time.Time
	Area         string
	Verified     bool
	Followups    int
	ClaimedBy    string
	ClaimedUntil time.Time
	Mine         bool
}

type queueData struct {
	Items    []queueItem
	Counts   []kindCount
	Total    int64
	Page     int
	Prev     int
	Next     int
	Pages    int
	Reviewer string
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

// showQueue lists pending reports, oldest first, with who holds each.
func (s *server) showQueue(c *gin.Context) {
	ctx := c.Request.Context()
	counts, err := s.store.PendingCounts(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := queueData{Page: pageNumber(c), Reviewer: me(c).Name}
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
	now := s.now()
	for _, r := range reports {
		it := queueItem{ID: r.ID, Kind: r.Kind, Submitted: r.SubmittedDay, Verified: r.Verified, Followups: len(r.Followups),
			Area: report.AreaName(s.areas, "en", r.Common().Area)}
		if r.ClaimedBy != "" && r.ClaimedUntil.After(now) {
			it.ClaimedBy, it.ClaimedUntil, it.Mine = r.ClaimedBy, r.ClaimedUntil, r.ClaimedBy == d.Reviewer
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
