package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
)

// checkAPI answers whether an identifier appears in a published bad-date alert. The value
// asked about is never stored or logged (the request log has the route only).
type checkAPI struct {
	intake  *intake.Service
	baseURL string
}

type checkRequest struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type checkResponse struct {
	Matches []AlertView `json:"matches"`
}

func (h *checkAPI) checkIdentifier(c *gin.Context) {
	var req checkRequest
	if err := readJSON(c, &req); err != nil {
		writeError(c, err)
		return
	}
	alerts, err := h.intake.Check(c.Request.Context(), req.Type, req.Value)
	if err != nil {
		writeError(c, err) // a *ValidationError is a 400 naming the field, never echoing the value
		return
	}
	// Details are labelled in the asker's language, as GET /alerts does.
	lang := language(c)
	out := checkResponse{Matches: []AlertView{}}
	for i := range alerts {
		out.Matches = append(out.Matches, NewAlertView(&alerts[i], h.baseURL, lang))
	}
	// The answer says something about what the person typed: no cache may keep it.
	c.Header("Cache-Control", "no-store")
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, out)
}
