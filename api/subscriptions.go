package api

import "github.com/gin-gonic/gin"

// subscriptionsAPI lets a browser subscribe to pushes, change what it gets, or stop.
type subscriptionsAPI struct {
	deps *Deps
}

func (h *subscriptionsAPI) createSubscription(c *gin.Context) { writeError(c, errNotFound) }
func (h *subscriptionsAPI) updateSubscription(c *gin.Context) { writeError(c, errNotFound) }
func (h *subscriptionsAPI) deleteSubscription(c *gin.Context) { writeError(c, errNotFound) }
