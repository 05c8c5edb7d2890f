package moderation

import (
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

// noteOther is the choice of a reason or question written entirely in the moderator's words.
const noteOther = "other"

// stockChoice is a ready reason or question: Label is what the moderator picks, Note what the
// reporter will read (shown here in the moderator's language; the reporter reads it in theirs).
type stockChoice struct {
	Code  string
	Label string
	Note  string
}

// stockSet is the ready texts one form offers: the form's values, and the prefix that makes
// a value the note code of report's catalog ("reject." + "risk" is report.NoteRejectRisk).
type stockSet struct {
	prefix string
	values []string
}

// rejectReasons are the reasons a rejection offers, in order.
var rejectReasons = stockSet{"reject.", []string{"insufficient", "duplicate", "out_of_scope", "risk", noteOther}}

// questions are the questions a request for more information offers for a kind.
func questions(k report.Kind) stockSet {
	what := "person"
	if k == report.DrugAlert {
		what = "batch"
	}
	return stockSet{"question.", []string{"when", "where", what, noteOther}}
}

// code is the note code of a form value; "" for other, which is the moderator's words only.
func (set stockSet) code(value string) string {
	if value == noteOther {
		return ""
	}
	return set.prefix + value
}

// choices labels the set in lang, with the text the reporter will read.
func (set stockSet) choices(lang string) []stockChoice {
	out := make([]stockChoice, 0, len(set.values))
	for _, v := range set.values {
		sc := stockChoice{Code: v, Label: catalog.Text(lang, "choice."+noteOther)}
		if code := set.code(v); code != "" {
			sc.Label = catalog.Text(lang, "choice."+code)
			sc.Note = report.NoteText(lang, report.EncodeNote(code, ""))
		}
		out = append(out, sc)
	}
	return out
}

// readNote reads a choice of set from field and the moderator's own words; "other" needs
// words. It returns the stored note, or the field errors.
func readNote(c *gin.Context, field string, set stockSet) (value, free, note string, errs map[string]string) {
	value, free = c.PostForm(field), report.PlainText(c.PostForm("note"))
	errs = map[string]string{}
	switch {
	case !slices.Contains(set.values, value):
		errs[field] = "choose"
	case value == noteOther && free == "":
		errs["note"] = "note_required"
	case utf8.RuneCountInString(free) > maxNote:
		errs["note"] = "note_long"
	}
	if len(errs) > 0 {
		return value, free, "", errs
	}
	return value, free, report.EncodeNote(set.code(value), free), nil
}

// noteErrors words readNote's errors in lang.
func noteErrors(lang, field string, errs map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range errs {
		switch v {
		case "choose":
			out[k] = catalog.Text(lang, "error."+field)
		case "note_required":
			out[k] = catalog.Text(lang, "error.note_required")
		case "note_long":
			out[k] = catalog.Text(lang, "error.note_long", maxNote)
		}
	}
	return out
}

// requestInformation asks the reporter a question through their receipt. The report leaves
// the queue until they answer; the answer brings it back marked answered.
func (s *server) requestInformation(c *gin.Context) {
	r, ok := s.holdForDecision(c)
	if !ok {
		return
	}
	code, free, note, errs := readNote(c, "question", questions(r.Kind))
	if len(errs) > 0 {
		s.reportPage(c, http.StatusBadRequest, r, func(d *reportData) {
			d.Errors, d.Action, d.AskCode, d.AskNote = noteErrors(pageLanguage(c), "question", errs), "ask", code, free
		})
		return
	}
	err := s.publishing.Ask(c.Request.Context(), me(c).Name, r.ID, note)
	s.showDecided(c, err, "asked")
}
