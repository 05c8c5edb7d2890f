package push

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"

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

// Fixed strings, per language (report.Languages order).
var (
	textNeutral          = map[string]string{"en": "New safety update", "es": "Nueva alerta de seguridad"}
	textNeutralBody      = map[string]string{"en": "Open to read it.", "es": "Ábrela para leerla."}
	textWithdrawn        = map[string]string{"en": "Alert withdrawn", "es": "Alerta retirada"}
	textWithdrawnPreface = map[string]string{"en": "This alert was withdrawn: ", "es": "Esta alerta fue retirada: "}
)

func in(m map[string]string, lang string) string {
	if s, ok := m[lang]; ok {
		return s
	}
	return m[report.Languages[0]]
}

// buildPayload returns the JSON for one alert, in lang, discreet or detailed. A discreet push
// carries neutral text and the link only: nothing on a lock screen says what it is about.
func buildPayload(a *report.Alert, retraction, discreet bool, lang, baseURL string) []byte {
	p := Payload{ID: a.ID, URL: baseURL + "/alerts/" + a.ID, Retracted: retraction}
	switch {
	case discreet:
		p.Title, p.Body = in(textNeutral, lang), in(textNeutralBody, lang)
	case retraction:
		p.Kind, p.Severity = a.Kind, a.Severity
		p.Title, p.Body = in(textWithdrawn, lang), in(textWithdrawnPreface, lang)+a.Title
	default:
		p.Kind, p.Severity, p.Title, p.Body = a.Kind, a.Severity, a.Title, a.Body
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
