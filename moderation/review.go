package moderation

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// ClaimLease is how long opening a report keeps it for one moderator; working on it renews it.
const ClaimLease = 5 * time.Minute

// segment is a piece of raw text, marked when it may identify someone.
type segment struct {
	Text string
	Hint string // phone, email, url, address, name, or empty
}

// rawField is one field of a report as the reporter sent it. Values are shown as text: the
// templates escape them, whatever they contain.
type rawField struct {
	Label  string
	Values [][]segment
}

type reportData struct {
	Report      *report.Report
	Held        bool
	HeldBy      string
	HeldUntil   time.Time
	Fields      []rawField
	Followups   []followupView
	HintCount   int
	Identifiers []identifierChoice
	Form        approveForm
	Severities  []report.Severity
	Reasons     []stockChoice
	Questions   []stockChoice
	// Links are the alerts and reports sharing an identifier with this one; Merge the
	// alerts offered for a merge, the linked ones first.
	Links      links
	Merge      []mergeCandidate
	Errors     map[string]string
	Action     string // which form the errors belong to
	RejectCode string
	RejectNote string
	AskCode    string
	AskNote    string
	// Question is the question a report waiting for its reporter was asked, in the page's
	// language.
	Question  string
	MinExpiry string
	MaxExpiry string
}

type followupView struct {
	Day  time.Time
	Text []segment
}

// maxNote bounds what a moderator adds to a rejection's note or a question.
const maxNote = 1000

// segments splits text at the PII hints so the page can mark them.
func segments(text string) ([]segment, int) {
	hints := report.Hints(text)
	var out []segment
	pos := 0
	for _, h := range hints {
		if h.Start > pos {
			out = append(out, segment{Text: text[pos:h.Start]})
		}
		out = append(out, segment{Text: text[h.Start:h.End], Hint: h.Kind})
		pos = h.End
	}
	if pos < len(text) {
		out = append(out, segment{Text: text[pos:]})
	}
	return out, len(hints)
}

// rawFields lists every field of the report in form order with labels in lang, never codes.
func (s *server) rawFields(lang string, r *report.Report) ([]rawField, int) {
	values := report.FieldValues(r)
	hints := 0
	var out []rawField
	for _, f := range report.Schema(r.Kind) {
		rf := rawField{Label: report.FieldLabel(lang, f.Name)}
		for _, it := range values[f.Name] {
			switch f.Type {
			case report.TypeEnum, report.TypeMulti:
				rf.Values = append(rf.Values, []segment{{Text: report.OptionLabel(lang, f.Name, it)}})
			case report.TypeArea:
				rf.Values = append(rf.Values, []segment{{Text: report.AreaName(s.areas, lang, it)}})
			case report.TypeDate:
				rf.Values = append(rf.Values, []segment{{Text: it}})
			default:
				seg, n := segments(it)
				hints += n
				rf.Values = append(rf.Values, seg)
			}
		}
		if len(rf.Values) > 0 {
			out = append(out, rf)
		}
	}
	return out, hints
}

// pageLanguage is the language render shows the page in.
func pageLanguage(c *gin.Context) string { return report.MatchLanguage(c.GetHeader("Accept-Language")) }

// loadReport returns the report of the URL, or answers 404.
func (s *server) loadReport(c *gin.Context) (*report.Report, bool) {
	return loadByID(s, c, s.store.Report)
}

// showReport shows a report; it changes nothing, the claim is taken by the queue's POST.
func (s *server) showReport(c *gin.Context) {
	r, ok := s.loadReport(c)
	if !ok {
		return
	}
	s.reportPage(c, http.StatusOK, r, func(d *reportData) {
		// Only on first sight: after a refused form the moderator's own choices stand. What
		// the reporter entered as the aggressor's is checkable by default; what was found in
		// their free text is offered, unticked.
		for i := range d.Identifiers {
			d.Identifiers[i].Check = d.Identifiers[i].Normalized != "" && !d.Identifiers[i].InText
		}
	})
}

// reportPage renders a report's page with the approval form pre-filled; adjust sets what this
// response shows differently, such as a refused form's values and errors.
func (s *server) reportPage(c *gin.Context, status int, r *report.Report, adjust func(*reportData)) {
	d, err := s.reportData(c, r)
	if err != nil {
		s.fail(c, err)
		return
	}
	adjust(d)
	s.render(c, status, "report", "report.title", d)
}

func (s *server) reportData(c *gin.Context, r *report.Report) (*reportData, error) {
	now := s.now()
	lang := pageLanguage(c)
	d := &reportData{Report: r, Form: s.defaultForm(lang, r), Severities: report.Severities, Errors: map[string]string{},
		Reasons: rejectReasons.choices(lang), Questions: questions(r.Kind).choices(lang)}
	d.MinExpiry, d.MaxExpiry = s.expiryBounds(now)
	if r.ClaimedBy != "" && r.ClaimedUntil.After(now) {
		d.HeldBy, d.HeldUntil = r.ClaimedBy, r.ClaimedUntil
		d.Held = r.ClaimedBy == me(c).Name
	}
	var n int
	d.Fields, n = s.rawFields(lang, r)
	d.HintCount += n
	for _, f := range r.Followups {
		seg, n := segments(f.Text)
		d.HintCount += n
		d.Followups = append(d.Followups, followupView{Day: f.Day, Text: seg})
	}
	d.Identifiers = s.identifiers(lang, r)
	if err := s.linkData(c.Request.Context(), lang, r, d); err != nil {
		return nil, err
	}
	return d, nil
}

// claimReport takes (or renews) the lease on a report and opens it.
func (s *server) claimReport(c *gin.Context) {
	r, ok := s.loadReport(c)
	if !ok {
		return
	}
	if r.Status == report.StatusPending {
		_, held, err := s.store.ClaimReport(c.Request.Context(), r.ID, me(c).Name, ClaimLease)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(c, err)
			return
		}
		if held {
			s.audit(c.Request.Context(), me(c).Name, ActionClaim, r.ID, "")
		}
	}
	c.Redirect(http.StatusSeeOther, "/moderation/reports/"+r.ID)
}

// releaseReport gives the lease back.
func (s *server) releaseReport(c *gin.Context) {
	r, ok := s.loadReport(c)
	if !ok {
		return
	}
	if err := s.store.ReleaseClaim(c.Request.Context(), r.ID, me(c).Name); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/moderation/queue?done=released")
}

// holdForDecision makes sure the moderator holds the report before acting on it, renewing
// the lease; if someone else holds it or it is decided, it says so and returns false.
func (s *server) holdForDecision(c *gin.Context) (*report.Report, bool) {
	r, ok := s.loadReport(c)
	if !ok {
		return nil, false
	}
	if r.Status != report.StatusPending {
		s.showMessage(c, http.StatusConflict, "message.decided.heading", "message.no_longer_pending.text", "link.queue", "/moderation/queue",
			report.StatusLabel(pageLanguage(c), r.Status))
		return nil, false
	}
	cur, held, err := s.store.ClaimReport(c.Request.Context(), r.ID, me(c).Name, ClaimLease)
	if s.failedLookup(c, err) {
		return nil, false
	}
	if !held {
		if cur.Status != report.StatusPending {
			s.showMessage(c, http.StatusConflict, "message.decided.heading", "message.decided.text", "link.queue", "/moderation/queue")
			return nil, false
		}
		s.showMessage(c, http.StatusConflict, "message.held.heading", "message.held.text", "link.queue", "/moderation/queue", cur.ClaimedBy)
		return nil, false
	}
	return cur, true
}

// maxExpiry bounds how far ahead an alert may expire.
const maxExpiry = 365 * 24 * time.Hour

// expiryBounds are the dates an expiry field offers, matching what parseExpiry accepts.
func (s *server) expiryBounds(now time.Time) (earliest, latest string) {
	return localDay(now.Add(24*time.Hour), s.loc), localDay(now.Add(maxExpiry), s.loc)
}

// parseExpiry reads a date field as the end of that day in the organisation's time zone:
// midnight there, whatever the offset that day (AddDate keeps daylight saving right). A
// refusal comes back as a problem, for the page to show in its language.
func (s *server) parseExpiry(v string) (time.Time, problem) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v), s.loc)
	if err != nil {
		return time.Time{}, "error.expiry_date"
	}
	end := d.AddDate(0, 0, 1)
	now := s.now()
	switch {
	case !end.After(now):
		return time.Time{}, "error.expiry_past"
	case end.Sub(now) > maxExpiry+24*time.Hour:
		return time.Time{}, "error.expiry_far"
	}
	return end, ""
}

// approveReport publishes the moderator's alert, queues its push and records the decision in
// one use-case call: all of it or, when the report was decided or withdrawn meanwhile, none.
func (s *server) approveReport(c *gin.Context) {
	r, ok := s.holdForDecision(c)
	if !ok {
		return
	}
	lang := pageLanguage(c)
	form, ch, errs := s.parseAlertForm(c, lang, r.Kind, report.OfferedDetails(r))
	choices := s.identifiers(lang, r)
	checked := indexSet(c.PostFormArray("check"))
	public := indexSet(c.PostFormArray("public"))
	var ids []publishing.Identifier
	for i := range choices {
		ic := &choices[i]
		ic.Check, ic.Public = checked[ic.Index], public[ic.Index]
		if ic.Normalized == "" {
			if ic.Check || ic.Public {
				errs["identifiers"] = catalog.Text(lang, "error.identifiers")
			}
			continue
		}
		ids = append(ids, publishing.Identifier{Type: ic.Type, Value: ic.Normalized, Checkable: ic.Check, Public: ic.Public})
	}
	if len(errs) > 0 {
		s.reportPage(c, http.StatusBadRequest, r, func(d *reportData) {
			d.Form, d.Identifiers, d.Errors, d.Action = form, choices, errs, "approve"
		})
		return
	}
	a, err := s.publishing.Approve(c.Request.Context(), me(c).Name, r, ch, ids)
	// On a conflict the reporter withdrew it, or the lease was lost, after the form was checked.
	s.showPublished(c, a, err, "approved", "message.approve_lost.heading", "message.approve_lost.text")
}

// showPublished answers a decision that published to alert a: its page, or, when the report
// or the alert changed after the form was checked and the store changed nothing, a message
// saying so (catalog keys lostHeading, lostText).
func (s *server) showPublished(c *gin.Context, a *report.Alert, err error, done, lostHeading, lostText string) {
	if errors.Is(err, publishing.ErrConflict) || errors.Is(err, publishing.ErrNotFound) {
		s.showMessage(c, http.StatusConflict, lostHeading, lostText, "link.queue", "/moderation/queue")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/moderation/alerts/"+a.ID+"?done="+done)
}

// showDecided answers a decision that sends the report back to its reporter (a question or a
// rejection): the queue saying done, or, when someone decided it meanwhile, a message saying so.
func (s *server) showDecided(c *gin.Context, err error, done string) {
	if errors.Is(err, publishing.ErrConflict) {
		s.showMessage(c, http.StatusConflict, "message.decided.heading", "message.decided.text", "link.queue", "/moderation/queue")
		return
	}
	if s.failedAction(c, err) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/moderation/queue?done="+done)
}

func indexSet(values []string) map[int]bool {
	out := map[int]bool{}
	for _, v := range values {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < 100 {
			out[n] = true
		}
	}
	return out
}

// rejectReport closes a report with a note the reporter reads on the receipt.
func (s *server) rejectReport(c *gin.Context) {
	r, ok := s.holdForDecision(c)
	if !ok {
		return
	}
	// The note is stored as the reason's code and the moderator's words, so the reporter
	// reads the reason in their own language (report.NoteText).
	code, extra, note, errs := readNote(c, "reason", rejectReasons)
	if len(errs) > 0 {
		s.reportPage(c, http.StatusBadRequest, r, func(d *reportData) {
			d.Errors, d.Action, d.RejectCode, d.RejectNote = noteErrors(pageLanguage(c), "reason", errs), "reject", code, extra
		})
		return
	}
	err := s.publishing.Reject(c.Request.Context(), me(c).Name, r.ID, code, note)
	s.showDecided(c, err, "rejected")
}

// mergeReport adds a report to an alert already published about the same thing, once the
// moderator confirmed it is the same: a post without confirm=yes shows the alert beside the
// report and asks, as a wrong merge silently adds areas and a report to the wrong alert.
func (s *server) mergeReport(c *gin.Context) {
	r, ok := s.holdForDecision(c)
	if !ok {
		return
	}
	alertID, addArea := c.PostForm("alert"), c.PostForm("add_area") == "1"
	if c.PostForm("confirm") != "yes" {
		s.confirmMerge(c, r, alertID, addArea)
		return
	}
	a, err := s.publishing.Merge(c.Request.Context(), me(c).Name, r, alertID, addArea)
	if errors.Is(err, publishing.ErrNotMergeable) {
		s.notMergeable(c, r)
		return
	}
	// On a conflict, between the use case's look at the alert and the merge, the alert was
	// retracted, or the report decided by someone else or withdrawn.
	s.showPublished(c, a, err, "merged", "message.merge_lost.heading", "message.merge_lost.text")
}

// notMergeable shows r's page again with the merge form refused: the alert chosen is not a
// published alert of the report's kind.
func (s *server) notMergeable(c *gin.Context, r *report.Report) {
	s.reportPage(c, http.StatusBadRequest, r, func(d *reportData) {
		d.Errors["alert"], d.Action = catalog.Text(pageLanguage(c), "error.alert"), "merge"
	})
}
