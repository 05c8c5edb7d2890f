package api

import "github.com/gin-gonic/gin"

// checkAPI answers whether an identifier appears in a published bad-date alert.
type checkAPI struct {
	deps *Deps
}

func (h *checkAPI) checkIdentifier(c *gin.Context) { writeError(c, errNotFound) }
