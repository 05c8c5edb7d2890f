package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
)

// receiptsAPI is the reporter's side of a report, reached only with its receipt code.
type receiptsAPI struct {
	intake  *intake.Service
	baseURL string
}

type receiptView struct {
	Status    report.Status `json:"status"`
	Kind      report.Kind   `json:"kind"`
	Submitted string        `json:"submitted"` // the day only
	Note      string        `json:"note,omitempty"`
	AlertID   string        `json:"alert_id,omitempty"`
	AlertURL  string        `json:"alert_url,omitempty"`
	Followups int           `json:"followups"`
	CanAdd    bool          `json:"can_add_information"`
}

func (h *receiptsAPI) showReceipt(c *gin.Context) {
	st, err := h.intake.Status(c.Request.Context(), c.Param("receipt"))
	if err != nil {
		writeError(c, err)
		return
	}
	// The note in the reader's language: a stock reason or question is stored as a code.
	v := receiptView{
		Status:    st.Status,
		Kind:      st.Kind,
		Submitted: st.Submitted.Format(time.DateOnly),
		Note:      st.NoteIn(language(c)),
		Followups: st.Followups,
		CanAdd:    st.CanAdd,
		AlertID:   st.AlertID,
	}
	if v.AlertID != "" {
		v.AlertURL = h.baseURL + "/alerts/" + v.AlertID
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Vary", "Accept-Language")
	c.JSON(http.StatusOK, v)
}

type followupRequest struct {
	Text string `json:"text"`
}

func (h *receiptsAPI) addFollowup(c *gin.Context) {
	var req followupRequest
	if err := readJSON(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if err := h.intake.AddFollowup(c.Request.Context(), c.Param("receipt"), req.Text); err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"status": "added"})
}

func (h *receiptsAPI) withdrawReport(c *gin.Context) {
	if err := h.intake.Withdraw(c.Request.Context(), c.Param("receipt")); err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "withdrawn"})
}
