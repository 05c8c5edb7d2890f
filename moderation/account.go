package moderation

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// Accounts manages moderator accounts. The command line (`headsup moderator …`) and the admin
// page both use it, so the rules and the audit entries are the same either way.
type Accounts struct {
	Store store.Store
	// Hashing is the argon2id cost; zero is ProductionHashing.
	Hashing HashParams
	Now     func() time.Time
	Log     *slog.Logger
}

// Errors of Accounts: English for the operator at the command line, the page's language on
// the admin page.
var (
	ErrBadName = problem("error.account_name")
	ErrBadRole = problem("error.account_role")
)

func (a *Accounts) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *Accounts) hashing() HashParams {
	if a.Hashing == (HashParams{}) {
		return ProductionHashing
	}
	return a.Hashing
}

// ValidName reports whether name can be a moderator name. Names are shown on pages and in the
// audit log, so they are kept to plain characters.
func ValidName(name string) bool {
	if n := utf8.RuneCountInString(name); n < 2 || n > 40 {
		return false
	}
	for _, r := range name {
		ok := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '.' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}

// Roles are the roles an account can have, in the order the accounts page offers them.
var Roles = []string{store.RoleModerator, store.RoleAdmin, store.RoleOutreach}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool { return slices.Contains(Roles, role) }

// Add creates an account and returns its one-time password, which opens only the page where
// the moderator chooses a real password and then enrols TOTP. actor is who asked, for the
// audit log.
func (a *Accounts) Add(ctx context.Context, actor, name, role string) (string, error) {
	if !ValidName(name) {
		return "", ErrBadName
	}
	if !ValidRole(role) {
		return "", ErrBadRole
	}
	otp := newOneTimePassword()
	m := &store.Moderator{
		ID: report.NewID(), Name: name, Role: role, PasswordHash: hashPassword(a.hashing(), otp),
		MustChangePassword: true, Created: a.now(),
	}
	if err := a.Store.CreateModerator(ctx, m); err != nil {
		return "", err
	}
	appendAudit(ctx, a.Store, a.Log, a.now(), actor, ActionAccountAdd, name, "role="+role)
	return otp, nil
}

// List returns every account, by name.
func (a *Accounts) List(ctx context.Context) ([]store.Moderator, error) {
	return a.Store.Moderators(ctx)
}

// Reset gives an account a new one-time password, forgets its TOTP enrolment and ends its
// sessions: what to do when a moderator forgot the password or lost the phone.
func (a *Accounts) Reset(ctx context.Context, actor, name string) (string, error) {
	m, err := a.Store.ModeratorByName(ctx, name)
	if err != nil {
		return "", err
	}
	return a.reset(ctx, actor, m)
}

// reset is Reset for an account already loaded, as the admin page has it.
func (a *Accounts) reset(ctx context.Context, actor string, m *store.Moderator) (string, error) {
	otp := newOneTimePassword()
	if err := a.Store.ResetModerator(ctx, m.ID, hashPassword(a.hashing(), otp)); err != nil {
		return "", err
	}
	if err := a.Store.DeleteSessionsOf(ctx, m.ID); err != nil {
		return "", err
	}
	appendAudit(ctx, a.Store, a.Log, a.now(), actor, ActionAccountReset, m.Name, "")
	return otp, nil
}

// SetDisabled disables an account, ending its sessions at once, or enables it again.
func (a *Accounts) SetDisabled(ctx context.Context, actor, name string, disabled bool) error {
	m, err := a.Store.ModeratorByName(ctx, name)
	if err != nil {
		return err
	}
	return a.setDisabled(ctx, actor, m, disabled)
}

// setDisabled is SetDisabled for an account already loaded, as the admin page has it.
func (a *Accounts) setDisabled(ctx context.Context, actor string, m *store.Moderator, disabled bool) error {
	if err := a.Store.SetModeratorDisabled(ctx, m.ID, disabled); err != nil {
		return err
	}
	action := ActionAccountEnable
	if disabled {
		action = ActionAccountDisable
		if err := a.Store.DeleteSessionsOf(ctx, m.ID); err != nil {
			return err
		}
	}
	appendAudit(ctx, a.Store, a.Log, a.now(), actor, action, m.Name, "")
	return nil
}

// IsNotFound reports whether err means no such account, for the command line's message.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
