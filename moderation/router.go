package moderation

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Register adds every moderation route to e, grouped by who may call it. Reading this file
// tells the whole of what outreach staff, moderators and admins can do; the authorization test walks the
// engine's route table and fails on any /moderation route it has no rule for.
//
// Every state change is a POST: the global cross-origin check refuses other sites' posts, the
// session cookie is SameSite=Strict, and no GET changes anything (opening a report is a POST
// that claims it, then a redirect to the page).
func Register(e *gin.Engine, d Deps) {
	s := newServer(d)

	// Anyone: the sign-in form and the stylesheet and script it loads.
	anonymous := e.Group("/moderation")
	anonymous.GET("/login", s.showLogin)
	anonymous.POST("/login", s.signIn)
	anonymous.GET("/static/:name", serveStatic)

	// A session between the password and the second factor, or a full one.
	signingIn := e.Group("/moderation", s.requireSession)
	signingIn.POST("/logout", s.signOut)
	// The sign-in steps after the password, each only when it is the session's next one.
	step := signingIn.Group("/login", s.requireStep)
	step.GET("/password", s.showPasswordChange)
	step.POST("/password", s.changePassword)
	step.GET("/enroll", s.showEnrol)
	step.POST("/enroll", s.enrol)
	step.GET("/totp", s.showTOTP)
	step.POST("/totp", s.verifyTOTP)

	// Every signed-in role, outreach staff included: the home redirect and filing a report on
	// someone's behalf (no proof of work, no per-address limit, marked as entered by staff).
	staff := e.Group("/moderation", s.requireStaff)
	staff.GET("", s.showHome)
	staff.GET("/", s.showHome)
	staff.GET("/outreach", s.showOutreach)
	staff.POST("/outreach", s.fileOutreachReport)

	// Moderators (and admins), never outreach staff: the queue, reports and alerts.
	moderator := e.Group("/moderation", s.requireModerator)
	moderator.GET("/queue", s.showQueue)
	moderator.GET("/reports/:id", s.showReport)
	moderator.POST("/reports/:id/claim", s.claimReport)
	moderator.POST("/reports/:id/release", s.releaseReport)
	moderator.POST("/reports/:id/approve", s.approveReport)
	moderator.POST("/reports/:id/reject", s.rejectReport)
	moderator.POST("/reports/:id/ask", s.requestInformation)
	moderator.POST("/reports/:id/merge", s.mergeReport)
	moderator.GET("/alerts", s.listAlerts)
	moderator.GET("/alerts/:id", s.showAlert)
	moderator.GET("/alerts/:id/progress", s.alertProgress)
	moderator.POST("/alerts/:id/edit", s.editAlert)
	moderator.GET("/alerts/:id/retract", s.confirmRetract)
	moderator.POST("/alerts/:id/retract", s.retractAlert)
	moderator.POST("/alerts/:id/extend", s.extendAlert)

	// Admins only.
	admin := e.Group("/moderation/admin", s.requireModerator, s.requireAdmin)
	admin.GET("/accounts", s.showAccounts)
	admin.POST("/accounts", s.addAccount)
	admin.POST("/accounts/:id/disable", s.setDisabled(true))
	admin.POST("/accounts/:id/enable", s.setDisabled(false))
	admin.POST("/accounts/:id/reset", s.resetAccount)
	admin.GET("/audit", s.showAuditLog)
	admin.GET("/stats", s.showStats)
}

// showHome sends /moderation to the queue, or outreach staff to their page.
func (s *server) showHome(c *gin.Context) { c.Redirect(http.StatusSeeOther, homeOf(me(c))) }
