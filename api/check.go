package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// checkAPI answers whether an identifier appears in a published bad-date alert. The value
// asked about is normalised and hashed with the identifier key, and only the hash reaches the
// database; it is never stored or logged (the request log has the route only).
type checkAPI struct {
	deps *Deps
}

type checkRequest struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type checkResponse struct {
	Matches []AlertView `json:"matches"`
}

// CheckIdentifier normalises an identifier, hashes it with the identifier key and returns the
// published bad-date alerts holding that hash. Both the API and the check page use it.
func CheckIdentifier(ctx context.Context, s store.Alerts, key []byte, typ, value string) ([]report.Alert, error) {
	normalized, err := report.NormalizeIdentifier(typ, value)
	if err != nil {
		return nil, err
	}
	return s.AlertsByIdentifier(ctx, report.IdentifierHMAC(key, typ, normalized))
}

func (h *checkAPI) checkIdentifier(c *gin.Context) {
	var req checkRequest
	if err := readJSON(c, &req); err != nil {
		writeError(c, err)
		return
	}
	alerts, err := CheckIdentifier(c.Request.Context(), h.deps.Store, h.deps.IdentifierKey, req.Type, req.Value)
	if err != nil {
		writeError(c, err) // a *ValidationError is a 400 naming the field, never echoing the value
		return
	}
	out := checkResponse{Matches: []AlertView{}}
	for i := range alerts {
		out.Matches = append(out.Matches, NewAlertView(&alerts[i], h.deps.BaseURL))
	}
	// The answer says something about what the person typed: no cache may keep it.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}
