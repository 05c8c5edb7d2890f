package report

import "strings"

// RedactHints replaces each passage Hints marks (a phone, an email, an address, a name after
// "my name is"…) with "[kind removed]". The hints are heuristics: they make a pre-filled text
// safer, not safe, so text a reporter wrote at length is never pre-filled at all.
func RedactHints(text string) string {
	var b strings.Builder
	pos := 0
	for _, h := range Hints(text) {
		b.WriteString(text[pos:h.Start])
		b.WriteString("[" + h.Kind + " removed]")
		pos = h.End
	}
	b.WriteString(text[pos:])
	return b.String()
}
