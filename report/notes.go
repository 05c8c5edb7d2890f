package report

import "strings"

// A moderator's note to a reporter (a rejection's reason, a question) is stored as the code of
// a stock text and the moderator's own words, not as one rendered sentence: the reporter reads
// the stock part in the language of the page they open, whichever language the moderator
// reads, and a reworded or newly translated stock text reaches old receipts too. The free
// words are shown as written. Notes stored before codes existed are free text.
//
// Stored form: "[note:<code>]" on the first line, then the free text. The code must name a
// stock text (note.<code> in the catalog), so a moderator's text that happens to start with
// a bracket stays text.

const notePrefix = "[note:"

// Stock note codes. The reasons and questions moderators choose from; their texts are the
// catalog's note.<code>.
const (
	NoteRejectInsufficient = "reject.insufficient"
	NoteRejectDuplicate    = "reject.duplicate"
	NoteRejectOutOfScope   = "reject.out_of_scope"
	NoteRejectRisk         = "reject.risk"
	NoteQuestionWhen       = "question.when"
	NoteQuestionWhere      = "question.where"
	NoteQuestionPerson     = "question.person"
	NoteQuestionBatch      = "question.batch"
)

// StockNotes lists every stock note code.
var StockNotes = []string{
	NoteRejectInsufficient, NoteRejectDuplicate, NoteRejectOutOfScope, NoteRejectRisk,
	NoteQuestionWhen, NoteQuestionWhere, NoteQuestionPerson, NoteQuestionBatch,
}

// EncodeNote is the stored form of a note made of the stock text code (may be "") and free.
func EncodeNote(code, free string) string {
	free = strings.TrimSpace(free)
	if code == "" || !Labels.Has("note."+code) {
		return free
	}
	if free == "" {
		return notePrefix + code + "]"
	}
	return notePrefix + code + "]\n" + free
}

// SplitNote returns the stock code (or "") and the free text of a stored note.
func SplitNote(note string) (code, free string) {
	rest, ok := strings.CutPrefix(note, notePrefix)
	if !ok {
		return "", note
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 || !Labels.Has("note."+rest[:end]) {
		return "", note
	}
	return rest[:end], strings.TrimSpace(rest[end+1:])
}

// NoteText is a stored note as a reporter of lang reads it: the stock text in lang, then the
// moderator's words.
func NoteText(lang, note string) string {
	code, free := SplitNote(note)
	if code == "" {
		return free
	}
	stock := label(lang, "note."+code, "")
	if free == "" {
		return stock
	}
	if stock == "" {
		return free
	}
	return stock + "\n\n" + free
}

// NoteInvitesMore reports whether a rejection's note asks the reporter for more: the form to
// add information stays on their receipt, and their answer puts the report back in the queue.
func NoteInvitesMore(note string) bool {
	code, _ := SplitNote(note)
	return code == NoteRejectInsufficient
}
