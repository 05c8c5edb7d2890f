package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/web"
)

// reportsAPI takes new reports.
type reportsAPI struct{ intake *intake.Service }

type submitRequest struct {
	Kind   string          `json:"kind"`
	Fields json.RawMessage `json:"fields"`
	Altcha string          `json:"altcha,omitempty"`
	// Website is a honeypot: invisible to people, tempting to form-filling bots.
	Website string `json:"website,omitempty"`
}

// Receipt is the answer to a new report: the receipt code is in this answer only.
type Receipt struct {
	ID      string `json:"id"`
	Receipt string `json:"receipt"`
	Status  string `json:"status"`
}

var errHoneypot = &Error{http.StatusBadRequest, "spam_suspected", "This looks automated. If you are a person, leave the field marked “leave empty” blank and send again."}

func (h *reportsAPI) createReport(c *gin.Context) {
	var req submitRequest
	if err := readJSON(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if req.Website != "" {
		writeError(c, errHoneypot)
		return
	}
	if len(req.Fields) == 0 {
		writeError(c, &Error{errBadField.Status, errBadField.Code, "The request needs a fields object."})
		return
	}
	rec, err := h.intake.Submit(c.Request.Context(), web.ClientKey(c), intake.Submission{Kind: req.Kind, Fields: req.Fields, Proof: req.Altcha})
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, Receipt{ID: rec.ID, Receipt: rec.Code, Status: string(rec.Status)})
}
