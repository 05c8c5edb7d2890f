package api

import (
	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/push"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/web"
)

// Deps is what the API needs from the wiring function.
type Deps struct {
	Store          store.Store
	Intake         *intake.Service
	Push           *push.Service
	BaseURL        string
	VAPIDPublicKey string
	// Reads limits every API request per client; report submission has its own limits in Intake.
	Reads *ratelimit.Limiter
}

// Register adds every /api/v1 route to e. All are public: reporters and subscribers have no
// accounts; a subscription is changed with the bearer token it was created with.
func Register(e *gin.Engine, d Deps) {
	meta := newMetaAPI(d.Intake.Areas, d.VAPIDPublicKey, d.Intake.Proofs.MaxNumber())
	challenges := &challengeAPI{issuer: d.Intake.Proofs}
	reports := &reportsAPI{intake: d.Intake}
	receipts := &receiptsAPI{intake: d.Intake, baseURL: d.BaseURL}
	alerts := &alertsAPI{store: d.Store, areas: d.Intake.Areas, baseURL: d.BaseURL}
	check := &checkAPI{intake: d.Intake, baseURL: d.BaseURL}
	subscriptions := &subscriptionsAPI{deps: &d}

	v1 := e.Group("/api/v1", limitRequests(d.Reads))
	v1.GET("/meta", meta.showMeta)
	v1.GET("/challenge", challenges.newChallenge)
	v1.POST("/reports", reports.createReport)
	v1.GET("/receipts/:receipt", receipts.showReceipt)
	v1.POST("/receipts/:receipt/followups", receipts.addFollowup)
	v1.DELETE("/receipts/:receipt", receipts.withdrawReport)
	v1.GET("/alerts", alerts.listAlerts)
	v1.GET("/alerts/:id", alerts.showAlert)
	v1.POST("/check", check.checkIdentifier)
	v1.POST("/subscriptions", subscriptions.createSubscription)
	v1.PUT("/subscriptions/:id", subscriptions.updateSubscription)
	v1.DELETE("/subscriptions/:id", subscriptions.deleteSubscription)
}

// limitRequests refuses a client that sends more than the limiter allows, with Retry-After.
func limitRequests(l *ratelimit.Limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if l != nil {
			if ok, retry := l.Allow(web.ClientKey(c)); !ok {
				writeError(c, &intake.RateLimitedError{Retry: retry})
				return
			}
		}
		c.Next()
	}
}
