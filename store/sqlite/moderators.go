package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/headsup/headsup/store"
)

const moderatorCols = `id, name, role, password_hash, must_change_password, totp_secret, totp_enrolled, totp_last_step,
	disabled, failures, locked_until, created, last_sign_in`

func scanModerator(sc scanner) (store.Moderator, error) {
	var m store.Moderator
	var locked, created, last sql.NullInt64
	err := sc.Scan(&m.ID, &m.Name, &m.Role, &m.PasswordHash, &m.MustChangePassword, &m.TOTPSecret, &m.TOTPEnrolled,
		&m.TOTPLastStep, &m.Disabled, &m.Failures, &locked, &created, &last)
	m.LockedUntil, m.Created, m.LastSignIn = fromMS(locked), fromMS(created), fromMS(last)
	return m, err
}

func moderatorArgs(m *store.Moderator) []any {
	return []any{m.ID, m.Name, m.Role, m.PasswordHash, boolInt(m.MustChangePassword), m.TOTPSecret, boolInt(m.TOTPEnrolled),
		m.TOTPLastStep, boolInt(m.Disabled), m.Failures, ms(m.LockedUntil), ms(m.Created), ms(m.LastSignIn)}
}

const insertModerator = `INSERT INTO moderators (` + moderatorCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateModerator stores a new account; a taken name (or id) is ErrExists.
func (s *Store) CreateModerator(ctx context.Context, m *store.Moderator) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, insertModerator, moderatorArgs(m)...)
		if isUnique(err) {
			return store.ErrExists
		}
		return wrapf("create moderator", err)
	})
}

func (s *Store) moderatorBy(ctx context.Context, column, value string) (*store.Moderator, error) {
	// column is one of two constants, never input.
	m, err := scanModerator(s.read().queryRow(ctx, `SELECT `+moderatorCols+` FROM moderators WHERE `+column+` = ?`, value))
	if err != nil {
		return nil, wrapf("read moderator", err)
	}
	return &m, nil
}

// Moderator returns the account with the given id.
func (s *Store) Moderator(ctx context.Context, id string) (*store.Moderator, error) {
	return s.moderatorBy(ctx, "id", id)
}

// ModeratorByName returns the account with the given name.
func (s *Store) ModeratorByName(ctx context.Context, name string) (*store.Moderator, error) {
	return s.moderatorBy(ctx, "name", name)
}

// Moderators returns every account, by name: a short list, read whole.
func (s *Store) Moderators(ctx context.Context) ([]store.Moderator, error) {
	return queryAll(ctx, s.read(), "list moderators", scanModerator, `SELECT `+moderatorCols+` FROM moderators ORDER BY name`)
}

// CountModerators counts accounts, so that serve can tell a newcomer to create the first one.
func (s *Store) CountModerators(ctx context.Context) (int64, error) {
	var n int64
	err := s.read().queryRow(ctx, `SELECT count(*) FROM moderators`).Scan(&n)
	return n, wrapf("count moderators", err)
}

// updateModerator runs an UPDATE of one account; no such account is ErrNotFound.
func (s *Store) updateModerator(ctx context.Context, query string, args ...any) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.execN(ctx, query, args...)
		if err != nil {
			return wrapf("update moderator", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// SetModeratorDisabled disables or enables an account. Sessions are ended separately.
func (s *Store) SetModeratorDisabled(ctx context.Context, id string, disabled bool) error {
	return s.updateModerator(ctx, `UPDATE moderators SET disabled = ? WHERE id = ?`, boolInt(disabled), id)
}

// ResetModerator gives an account a new one-time password and forgets its TOTP secret,
// failures and lock, so the next sign-in enrols a new authenticator.
func (s *Store) ResetModerator(ctx context.Context, id, passwordHash string) error {
	return s.updateModerator(ctx, `UPDATE moderators SET password_hash = ?, must_change_password = 1, totp_enrolled = 0,
		failures = 0, totp_secret = '', locked_until = NULL WHERE id = ?`, passwordHash, id)
}

// SetPassword stores a password the moderator chose, ending the one-time password.
func (s *Store) SetPassword(ctx context.Context, id, passwordHash string) error {
	return s.updateModerator(ctx, `UPDATE moderators SET password_hash = ?, must_change_password = 0 WHERE id = ?`, passwordHash, id)
}

// SetTOTPSecret stores the secret being enrolled; it counts only once EnrolTOTP confirms it.
func (s *Store) SetTOTPSecret(ctx context.Context, id, secret string) error {
	return s.updateModerator(ctx, `UPDATE moderators SET totp_secret = ?, totp_enrolled = 0 WHERE id = ?`, secret, id)
}

// EnrolTOTP marks the stored secret confirmed at the confirming code's step, so that the same
// code cannot then be used to sign in.
func (s *Store) EnrolTOTP(ctx context.Context, id string, step int64) error {
	return s.updateModerator(ctx, `UPDATE moderators SET totp_enrolled = 1, totp_last_step = ? WHERE id = ?`, step, id)
}

// UseTOTPStep records that the code of step was used, if no code of that step or a later one
// was used before. The condition and the write are one statement, so two requests racing with
// the same code cannot both succeed.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	var n int64
	err := s.write(ctx, func(c conn) error {
		var err error
		n, err = c.execN(ctx, `UPDATE moderators SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
		return wrapf("record TOTP step", err)
	})
	return n == 1, err
}

// RecordFailedSignIn counts a failed attempt and returns the new count; lockFor says how long
// the account is then locked (zero for not at all).
func (s *Store) RecordFailedSignIn(ctx context.Context, id string, lockFor func(failures int) time.Duration) (int, error) {
	var failures int
	err := s.write(ctx, func(c conn) error {
		err := c.queryRow(ctx, `UPDATE moderators SET failures = failures + 1 WHERE id = ? RETURNING failures`, id).Scan(&failures)
		if err != nil {
			return wrapf("record failed sign-in", err)
		}
		if d := lockFor(failures); d > 0 {
			if _, err := c.exec(ctx, `UPDATE moderators SET locked_until = ? WHERE id = ?`, ms(s.now().Add(d)), id); err != nil {
				return wrapf("record failed sign-in", err)
			}
		}
		return nil
	})
	return failures, err
}

// RecordSignIn clears the failure count and lock after a complete sign-in.
func (s *Store) RecordSignIn(ctx context.Context, id string) error {
	return s.updateModerator(ctx, `UPDATE moderators SET failures = 0, last_sign_in = ?, locked_until = NULL WHERE id = ?`,
		ms(s.now()), id)
}
