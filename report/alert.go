package report

import "time"

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
}

// Identifier is a phone number, plate or handle that /check can find. Value is the normalised
// form and is shown only when Public; HMAC is what the check looks up.
type Identifier struct {
	Type   string `bson:"type" json:"type"` // phone, plate, email
	Value  string `bson:"value,omitempty" json:"value,omitempty"`
	HMAC   string `bson:"hmac" json:"-"`
	Public bool   `bson:"public" json:"-"`
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
