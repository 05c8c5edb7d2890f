package intake

import (
	"context"

	"github.com/headsup/headsup/report"
)

// Check returns the published bad-date alerts naming an identifier (phone, plate, email or
// handle). The value is normalised exactly as moderators' choices are (NormalizeIdentifierIn
// with the organisation's phone region) and hashed with the identifier key, and only the hash
// reaches the database, so what a person looks up is never stored. A value that cannot be
// that type is a *report.ValidationError naming the field, never echoing the value.
func (s *Service) Check(ctx context.Context, typ, value string) ([]report.Alert, error) {
	normalized, err := report.NormalizeIdentifierIn(s.PhoneRegion, typ, value)
	if err != nil {
		return nil, err
	}
	alerts := s.Alerts
	if alerts == nil {
		alerts = s.Store
	}
	return alerts.AlertsByIdentifier(ctx, report.IdentifierHMAC(s.IdentifierKey, typ, normalized))
}
