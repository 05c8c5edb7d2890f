package webapp

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
)

// lookupData is the receipt form: the code typed, and why it found nothing.
type lookupData struct {
	Code    string
	Error   string
	Message string // a confirmation, after a withdrawal
}

func (s *Site) showReceiptLookup(c *gin.Context) {
	p := s.newPage(c, "receipt.lookup.title")
	p.Data = lookupData{}
	s.render(c, http.StatusOK, "receipt-lookup", p)
}

// showReceipt looks a report up by the code posted: a POST, so the code is in no URL.
func (s *Site) showReceipt(c *gin.Context) {
	p := s.newPage(c, "receipt.title")
	if err := c.Request.ParseForm(); err != nil {
		s.badForm(c, p, err)
		return
	}
	s.renderReceipt(c, p, c.Request.PostForm.Get("code"), receiptData{})
}

// renderReceipt shows the status of the report with this code, or the lookup form again with
// an error if there is none.
func (s *Site) renderReceipt(c *gin.Context, p *page, code string, d receiptData) {
	c.Header("Cache-Control", "no-store")
	st, err := s.deps.Intake.Status(c.Request.Context(), code)
	if err != nil {
		s.receiptNotFound(c, p, code, err)
		return
	}
	// The note in the page's language: a stock reason or question is stored as a code.
	d.Code, d.Kind, d.Status, d.Submitted, d.Note = code, st.Kind, st.Status, st.Submitted, st.NoteIn(p.Lang)
	d.Followups = st.Followups
	d.CanAdd, d.Asked, d.Answered = st.CanAdd, st.Asked, st.Answered
	if st.AlertID != "" {
		d.AlertURL = p.URL("/alerts/" + st.AlertID)
	}
	status := http.StatusOK
	if d.TextError != "" {
		status = http.StatusBadRequest
	}
	p.Title = p.T("receipt.title")
	p.Data = d
	s.render(c, status, "receipt", p)
}

// receiptNotFound shows the lookup form again, keeping the code so a typo can be fixed.
func (s *Site) receiptNotFound(c *gin.Context, p *page, code string, err error) {
	if errors.Is(err, intake.ErrNotFound) {
		p.Title = p.T("form.error_title_prefix") + " " + p.T("receipt.lookup.title")
		p.Data = lookupData{Code: code, Error: p.T("receipt.error.not_found")}
		s.render(c, http.StatusNotFound, "receipt-lookup", p)
		return
	}
	s.fail(c, p, err)
}

// addInformation appends a follow-up and shows the receipt again.
func (s *Site) addInformation(c *gin.Context) {
	p := s.newPage(c, "receipt.title")
	if err := c.Request.ParseForm(); err != nil {
		s.badForm(c, p, err)
		return
	}
	code, text := c.Request.PostForm.Get("code"), c.Request.PostForm.Get("text")
	err := s.deps.Intake.AddFollowup(c.Request.Context(), code, text)
	var ve *report.ValidationError
	switch {
	case err == nil:
		s.renderReceipt(c, p, code, receiptData{Flash: p.T("receipt.added")})
	case errors.As(err, &ve):
		s.renderReceipt(c, p, code, receiptData{Text: text, TextError: ve.Messages(p.Lang)["text"]})
	case errors.Is(err, intake.ErrClosed):
		s.renderReceipt(c, p, code, receiptData{Flash: p.T("receipt.error.closed")})
	default:
		s.receiptNotFound(c, p, code, err)
	}
}

// withdrawReport asks first, then deletes: the first post shows what withdrawing does and a
// confirm button; only a post with confirm=yes deletes the report.
func (s *Site) withdrawReport(c *gin.Context) {
	p := s.newPage(c, "withdraw.title")
	if err := c.Request.ParseForm(); err != nil {
		s.badForm(c, p, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	code := c.Request.PostForm.Get("code")
	if c.Request.PostForm.Get("confirm") != "yes" {
		st, err := s.deps.Intake.Status(c.Request.Context(), code)
		if err != nil {
			s.receiptNotFound(c, p, code, err)
			return
		}
		p.Data = receiptData{Code: code, Kind: st.Kind, Status: st.Status, Submitted: st.Submitted}
		s.render(c, http.StatusOK, "receipt-withdraw", p)
		return
	}
	if err := s.deps.Intake.Withdraw(c.Request.Context(), code); err != nil {
		s.receiptNotFound(c, p, code, err)
		return
	}
	p.Title = p.T("receipt.lookup.title")
	p.Data = lookupData{Message: p.T("withdraw.done")}
	s.render(c, http.StatusOK, "receipt-lookup", p)
}
