package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/push"
	"github.com/headsup/headsup/report"
)

// subscriptionsAPI lets a browser subscribe to pushes, change what it gets, or stop. There are
// no accounts: the id and token returned at subscription are the only key to it.
type subscriptionsAPI struct {
	deps *Deps
}

type subscriptionCreated struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

func (h *subscriptionsAPI) createSubscription(c *gin.Context) {
	if h.deps.Push == nil {
		writeError(c, errNotFound) // a server built without push (some tests)
		return
	}
	var in push.SubscriptionInput
	if err := readJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	id, token, err := h.deps.Push.Subscribe(c.Request.Context(), in)
	if err != nil {
		writePushError(c, err)
		return
	}
	// The token is in this answer only; no cache may keep it.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, subscriptionCreated{ID: id, Token: token})
}

func (h *subscriptionsAPI) updateSubscription(c *gin.Context) {
	id, token, ok := h.credentials(c)
	if !ok {
		return
	}
	var in push.SubscriptionInput
	if err := readJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	if err := h.deps.Push.UpdateSubscription(c.Request.Context(), id, token, in); err != nil {
		writePushError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "status": "updated"})
}

func (h *subscriptionsAPI) deleteSubscription(c *gin.Context) {
	id, token, ok := h.credentials(c)
	if !ok {
		return
	}
	if err := h.deps.Push.Unsubscribe(c.Request.Context(), id, token); err != nil {
		writePushError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "status": "unsubscribed"})
}

// credentials reads the subscription id from the path and the token from
// "Authorization: Bearer …", answering 404 or 401 itself when either is unusable.
func (h *subscriptionsAPI) credentials(c *gin.Context) (id, token string, ok bool) {
	id = c.Param("id")
	if h.deps.Push == nil || !report.ValidID(id) {
		writeError(c, errNotFound)
		return "", "", false
	}
	scheme, token, found := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 200 {
		writePushError(c, push.ErrUnauthorized)
		return "", "", false
	}
	return id, token, true
}
