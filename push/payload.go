package push

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/headsup/headsup/i18n"
	"github.com/headsup/headsup/report"
)

// MaxPayload bounds the JSON pushed: push services accept 4096 bytes after encryption
// overhead, and a margin keeps a long title from ever turning into a 413.
const MaxPayload = 3000

// Payload is what the service worker receives and shows.
type Payload struct {
	ID       string          `json:"id"`
	Kind     report.Kind     `json:"kind,omitempty"`
	Severity report.Severity `json:"severity,omitempty"`
	Title    string          `json:"title"`
	Body     string          `json:"body"`
	URL      string          `json:"url"`
	// Retracted marks a push saying the alert was withdrawn.
	Retracted bool `json:"retracted,omitempty"`
}

// The fixed texts of pushes (the discreet one, the retraction, the note saying which language
// a body is in) are a catalog of the project's one format, one file per language like every
// other family: adding a language is adding push/translations/<lang>.json. Keys:
// push.neutral.*, push.withdrawn.* and push.written_in.<language of the body>.
//
//go:embed translations/*.json
var translationFS embed.FS

var catalog = i18n.MustLoad(translationFS, "translations")

// buildPayload returns the JSON for one alert, in lang, discreet or detailed. A discreet push
// carries neutral text and the link only: nothing on a lock screen says what it is about.
func buildPayload(a *report.Alert, retraction, discreet bool, lang, baseURL string) []byte {
	p := Payload{ID: a.ID, URL: baseURL + "/alerts/" + a.ID, Retracted: retraction}
	switch {
	case discreet:
		p.Title, p.Body = catalog.Text(lang, "push.neutral.title"), catalog.Text(lang, "push.neutral.body")
	case retraction:
		title, _, _ := a.TextIn(lang)
		p.Kind, p.Severity = a.Kind, a.Severity
		p.Title, p.Body = catalog.Text(lang, "push.withdrawn.title"), catalog.Text(lang, "push.withdrawn.body", title)
	default:
		title, body, bodyLang := a.TextIn(lang)
		if bodyLang != "" && bodyLang != lang && body != "" {
			// Says, in the subscriber's language, which language the body is in when no
			// moderator wrote one in theirs.
			body = catalog.Text(lang, "push.written_in."+bodyLang) + ":\n" + body
		}
		p.Kind, p.Severity, p.Title, p.Body = a.Kind, a.Severity, title, body
		lines := detailLines(a, lang)
		for ; len(lines) > 0; lines = lines[:len(lines)-1] {
			// The description goes under the text; lines are dropped from the end until the
			// push fits, before the text itself is cut.
			p.Body = joinBody(body, lines)
			if data, _ := json.Marshal(p); len(data) <= MaxPayload {
				return data
			}
		}
		p.Body = body
	}
	data, _ := json.Marshal(p)
	// Cut the body (then the title) until it fits; JSON escaping can make text longer than its
	// bytes, so measure the encoding, not the text.
	for len(data) > MaxPayload {
		over := len(data) - MaxPayload + 1 // +1 for the ellipsis growing the text by 3 bytes at most
		if len(p.Body) > 0 {
			p.Body = cut(p.Body, over)
		} else {
			p.Title = cut(p.Title, over)
		}
		data, _ = json.Marshal(p)
	}
	return data
}

// detailLines is an alert's description block for a detailed push, "Label: value" in lang,
// then its public identifiers. Alerts made before descriptions existed (no details, no
// translations) get none, so their pushes read exactly as they always did.
func detailLines(a *report.Alert, lang string) []string {
	if len(a.Details) == 0 && len(a.Texts) == 0 {
		return nil
	}
	var lines []string
	for _, l := range report.DescribeDetails(lang, a.Kind, a.Details) {
		lines = append(lines, l.Label+": "+l.Value)
	}
	for _, id := range a.PublicIdentifiers() {
		lines = append(lines, report.OptionLabel(lang, "type", id.Type)+": "+id.Display())
	}
	return lines
}

func joinBody(body string, lines []string) string {
	if body == "" {
		return strings.Join(lines, "\n")
	}
	return body + "\n\n" + strings.Join(lines, "\n")
}

// cut shortens s by at least n bytes on a rune boundary and marks the cut with an ellipsis.
func cut(s string, n int) string {
	end := len(s) - n - len("…")
	if end <= 0 {
		return ""
	}
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}

// topic is the Topic header for an alert: the same for every version, so that a push service
// holding an undelivered older version replaces it with the newer one. It is an HMAC of the
// id, 22 base64url characters (RFC 8030 allows 32), because push services see topics in clear.
func (s *Service) topic(alertID string) string {
	m := hmac.New(sha256.New, s.topicKey)
	m.Write([]byte(alertID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:22]
}

// urgency maps severity to RFC 8030 Urgency: danger must wake a phone, info can wait for it.
func urgency(sev report.Severity) string {
	switch sev {
	case report.SeverityDanger:
		return "high"
	case report.SeverityWarning:
		return "normal"
	}
	return "low"
}
