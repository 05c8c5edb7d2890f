package store

import (
	"fmt"

	"github.com/headsup/headsup/report"
)

// recordKind is what the Dump and Load contract says of one collection: the type of its
// records and the id each is stored under. Engines and the conformance suite share it, so
// that a collection added to TransferCollections is described once.
type recordKind struct {
	new func() any
	id  func(v any) (string, bool)
}

func kindOf[T any](id func(*T) string) recordKind {
	return recordKind{
		new: func() any { return new(T) },
		id: func(v any) (string, bool) {
			r, ok := v.(*T)
			if !ok {
				return "", false
			}
			return id(r), true
		},
	}
}

var recordKinds = map[string]recordKind{
	ColReports:        kindOf(func(r *report.Report) string { return r.ID }),
	ColAlerts:         kindOf(func(a *report.Alert) string { return a.ID }),
	ColSubscriptions:  kindOf(func(s *Subscription) string { return s.ID }),
	ColDeliveries:     kindOf(func(d *Delivery) string { return d.ID }),
	ColDeliveryClaims: kindOf(func(c *DeliveryClaim) string { return c.ID }),
	ColModerators:     kindOf(func(m *Moderator) string { return m.ID }),
	ColSessions:       kindOf(func(s *Session) string { return s.ID }),
	ColAudit:          kindOf(func(e *AuditEntry) string { return e.ID }),
	ColSettings:       kindOf(func(s *Setting) string { return s.Key }),
	ColSpent:          kindOf(func(c *SpentChallenge) string { return c.Challenge }),
}

// NewRecord returns a new, empty record of the type Dump hands out for collection (a
// *report.Alert for ColAlerts, a *Setting for ColSettings, …).
func NewRecord(collection string) (any, error) {
	k, ok := recordKinds[collection]
	if !ok {
		return nil, fmt.Errorf("unknown collection %q", collection)
	}
	return k.new(), nil
}

// RecordID returns the id v is stored under, and whether v has the type Dump hands out for
// collection.
func RecordID(collection string, v any) (string, bool) {
	k, ok := recordKinds[collection]
	if !ok {
		return "", false
	}
	return k.id(v)
}
