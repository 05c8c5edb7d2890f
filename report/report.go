// Package report is the domain of Heads Up: what a report and an alert are, which fields they
// carry, how input is validated and how text is sanitised. It knows no HTTP and no database, so
// every other package can depend on it and it can be tested on its own.
package report

import "time"

// Kind says what a report or an alert is about. The codes are stable: they travel in the API,
// in push payloads and in stored documents.
type Kind string

const (
	BadDate   Kind = "bad_date"
	DrugAlert Kind = "drug_alert"
)

// Kinds lists every kind in the order forms and filters show them.
var Kinds = []Kind{BadDate, DrugAlert}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == BadDate || k == DrugAlert }

// Status is where a report is in moderation.
type Status string

const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
	StatusMerged   Status = "merged"
	// StatusNeedsInfo is a report a moderator asked a question about (Note); the reporter
	// reads it through their receipt, and their answer (a follow-up) makes it pending again
	// with Answered set.
	StatusNeedsInfo Status = "needs_info"
)

// Report is one raw submission. It holds what a reporter wrote, so it never leaves the
// moderation pages; the receipt is stored only as a keyed hash, and the submission time only to
// the day so that it cannot be matched against other records of who was online when.
type Report struct {
	ID           string           `bson:"_id" json:"id"`
	ReceiptHash  string           `bson:"receipt_hash" json:"-"`
	Kind         Kind             `bson:"kind" json:"kind"`
	Status       Status           `bson:"status" json:"status"`
	SubmittedDay time.Time        `bson:"submitted_day" json:"submitted_day"`
	Verified     bool             `bson:"verified" json:"verified"` // a proof of work came with it
	BadDate      *BadDateFields   `bson:"bad_date,omitempty" json:"bad_date,omitempty"`
	DrugAlert    *DrugAlertFields `bson:"drug_alert,omitempty" json:"drug_alert,omitempty"`
	Followups    []Followup       `bson:"followups,omitempty" json:"followups,omitempty"`
	Note         string           `bson:"note,omitempty" json:"note,omitempty"` // the moderator's note the reporter sees
	AlertID      string           `bson:"alert_id,omitempty" json:"alert_id,omitempty"`
	DecidedAt    time.Time        `bson:"decided_at,omitempty" json:"decided_at,omitempty"`
	Purged       bool             `bson:"purged,omitempty" json:"purged,omitempty"` // raw text removed after retention
	// Answered marks a report back in the queue because its reporter answered a question.
	Answered bool `bson:"answered,omitempty" json:"answered,omitempty"`
	// StaffEntered marks a report filed by outreach staff on someone's behalf.
	StaffEntered bool `bson:"staff_entered,omitempty" json:"staff_entered,omitempty"`
	// IdentifierHMACs are the keyed hashes (IdentifierHMAC) of every identifier found in the
	// report and its follow-ups, so that a repeat aggressor's reports and alerts link up
	// without the raw values being searchable.
	IdentifierHMACs []string  `bson:"identifier_hmacs,omitempty" json:"-"`
	ClaimedBy       string    `bson:"claimed_by,omitempty" json:"-"`
	ClaimedUntil    time.Time `bson:"claimed_until,omitempty" json:"-"`
}

// Followup is information a reporter added later through the receipt.
type Followup struct {
	Day  time.Time `bson:"day" json:"day"`
	Text string    `bson:"text" json:"text"`
}

// Common returns the fields both kinds share, whichever kind r is.
func (r *Report) Common() *Common {
	switch {
	case r.BadDate != nil:
		return &r.BadDate.Common
	case r.DrugAlert != nil:
		return &r.DrugAlert.Common
	}
	return &Common{}
}

// Day truncates t to the UTC day. Submission and follow-up times are kept at this precision.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
