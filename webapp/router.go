package webapp

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/web"
)

// Register adds every public page to e. None needs an account: reporters are reached only
// through their receipt code, which travels in POST bodies and never in a URL, so it stays out
// of browser history, server logs and Referer headers.
func (s *Site) Register(e *gin.Engine) {
	// Reading.
	e.GET("/", s.showHome)
	e.GET("/alerts", s.listAlerts)
	e.GET("/alerts.atom", s.showFeed)
	e.GET("/alerts/:id", s.showAlert)
	e.GET("/sheet", s.showSheet)
	e.GET("/about", s.showAbout)

	// Reporting, and following a report with its receipt.
	e.GET("/report/bad-date", s.showReportForm(report.BadDate))
	e.POST("/report/bad-date", s.submitReport(report.BadDate))
	e.GET("/report/bad-batch", s.showReportForm(report.DrugAlert))
	e.POST("/report/bad-batch", s.submitReport(report.DrugAlert))
	e.GET("/receipt", s.showReceiptLookup)
	e.POST("/receipt", s.limitPosts, s.showReceipt)
	e.POST("/receipt/add", s.limitPosts, s.addInformation)
	e.POST("/receipt/withdraw", s.limitPosts, s.withdrawReport)

	// Checking an identifier, and subscribing to pushes.
	e.GET("/check", s.showCheck)
	e.POST("/check", s.limitPosts, s.checkIdentifier)
	e.GET("/subscribe", s.showSubscribe)

	// The app shell: service worker, manifest and checksummed static files.
	e.GET("/sw.js", s.serveServiceWorker)
	e.GET("/manifest.webmanifest", s.serveManifest)
	e.GET("/static/:name", s.serveStatic)
	e.HEAD("/static/:name", s.serveStatic)
}

// limitPosts applies the per-client limit to form posts that look something up, so the check
// page cannot be used to walk every phone number faster than the API allows. It keys clients
// as the API does, with IPv6 grouped by /64: keyed on the full address, one /64 could rotate
// addresses and never be limited.
func (s *Site) limitPosts(c *gin.Context) {
	if l := s.deps.Posts; l != nil {
		if ok, retry := l.Allow(web.ClientKey(c)); !ok {
			s.tooManyRequests(c, s.newPage(c, ""), retry)
			c.Abort()
			return
		}
	}
	c.Next()
}

// tooManyRequests answers 429 with Retry-After and a page that says how long to wait.
func (s *Site) tooManyRequests(c *gin.Context, p *page, retry time.Duration) {
	mins := int(retry.Minutes() + 0.999)
	if mins < 1 {
		mins = 1
	}
	c.Header("Retry-After", itoa(mins*60))
	p.Title = p.T("error.rate_limited.title")
	p.Data = errorData{Key: "error.rate_limited", Wait: waitWords(p, retry)}
	s.render(c, http.StatusTooManyRequests, "error", p)
}
