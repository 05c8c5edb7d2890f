package main

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"golang.org/x/crypto/argon2"
)

// historicNames are the moderators who worked the queue over the years; the first three are
// admins and the last two have left (disabled).
var historicNames = []string{"ana", "bea", "carmen", "dee", "jo", "kim", "luz", "mara", "nia", "rosa", "sam"}

// makeModerators makes the accounts: the historic ones, with a password nobody knows, and the
// admin benchmarks sign in with.
func (h *history) makeModerators() []store.Moderator {
	unknown := hashPassword(randomHex(16)) // one hash for all: each is deliberately slow to make
	var mods []store.Moderator
	for i, name := range historicNames {
		role := store.RoleModerator
		if i < 3 {
			role = store.RoleAdmin
		}
		created := h.now.Add(-h.between(0, h.span))
		mods = append(mods, store.Moderator{
			ID: report.NewID(), Name: name, Role: role, PasswordHash: unknown,
			TOTPSecret: newTOTPSecret(), TOTPEnrolled: true, TOTPLastStep: created.Unix() / 30,
			Disabled: i >= len(historicNames)-2, Created: created, LastSignIn: created.Add(h.between(0, h.now.Sub(created))),
		})
	}
	// Enrolled already, so that signing in is name, password and one code: what a benchmark
	// can do through the real form.
	mods = append(mods, store.Moderator{
		ID: report.NewID(), Name: h.p.admin, Role: store.RoleAdmin, PasswordHash: hashPassword(h.p.adminPassword),
		TOTPSecret: h.p.adminTOTP, TOTPEnrolled: true, Created: h.now,
	})
	return mods
}

// hashPassword makes the PHC string moderation/password.go verifies: argon2id at its production
// cost (19 MiB, 2 passes, 1 lane), so that signing in costs what it does in production.
func hashPassword(password string) string {
	const memory, passes, lanes = 19 * 1024, 2, 1
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, passes, memory, lanes, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, passes, lanes,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// newTOTPSecret makes a 160-bit secret in the unpadded base32 form authenticator apps (and
// moderation/totp.go) use.
func newTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

var auditActions = []string{
	"claim", "approve", "reject", "merge", "sign_in", "sign_out", "sign_in_failed", "alert_edit",
	"alert_extend", "alert_retract", "purge", "password_changed", "totp_enrolled",
	"account_add", "account_disable", "account_enable", "account_reset",
}

// auditWeights follow a working queue: every decision is preceded by a claim, moderators sign
// in every shift, account changes are rare, and the purge writes an entry on the hours it
// removed something.
var auditWeights = []int{300, 150, 80, 40, 120, 90, 25, 40, 30, 10, 100, 5, 4, 2, 1, 1, 2}

// auditEntry makes the i-th entry of the log, in time order.
func (h *history) auditEntry(i int) *store.AuditEntry {
	e := &store.AuditEntry{
		ID:     report.NewID(),
		Time:   h.at(i, h.p.audit, time.Minute),
		Actor:  historicNames[h.r.IntN(len(historicNames))],
		Action: pick(h.r, auditActions, auditWeights),
	}
	switch e.Action {
	case "claim", "approve", "reject", "merge":
		e.Target = h.someReportID()
		switch e.Action {
		case "approve", "merge":
			e.Detail = "alert=" + h.someAlertID()
		case "reject":
			e.Detail = "reason=" + []string{"insufficient", "duplicate", "out_of_scope", "risk", "other"}[h.r.IntN(5)]
		}
	case "alert_edit", "alert_retract":
		e.Target = h.someAlertID()
	case "alert_extend":
		e.Target = h.someAlertID()
		e.Detail = "until=" + e.Time.Add(h.between(day, 60*day)).Format(time.DateOnly)
	case "purge":
		e.Actor, e.Detail = "system", "reports="+strconv.Itoa(1+h.r.IntN(40))
	case "sign_in_failed":
		if h.r.IntN(10) == 0 {
			e.Actor, e.Detail = "", "unknown account"
			break
		}
		e.Target, e.Detail = e.Actor, []string{"password", "code", "refused"}[h.r.IntN(3)]
	case "account_add", "account_disable", "account_enable", "account_reset":
		e.Actor = historicNames[h.r.IntN(3)]
		e.Target = historicNames[h.r.IntN(len(historicNames))]
		if e.Action == "account_add" {
			e.Detail = "role=moderator"
		}
	default: // sign_in, sign_out, password_changed, totp_enrolled
		e.Target = e.Actor
	}
	return e
}

func (h *history) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(h.r.Uint32())
	}
	return b
}

func (h *history) someReportID() string {
	if len(h.reportIDs) == 0 {
		return report.NewID()
	}
	return h.reportIDs[h.r.IntN(len(h.reportIDs))]
}

func (h *history) someAlertID() string {
	if len(h.alertRefs) == 0 {
		return report.NewID()
	}
	return h.alertRefs[h.r.IntN(len(h.alertRefs))].id
}

// subscription makes one browser's subscription on a push service that does not exist, so
// that a fan-out started by accident reaches nobody.
func (h *history) subscription() *store.Subscription {
	raw := h.bytes(48)
	endpoint, auth := raw[:32], raw[32:] // auth: a random 16-byte secret, as browsers make
	var token [32]byte
	_, _ = rand.Read(token[:])
	tokenHash := sha256.Sum256([]byte(base64.RawURLEncoding.EncodeToString(token[:])))
	s := &store.Subscription{
		Endpoint:    "https://push.example.test/wpush/v2/" + base64.RawURLEncoding.EncodeToString(endpoint),
		P256dh:      h.p256dh[h.r.IntN(len(h.p256dh))],
		Auth:        base64.RawURLEncoding.EncodeToString(auth),
		TokenHash:   hex.EncodeToString(tokenHash[:]),
		Kinds:       pick(h.r, [][]report.Kind{report.Kinds, {report.BadDate}, {report.DrugAlert}}, []int{50, 25, 25}),
		MinSeverity: pick(h.r, report.Severities, []int{40, 35, 25}),
		Discreet:    h.r.IntN(100) < 40,
		Lang:        pick(h.r, []string{"en", "es"}, []int{70, 30}),
	}
	if h.r.IntN(100) < 30 {
		s.Areas = append([]string(nil), h.areas...)
	} else {
		s.Areas = h.someAreas()
	}
	s.ID = store.SubscriptionID(s.Endpoint)
	s.MinRank = s.MinSeverity.Rank()
	return s
}

// publicKeyPool makes n real P-256 public keys, as browsers send in p256dh: real points, so a
// sender that parses them works, without the cost of a key pair per subscription.
func publicKeyPool(n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		out[i] = base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes())
	}
	return out, nil
}
