// Package moderation is where moderators sign in and turn raw reports into public alerts:
// server-rendered pages under /moderation/, sessions and TOTP, the review queue, the alert
// actions, the admin pages and the audit log. It is the only place a reporter's raw words are
// shown, and the place where what identifies a reporter is taken out before anything is
// published.
package moderation

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"time"

	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// Deps is what the moderation pages need from the wiring function.
type Deps struct {
	Store    store.Store
	Areas    []report.Area
	BaseURL  string
	SiteName string
	// Publishing is the moderators' use cases (approve, reject, merge, edit, retract,
	// extend); required.
	Publishing *publishing.Service
	// Intake files the reports staff enter for someone on the outreach page; required.
	Intake *intake.Service
	Logger *slog.Logger
	// Now is the clock for sessions, TOTP and lockouts; nil is time.Now. Tests move it.
	Now func() time.Time
	// Hashing is the argon2id cost of new password hashes; zero is ProductionHashing.
	Hashing HashParams
	// Development relaxes checks for a laptop; WithoutTOTP then switches the second factor
	// off. Both must be set: TOTP is never off by default.
	Development bool
	WithoutTOTP bool
	// Location is the organisation's time zone: every time on the pages is shown in it and
	// an expiry picked as a day ends at midnight there. Nil is UTC.
	Location *time.Location
}

// server holds the moderation handlers' dependencies.
type server struct {
	store        store.Store
	areas        []report.Area
	baseURL      string
	siteName     string
	publishing   *publishing.Service
	intake       *intake.Service
	log          *slog.Logger
	now          func() time.Time
	hashing      HashParams
	totpRequired bool
	accounts     *Accounts
	loc          *time.Location
	pages        map[string]*template.Template
	// dummyHash is verified against when the name is unknown, so that an unknown name takes
	// as long to refuse as a wrong password.
	dummyHash string
}

func newServer(d Deps) *server {
	s := &server{
		store: d.Store, areas: d.Areas, baseURL: d.BaseURL, siteName: d.SiteName, publishing: d.Publishing, intake: d.Intake,
		log: d.Logger, now: d.Now, hashing: d.Hashing, totpRequired: !(d.Development && d.WithoutTOTP),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hashing == (HashParams{}) {
		s.hashing = ProductionHashing
	}
	s.loc = d.Location
	if s.loc == nil {
		s.loc = time.UTC
	}
	s.pages = parsePages(s.loc)
	if s.siteName == "" {
		s.siteName = "Heads Up"
	}
	s.dummyHash = hashPassword(s.hashing, newOneTimePassword())
	s.accounts = &Accounts{Store: d.Store, Hashing: s.hashing, Now: s.now, Log: s.log}
	return s
}

// audit appends to the audit log. A failure is logged, not returned: the action it records has
// already happened and the moderator must learn that it did.
func (s *server) audit(ctx context.Context, actor, action, target, detail string) {
	appendAudit(ctx, s.store, s.log, s.now(), actor, action, target, detail)
}

func newAuditEntry(at time.Time, actor, action, target, detail string) store.AuditEntry {
	return store.AuditEntry{ID: report.NewID(), Time: at, Actor: actor, Action: action, Target: target, Detail: detail}
}

func appendAudit(ctx context.Context, st store.Audit, log *slog.Logger, at time.Time, actor, action, target, detail string) {
	err := st.AppendAudit(context.WithoutCancel(ctx), newAuditEntry(at, actor, action, target, detail))
	if err != nil && log != nil {
		log.Error("audit entry not written", "action", action, "err", err)
	}
}

// Audit actions. The audit page filters by these.
const (
	ActionSignIn          = "sign_in"
	ActionSignInFailed    = "sign_in_failed"
	ActionSignOut         = "sign_out"
	ActionPasswordChanged = "password_changed"
	ActionTOTPEnrolled    = "totp_enrolled"
	ActionClaim           = "claim"
	ActionApprove         = publishing.ActionApprove
	ActionReject          = publishing.ActionReject
	ActionMerge           = publishing.ActionMerge
	ActionAlertEdit       = publishing.ActionAlertEdit
	ActionAlertRetract    = publishing.ActionAlertRetract
	ActionAlertExtend     = publishing.ActionAlertExtend
	ActionAccountAdd      = "account_add"
	ActionAccountDisable  = "account_disable"
	ActionAccountEnable   = "account_enable"
	ActionAccountReset    = "account_reset"
	ActionPurge           = "purge"
	ActionStaffEntered    = intake.ActionStaffEntered
	ActionAsk             = publishing.ActionAsk
)

// AuditActions lists every action, in the order the audit page offers them.
var AuditActions = []string{
	ActionSignIn, ActionSignInFailed, ActionSignOut, ActionPasswordChanged, ActionTOTPEnrolled, ActionClaim,
	ActionApprove, ActionReject, ActionAsk, ActionMerge, ActionAlertEdit, ActionAlertRetract, ActionAlertExtend,
	ActionAccountAdd, ActionAccountDisable, ActionAccountEnable, ActionAccountReset, ActionPurge,
	ActionStaffEntered,
}

// isUnavailable reports whether err means the database is down, which pages answer with 503.
func isUnavailable(err error) bool { return errors.Is(err, store.ErrUnavailable) }
