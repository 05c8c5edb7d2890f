package publishing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/nyaruka/phonenumbers"
)

// identifiersUpgradedKey is the setting that records that every alert's identifiers are in
// the form identifiersVersion names; a new normalisation gets a new version and runs again.
const (
	identifiersUpgradedKey = "identifiers_upgraded"
	identifiersVersion     = "nfkc-e164-masked"
)

// upgradePage is how many alerts one step of the upgrade reads and rewrites together.
const upgradePage = 500

// IdentifierUpgrade counts what UpgradeIdentifiers did. It holds no value, only numbers.
type IdentifierUpgrade struct {
	Skipped bool // done before: the setting says so
	Alerts  int  // alerts with identifiers read
	Changed int  // alerts whose identifiers were rewritten
	// Rehashed counts checkable identifiers whose HMAC changed (the old normalisation).
	Rehashed int
	// Masked counts checkable-only identifiers whose value was dropped for a masked hint.
	Masked int
	// Unreadable counts values the current rules refuse: their hash is kept as it was (no
	// better one can be made) and, unless public, their value is masked all the same.
	Unreadable int
}

// UpgradeIdentifiers brings the identifiers of alerts published before identifiers were
// normalised with NFKC, case folding and E.164 phones (region, the organisation's) into that
// form: each checkable one's HMAC is made again from its value with key, so /check finds it
// under the new normalisation, and a checkable-only one keeps a masked hint instead of its
// value, as the check page promises. It runs once: a setting records that it finished. It is
// safe to run again after a crash midway, or on two replicas at once: an identifier already
// upgraded comes out unchanged. log gets one line of counts, never a value.
func UpgradeIdentifiers(ctx context.Context, st store.Store, key []byte, region string, log *slog.Logger) (IdentifierUpgrade, error) {
	var up IdentifierUpgrade
	switch v, err := st.Setting(ctx, identifiersUpgradedKey); {
	case err == nil && v == identifiersVersion:
		up.Skipped = true
		return up, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return up, fmt.Errorf("identifier upgrade: %w", err)
	}
	start := time.Now()
	after := ""
	for {
		page, err := st.AlertsWithIdentifiers(ctx, after, upgradePage)
		if err != nil {
			return up, fmt.Errorf("identifier upgrade: %w", err)
		}
		if len(page) == 0 {
			break
		}
		var changes []store.AlertIdentifiers
		for _, a := range page {
			up.Alerts++
			ids, changed := upgradeIdentifiers(key, region, a.Identifiers, &up)
			if changed {
				changes = append(changes, store.AlertIdentifiers{AlertID: a.ID, Identifiers: ids})
			}
		}
		if err := st.ReplaceAlertIdentifiers(ctx, changes); err != nil {
			return up, fmt.Errorf("identifier upgrade: %w", err)
		}
		up.Changed += len(changes)
		after = page[len(page)-1].ID
	}
	if err := st.PutSetting(ctx, identifiersUpgradedKey, identifiersVersion); err != nil {
		return up, fmt.Errorf("identifier upgrade: %w", err)
	}
	// A new database has nothing to upgrade; a newcomer's terminal stays quiet about it.
	if log != nil && up.Alerts > 0 {
		log.Info("alert identifiers upgraded", "alerts", up.Alerts, "changed", up.Changed, "rehashed", up.Rehashed,
			"masked", up.Masked, "unreadable", up.Unreadable, "took", time.Since(start).Round(time.Millisecond).String())
	}
	return up, nil
}

// RedoIdentifierUpgrade makes the next UpgradeIdentifiers run again, for an import: a backup
// written by an older release brings alerts in the old form into a database where the upgrade
// has already run. Running it again over upgraded alerts changes nothing.
func RedoIdentifierUpgrade(ctx context.Context, st store.Settings) error {
	if err := st.PutSetting(ctx, identifiersUpgradedKey, ""); err != nil {
		return fmt.Errorf("identifier upgrade: %w", err)
	}
	return nil
}

// upgradeIdentifiers returns ids in the current form and whether any changed, counting in up.
func upgradeIdentifiers(key []byte, region string, ids []report.Identifier, up *IdentifierUpgrade) ([]report.Identifier, bool) {
	out := make([]report.Identifier, len(ids))
	changed := false
	for i, id := range ids {
		out[i] = id
		if id.Value == "" {
			continue // keyed already: nothing left to read it from
		}
		normalized, err := normalizeStored(region, id.Type, id.Value)
		if err != nil {
			up.Unreadable++
			normalized = id.Value
		} else if id.HMAC != "" {
			out[i].HMAC = report.IdentifierHMAC(key, id.Type, normalized)
			if out[i].HMAC != id.HMAC {
				up.Rehashed++
			}
		}
		if id.Public {
			out[i].Value = normalized
		} else {
			out[i].Value, out[i].Hint = "", report.MaskIdentifier(id.Type, normalized)
			up.Masked++
		}
		changed = changed || out[i] != id
	}
	return out, changed
}

// normalizeStored reads a value as an alert stored it, in the old normal form or the current
// one, and returns its current normal form. Old phone numbers are digits only: a US number
// without its country code, any other as written, with or without one. A long number that
// does not start with a trunk 0 may carry a country code, so both readings are tried and a
// valid number preferred; a number that is valid read either way is read in the region.
func normalizeStored(region, typ, value string) (string, error) {
	national, err := report.NormalizeIdentifierIn(region, typ, value)
	if typ != report.IdentifierPhone || !allDigits(value) || len(value) <= 10 || value[0] == '0' {
		return national, err
	}
	intl, ierr := report.NormalizeIdentifierIn(region, typ, "+"+value)
	if ierr == nil && (err != nil || !validPhone(national) && validPhone(intl)) {
		return intl, nil
	}
	return national, err
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// validPhone reports whether an E.164 number is one the numbering plan assigns.
func validPhone(e164 string) bool {
	n, err := phonenumbers.Parse(e164, "")
	return err == nil && phonenumbers.IsValidNumber(n)
}
