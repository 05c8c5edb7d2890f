package report

import (
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Severity ranks an alert. Subscribers choose a minimum; push Urgency derives from it.
type Severity string

const (
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
	SeverityDanger  Severity = "danger"
)

// Severities lists every severity from least to most severe.
var Severities = []Severity{SeverityInfo, SeverityWarning, SeverityDanger}

// Rank orders severities so that "at least warning" is a number comparison; unknown is 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityWarning:
		return 2
	case SeverityDanger:
		return 3
	}
	return 0
}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// AlertStatus says whether an alert is shown publicly.
type AlertStatus string

const (
	AlertPublished AlertStatus = "published"
	AlertRetracted AlertStatus = "retracted"
)

// Alert is what the public sees: text written by a moderator, never a reporter's raw words.
type Alert struct {
	ID          string       `bson:"_id" json:"id"`
	Version     int          `bson:"version" json:"version"`
	Kind        Kind         `bson:"kind" json:"kind"`
	Severity    Severity     `bson:"severity" json:"severity"`
	Title       string       `bson:"title" json:"title"`
	Body        string       `bson:"body" json:"body"`
	Areas       []string     `bson:"areas" json:"areas"`
	IncidentDay time.Time    `bson:"incident_day" json:"incident_day"`
	TimeBand    string       `bson:"time_band,omitempty" json:"time_band,omitempty"`
	Published   time.Time    `bson:"published" json:"published"`
	Updated     time.Time    `bson:"updated" json:"updated"`
	Expires     time.Time    `bson:"expires" json:"expires"`
	Status      AlertStatus  `bson:"status" json:"status"`
	ReportCount int          `bson:"report_count" json:"report_count"`
	Identifiers []Identifier `bson:"identifiers,omitempty" json:"-"`
	// Details is the structured description the moderator chose to publish (what happened,
	// the aggressor, the batch); pages, the feed, the sheet and detailed pushes render it in
	// the reader's language through DescribeDetails.
	Details []Detail `bson:"details,omitempty" json:"details,omitempty"`
	// Texts holds the title and body in each language a moderator wrote or kept. Title and
	// Body above are the first of them (the primary language), kept for old readers.
	Texts []Translation `bson:"texts,omitempty" json:"texts,omitempty"`
}

// Translation is an alert's title and body in one language. Body may be empty (the details
// say enough).
type Translation struct {
	Lang  string `bson:"lang" json:"lang"`
	Title string `bson:"title" json:"title"`
	Body  string `bson:"body,omitempty" json:"body,omitempty"`
}

// Detail is one part of an alert's structured description: a field of the report's schema
// with option codes (labelled in the reader's language) or a short text a moderator checked.
type Detail struct {
	Field string   `bson:"field" json:"field"`
	Codes []string `bson:"codes,omitempty" json:"codes,omitempty"`
	Text  string   `bson:"text,omitempty" json:"text,omitempty"`
}

// TextIn returns the alert's title and body for a reader of lang: that language's text when
// there is one, else the primary text; bodyLang is the language the body is written in, so a
// page can say "written in English" when it differs from lang.
func (a *Alert) TextIn(lang string) (title, body, bodyLang string) {
	title, body, bodyLang = a.Title, a.Body, ""
	if len(a.Texts) > 0 {
		bodyLang = a.Texts[0].Lang
	}
	for _, t := range a.Texts {
		if t.Lang != lang {
			continue
		}
		if t.Title != "" {
			title = t.Title
		}
		if t.Body != "" {
			body, bodyLang = t.Body, lang
		}
	}
	if body == "" {
		bodyLang = ""
	}
	return title, body, bodyLang
}

// Identifier is a phone number, plate or handle that /check can find. HMAC is what the check
// looks up. Value, the normalised form, is stored only when Public; a checkable-only identifier
// keeps at most Hint, a masked form for moderators ("•••0177").
type Identifier struct {
	Type   string `bson:"type" json:"type"` // phone, plate, email
	Value  string `bson:"value,omitempty" json:"value,omitempty"`
	Hint   string `bson:"hint,omitempty" json:"-"`
	HMAC   string `bson:"hmac" json:"-"`
	Public bool   `bson:"public" json:"-"`
}

// Display is how pages, feeds and pushes show an identifier's value: a phone number grouped
// as its country writes it internationally ("+1 202-555-0147"), which a person can read and
// dial; everything else as stored. APIs keep Value, the machine-readable E.164 form.
func (id Identifier) Display() string {
	if id.Type == IdentifierPhone && strings.HasPrefix(id.Value, "+") {
		if n, err := phonenumbers.Parse(id.Value, ""); err == nil {
			return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
		}
	}
	return id.Value
}

// PublicIdentifiers returns the identifiers a moderator chose to show.
func (a *Alert) PublicIdentifiers() []Identifier {
	var out []Identifier
	for _, id := range a.Identifiers {
		if id.Public {
			out = append(out, Identifier{Type: id.Type, Value: id.Value})
		}
	}
	return out
}

// DefaultExpiry is how long an alert stays up unless the moderator says otherwise: a bad batch
// moves through a supply in days, a dangerous client stays dangerous for months.
func DefaultExpiry(k Kind) time.Duration {
	if k == DrugAlert {
		return 14 * 24 * time.Hour
	}
	return 90 * 24 * time.Hour
}
