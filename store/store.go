// Package store is the storage seam: the records Heads Up keeps, the errors every engine
// returns and the interfaces the rest of the code depends on. Two engines implement them, one
// package each and the only importers of their drivers: store/sqlite (embedded, the default)
// and store/mongo (MongoDB, for several replicas). store/storetest is the conformance suite both
// pass. Engines are designed for the weaker of the two: no multi-document transaction is needed
// on MongoDB (leases, idempotent steps and unique keys instead) and nothing relies on TTL
// indexes (explicit purges).
package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/headsup/headsup/report"
)

var (
	// ErrNotFound is returned when the record asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable wraps errors that mean the database cannot be reached right now, so that
	// handlers answer 503 with Retry-After instead of 500.
	ErrUnavailable = errors.New("database unavailable")
	// ErrConflict is returned when a record changed under the caller: a report decided by
	// another moderator, an alert edited since the form was loaded.
	ErrConflict = errors.New("changed by someone else")
	// ErrExists is returned when a unique value (a moderator's name) is already taken.
	ErrExists = errors.New("already exists")
	// ErrLeaseLost means another dispatcher holds the job now (this one's lease lapsed); the
	// caller must stop working it.
	ErrLeaseLost = errors.New("delivery lease lost")
	// ErrNotEmpty is returned by a migration into a database that already holds data.
	ErrNotEmpty = errors.New("target database is not empty")
)

// Store is every aggregate of one database, as one engine keeps it.
type Store interface {
	Reports
	Publishing
	Alerts
	Subscriptions
	Deliveries
	Moderators
	Sessions
	Audit
	Settings
	Challenges
	Admin
}

// Admin is what the wiring, the commands and the tests need from an engine as a whole.
type Admin interface {
	// Engine names the engine ("sqlite" or "mongodb") for logs and metrics.
	Engine() string
	// SetClock replaces the clock used for leases, expiry and timestamps; tests move it.
	SetClock(now func() time.Time)
	Ping(ctx context.Context) error
	Close(ctx context.Context) error
	// Drop removes every record; tests use it to clean up after themselves.
	Drop(ctx context.Context) error
	// Collections lists the record collections (tables), for checks that inspect everything.
	Collections(ctx context.Context) ([]string, error)
	// DumpCollection returns every record of a collection as JSON text, for the privacy
	// checks that look for anything that should never have been stored.
	DumpCollection(ctx context.Context, name string) ([]string, error)
	// Dump calls fn with every record of a collection (one of TransferCollections) as its
	// typed value (*report.Report, *report.Alert, *Subscription, …), in id order.
	Dump(ctx context.Context, collection string, fn func(v any) error) error
	// Load stores records of one collection as Dump gave them (a batch, written together
	// where the engine can), replacing a record with the same id, so loading twice is
	// harmless. Seeding, migration and import go through it.
	Load(ctx context.Context, collection string, records []any) error
	// Empty reports whether the database holds no record that a service wrote.
	Empty(ctx context.Context) (bool, error)
}

// Collections, the names Dump, Load and DumpCollection know.
const (
	ColReports        = "reports"
	ColAlerts         = "alerts"
	ColSubscriptions  = "subscriptions"
	ColDeliveries     = "deliveries"
	ColDeliveryClaims = "delivery_claims"
	ColModerators     = "moderators"
	ColSessions       = "sessions"
	ColAudit          = "audit"
	ColSettings       = "settings"
	ColSpent          = "spent_challenges"
)

// TransferCollections is every collection a running service needs, in the order a migration
// moves them, with the Go type Dump hands out for each.
var TransferCollections = []string{ColSettings, ColModerators, ColSessions, ColAlerts, ColReports,
	ColSubscriptions, ColDeliveries, ColDeliveryClaims, ColAudit, ColSpent}

// Exportable lists the collections a backup file carries: published alerts and settings (which
// hold the VAPID and HMAC keys, so that subscriptions and /check keep working after a move).
// Raw reports, sessions and subscriptions are deliberately not exported: a backup file must
// not become a copy of what reporters wrote.
var Exportable = []string{ColAlerts, ColSettings}

// Setting is one stored key and value (Dump and Load of ColSettings).
type Setting struct {
	Key   string `bson:"_id" json:"key"`
	Value string `bson:"value" json:"value"`
}

// SpentChallenge is a used proof-of-work challenge (Dump and Load of ColSpent).
type SpentChallenge struct {
	Challenge string    `bson:"_id" json:"challenge"`
	Expires   time.Time `bson:"expires" json:"expires"`
}

// Reports is what reporters and moderators do with raw reports.
type Reports interface {
	// CreateReport stores a new report. The caller has set its random id and receipt hash.
	CreateReport(ctx context.Context, r *report.Report) error
	Report(ctx context.Context, id string) (*report.Report, error)
	// ReportByReceipt returns the report whose receipt hashes to receiptHash.
	ReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error)
	// AddFollowup appends information to a report that is still pending, approved or waiting
	// for an answer (needs_info), and adds hmacs, the keyed hashes of identifiers found in it,
	// to the report's IdentifierHMACs (each once). A report waiting for an answer goes back to
	// the queue: pending, with Answered set and DecidedAt zero. Others (rejected, merged,
	// purged) return ErrNotFound because there is nothing left to add to.
	AddFollowup(ctx context.Context, receiptHash string, f report.Followup, hmacs []string) error
	// DeleteReportByReceipt withdraws a report: its raw text is deleted at once and
	// overwritten on disk. A published alert made from it is a separate record and stays.
	DeleteReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error)
	CountReports(ctx context.Context, status report.Status) (int64, error)
	// PendingReports returns one page of the queue, oldest day first; within a day by id,
	// which is random but stable across pages (submission times are kept only to the day).
	PendingReports(ctx context.Context, skip, limit int) ([]report.Report, error)
	PendingCounts(ctx context.Context) (map[report.Kind]int64, error)
	// ClaimReport gives moderator a lease on a pending report unless someone else holds an
	// unexpired one; holding it already extends it. It returns the report as it now is and
	// whether the caller holds it.
	ClaimReport(ctx context.Context, id, moderator string, lease time.Duration) (*report.Report, bool, error)
	ReleaseClaim(ctx context.Context, id, moderator string) error
	// DecideReport records a decision on a report that is still pending and, when a lease
	// is held, held by moderator. Decided meanwhile is ErrConflict; withdrawn ErrNotFound.
	// Every decision releases the claim and clears Answered. Needs-information is not a
	// final one (the note holds the question) but sets DecidedAt like the others, so that a
	// question left unanswered does not keep the reporter's text forever: the retention
	// purge takes it after the same period, and an answer clears DecidedAt again.
	DecideReport(ctx context.Context, id, moderator string, d Decision) error
	// PurgeDecidedReports removes the raw text (the kind's fields and the follow-ups) of
	// reports decided (approved, rejected, merged, or asked a question: needs_info) before
	// cutoff; status, dates, note and alert link stay for the receipt. A purged report takes
	// no follow-up, an answer included.
	PurgeDecidedReports(ctx context.Context, cutoff time.Time) (int64, error)
	// ReportCountsByDay counts reports received since the given day, per day and kind.
	ReportCountsByDay(ctx context.Context, since time.Time) ([]DayCount, error)
	// ReportsByIdentifiers returns the reports still before a moderator (pending or
	// needs_info) whose IdentifierHMACs hold any of hmacs, each once, newest day first and
	// then by id, at most limit (1 to 100; anything else is 20). It links a repeat aggressor's
	// reports through keyed hashes, never through the values.
	ReportsByIdentifiers(ctx context.Context, hmacs []string, limit int) ([]report.Report, error)
	// AllReportIDs is for tests: the ids of every stored report.
	AllReportIDs(ctx context.Context) ([]string, error)
}

// IdentifierQuery returns hmacs without empty or repeated values, at most maxHMACs of them, and
// limit within 1 to 100 (else 20): what ReportsByIdentifiers asks an engine for.
func IdentifierQuery(hmacs []string, limit int) ([]string, int) {
	var out []string
	for _, h := range hmacs {
		if h != "" && !slices.Contains(out, h) && len(out) < maxHMACs {
			out = append(out, h)
		}
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	return out, limit
}

// maxHMACs bounds one ReportsByIdentifiers query; a report names a handful of identifiers.
const maxHMACs = 200

// Decision is a moderator's verdict on a pending report.
type Decision struct {
	Status  report.Status // approved, rejected, merged, or needs_info to ask the reporter
	Note    string        // shown to the reporter on the receipt; the question for needs_info
	AlertID string        // the alert it became or was merged into
}

// DayCount is how many records of a kind fell on one day (reports) or named one area (alerts).
type DayCount struct {
	Day   time.Time
	Kind  report.Kind
	Area  string
	Count int
}

// Publishing is the moderator actions that write several records as one: all of them or,
// where the engine has no transactions, idempotent steps in an order that never loses a push.
type Publishing interface {
	// ApproveReport publishes a as version 1, queues its fan-out, records the approval on
	// the report (which must be claimable by moderator: else ErrConflict, or ErrNotFound
	// when withdrawn, and the alert is not published) and appends entry to the audit log.
	ApproveReport(ctx context.Context, reportID, moderator string, a *report.Alert, d Decision, entry AuditEntry) error
	// MergeReport counts a report in the published alert alertID, adds areas to it and
	// records the decision and the audit entry. A retracted or missing alert is ErrConflict
	// and changes nothing.
	MergeReport(ctx context.Context, reportID, moderator, alertID string, addAreas []string, d Decision, entry AuditEntry) (*report.Alert, error)
	// RetractPublishedAlert withdraws a published alert as a new version, queues the push of
	// the retraction and appends entry to the audit log, so that no crash leaves a retracted
	// alert whose retraction never reaches the phones that showed it. A retracted alert is
	// ErrConflict, a missing one ErrNotFound; repeating a call that failed, with the same
	// entry, finishes it and returns the alert.
	RetractPublishedAlert(ctx context.Context, id string, entry AuditEntry) (*report.Alert, error)
	// EditPublishedAlert applies ch as a new version of alert id if it is still published and
	// still at fromVersion (else ErrConflict; a missing alert is ErrNotFound), queues the push
	// of the new version when repush is set, and appends entry to the audit log, so that no
	// crash leaves an edit whose push or record is lost. Repeating a call that failed, with
	// the same entry, finishes it and returns the alert.
	EditPublishedAlert(ctx context.Context, id string, fromVersion int, ch AlertChange, repush bool, entry AuditEntry) (*report.Alert, error)
	// ExtendPublishedAlert moves a published alert's expiry (not a new version: nothing is
	// pushed) and appends entry to the audit log, as one. A retracted alert is ErrConflict, a
	// missing one ErrNotFound; repeating a call with the same entry logs it once.
	ExtendPublishedAlert(ctx context.Context, id string, expires time.Time, entry AuditEntry) (*report.Alert, error)
	// DecideReportAudited is DecideReport (for the decisions that publish nothing: rejected,
	// or needs_info to ask the reporter) with entry appended to the audit log as one, so that
	// a crash never leaves a decision without the record of who made it, nor a record of a
	// decision that was not made. Repeating a call that failed, with the same entry, finishes
	// it.
	DecideReportAudited(ctx context.Context, id, moderator string, d Decision, entry AuditEntry) error
}

// Alerts is the public alerts and their moderation.
type Alerts interface {
	// CreateAlert stores a new alert. The caller sets its random id, version 1 and status.
	CreateAlert(ctx context.Context, a *report.Alert) error
	// Alert returns one alert in any status; callers decide what the public may see.
	Alert(ctx context.Context, id string) (*report.Alert, error)
	// PublishedAlerts returns published, unexpired alerts, newest first.
	PublishedAlerts(ctx context.Context, f AlertFilter) ([]report.Alert, error)
	CountPublishedAlerts(ctx context.Context) (int64, error)
	// UpdateAlert applies an edit as a new version, if the alert is still published and
	// still at fromVersion (else ErrConflict).
	UpdateAlert(ctx context.Context, id string, fromVersion int, ch AlertChange) (*report.Alert, error)
	// RetractAlert withdraws a published alert as a new version.
	RetractAlert(ctx context.Context, id string) (*report.Alert, error)
	// ExtendAlert moves a published alert's expiry; not a new version.
	ExtendAlert(ctx context.Context, id string, expires time.Time) (*report.Alert, error)
	// MergeIntoAlert counts one more report in a published alert and adds areas to it.
	MergeIntoAlert(ctx context.Context, id string, addAreas []string) (*report.Alert, error)
	// ModerationAlerts returns one page of a list (AlertsActive, AlertsExpired or
	// AlertsRetracted), most recently updated first.
	ModerationAlerts(ctx context.Context, list string, kind report.Kind, skip, limit int) ([]report.Alert, error)
	// AlertsByIdentifier returns the published, unexpired bad-date alerts holding a
	// checkable identifier with this HMAC, newest first, at most 50.
	AlertsByIdentifier(ctx context.Context, hmac string) ([]report.Alert, error)
	// AlertCountsByDay counts alerts published since the given time per publication day,
	// kind and area; an alert for two areas counts once in each.
	AlertCountsByDay(ctx context.Context, since time.Time) ([]DayCount, error)
	// AlertsWithIdentifiers returns the alerts of any status holding at least one identifier,
	// in id order after afterID, at most limit (1 to 500; anything else is 100): a walk in
	// pages for an upgrade that rewrites identifiers.
	AlertsWithIdentifiers(ctx context.Context, afterID string, limit int) ([]report.Alert, error)
	// ReplaceAlertIdentifiers stores new identifiers for each alert listed, in place of the
	// ones it has: not a new version, as nothing the public reads changes in meaning. The
	// alerts of one call are written together where the engine can; each alert is one
	// write, so a call repeated after a crash finishes the job. Missing alerts are skipped.
	ReplaceAlertIdentifiers(ctx context.Context, changes []AlertIdentifiers) error
}

// AlertIdentifiers is the identifiers one alert is to hold (ReplaceAlertIdentifiers).
type AlertIdentifiers struct {
	AlertID     string
	Identifiers []report.Identifier
}

// WalkLimit is limit within 1 to 500, else 100: the page size of AlertsWithIdentifiers.
func WalkLimit(limit int) int {
	if limit <= 0 || limit > 500 {
		return 100
	}
	return limit
}

// AlertFilter selects public alerts. The zero value is every published, unexpired alert.
type AlertFilter struct {
	Kind  report.Kind
	Area  string
	Since time.Time
	// After continues a listing after the alert with this publish time and id (newest first).
	AfterPublished time.Time
	AfterID        string
	Limit          int // 1 to 100; anything else is 20
}

// AlertChange is a moderator's edit of an alert's public content. It is the full new content,
// not a patch: nil Details or Texts leave the alert without them, so an edit form sends every
// part it shows, unchanged ones included.
type AlertChange struct {
	Title    string
	Body     string
	Severity report.Severity
	Areas    []string
	Expires  time.Time
	Details  []report.Detail
	Texts    []report.Translation
}

// Alert lists for moderators.
const (
	AlertsActive    = "active"
	AlertsExpired   = "expired"
	AlertsRetracted = "retracted"
)

// Subscriptions is the browsers that receive pushes.
type Subscriptions interface {
	// SaveSubscription stores sub under SubscriptionID(sub.Endpoint), replacing the record a
	// browser made when it subscribed before. It returns the id.
	SaveSubscription(ctx context.Context, sub *Subscription) (string, error)
	// InsertSubscriptions adds many new subscriptions at once, for seeding and benchmarks.
	// Each id is set from its endpoint and MinRank from MinSeverity.
	InsertSubscriptions(ctx context.Context, subs []Subscription) error
	Subscription(ctx context.Context, id string) (*Subscription, error)
	// UpdateSubscription replaces what subscription id receives, and its keys, if tokenHash
	// is still the stored one (else ErrNotFound).
	UpdateSubscription(ctx context.Context, id, tokenHash string, sub *Subscription) error
	// DeleteSubscription removes subscription id if tokenHash is still its token's.
	DeleteSubscription(ctx context.Context, id, tokenHash string) error
	// DeleteGoneSubscription removes the subscription of endpoint after its push service
	// said 404/410; a browser that renewed since has a different endpoint and id.
	DeleteGoneSubscription(ctx context.Context, endpoint string) (bool, error)
	// MatchingSubscriptionsTotal counts the subscriptions an alert goes to, for progress
	// pages; ok is false when the engine cannot count cheaply.
	MatchingSubscriptionsTotal(ctx context.Context, m SubscriptionMatch) (n int64, ok bool, err error)
	// WalkSubscriptions starts or resumes a walk, in id order, over the subscriptions
	// matching m, after pos.After.
	WalkSubscriptions(ctx context.Context, m SubscriptionMatch, pos WalkPosition) (SubscriptionWalk, error)
}

// SubscriptionWalk streams the subscriptions an alert goes to, a batch at a time.
type SubscriptionWalk interface {
	// Next returns up to n more subscriptions; none means the walk is complete.
	Next(ctx context.Context, n int) ([]Subscription, error)
	Close(ctx context.Context)
}

// Subscription is one browser's push subscription and what it wants to receive. It holds no
// account, address or time: only what a push needs. The token that lets its owner change it is
// kept as a hash.
type Subscription struct {
	ID       string `bson:"_id" json:"id"`
	Endpoint string `bson:"endpoint" json:"endpoint"`
	P256dh   string `bson:"p256dh" json:"p256dh"`
	Auth     string `bson:"auth" json:"auth"`
	// TokenHash is the SHA-256 of the bearer token, hex; the token itself is shown only once.
	TokenHash   string          `bson:"token_hash" json:"token_hash"`
	Kinds       []report.Kind   `bson:"kinds" json:"kinds"`
	Areas       []string        `bson:"areas" json:"areas"`
	MinSeverity report.Severity `bson:"min_severity" json:"min_severity"`
	// MinRank is MinSeverity.Rank(), stored so that matching is a number comparison.
	MinRank  int    `bson:"min_rank" json:"min_rank"`
	Discreet bool   `bson:"discreet" json:"discreet"`
	Lang     string `bson:"lang" json:"lang"`
}

// SubscriptionMatch selects the subscriptions an alert goes to: those wanting its kind, in at
// least one of its areas, whose minimum severity is at or below the alert's.
type SubscriptionMatch struct {
	Kind     report.Kind
	Areas    []string
	Severity report.Severity
}

// Matches reports whether sub is one of the subscriptions m selects; engines that filter in
// Go use it so that both engines agree.
func (m SubscriptionMatch) Matches(sub *Subscription) bool {
	if sub.MinRank > m.Severity.Rank() || !slices.Contains(sub.Kinds, m.Kind) {
		return false
	}
	return slices.ContainsFunc(sub.Areas, func(a string) bool { return slices.Contains(m.Areas, a) })
}

// WalkPosition is where a walk over subscriptions resumes: after the subscription with id
// After.
type WalkPosition struct {
	After string `bson:"after,omitempty" json:"after,omitempty"`
}

// SubscriptionID is the id of the subscription for endpoint: the first 128 bits of its SHA-256,
// URL-safe (report.ValidID accepts it). Deriving the id from the endpoint makes "subscribe
// again replaces the old record" an upsert by id, and an id always names one endpoint, so
// deleting by id after a 404/410 can never remove a renewed subscription. The endpoint is an
// unguessable capability URL, so the id is as random as a generated one and dates nothing.
func SubscriptionID(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Deliveries is the fan-out jobs.
type Deliveries interface {
	// EnqueueDelivery creates the fan-out job for an alert version. Creating the same job
	// twice is a no-op, so a double click or a retried request never pushes twice.
	EnqueueDelivery(ctx context.Context, alertID string, version int, retraction bool) error
	// DeliveriesForAlert returns the jobs of an alert, newest version first, without retries.
	DeliveriesForAlert(ctx context.Context, alertID string) ([]Delivery, error)
	Delivery(ctx context.Context, id string) (*Delivery, error)
	// ClaimDelivery gives owner the oldest job that is due and that nobody holds a live
	// lease on, with a lease until now+lease; ErrNotFound means there is nothing to do. Of
	// several dispatchers racing for one job, exactly one wins each claim. The first claim
	// sets Started, which later claims keep, so a takeover does not restart the job's clock.
	ClaimDelivery(ctx context.Context, owner string, lease time.Duration) (*Delivery, error)
	// DeliveryClaims returns the claim records of a job, oldest epoch first.
	DeliveryClaims(ctx context.Context, job string) ([]DeliveryClaim, error)
	// RenewDeliveryLease extends owner's lease; ErrLeaseLost if owner no longer holds it.
	RenewDeliveryLease(ctx context.Context, id, owner string, lease time.Duration) error
	// SaveDeliveryProgress writes d's position, counters, retries, state, due time, note and
	// times if owner still holds the lease (else ErrLeaseLost). With leaseUntil zero it also
	// releases the lease.
	SaveDeliveryProgress(ctx context.Context, owner string, d *Delivery, leaseUntil time.Time) error
}

// Delivery states.
const (
	DeliveryQueued  = "queued"  // waiting for a dispatcher
	DeliveryRunning = "running" // claimed at least once; more to send or retries pending
	DeliveryDone    = "done"    // finished: every matching subscription was tried
)

// Delivery is one fan-out job: pushing one version of one alert to every matching subscription.
// A dispatcher claims it with a lease and checkpoints its position and counters per batch, so a
// crash resumes from the last batch and a lapsed lease is taken over by another process.
type Delivery struct {
	ID           string    `bson:"_id" json:"id"` // alert id + "." + version: one job per alert version
	AlertID      string    `bson:"alert_id" json:"alert_id"`
	AlertVersion int       `bson:"alert_version" json:"alert_version"`
	Retraction   bool      `bson:"retraction,omitempty" json:"retraction,omitempty"`
	Created      time.Time `bson:"created" json:"created"`
	State        string    `bson:"state" json:"state"`
	// Due is when the job may next be worked: now, or the next pending retry.
	Due time.Time `bson:"due" json:"due"`
	// LeaseOwner is the dispatcher working the job until LeaseUntil; a zero LeaseUntil or
	// one in the past means nobody is.
	LeaseOwner string    `bson:"lease_owner" json:"lease_owner"`
	LeaseUntil time.Time `bson:"lease_until" json:"lease_until"`
	// Claims counts how often a dispatcher took the job; more than one means it was resumed.
	Claims   int       `bson:"claims" json:"claims"`
	Started  time.Time `bson:"started,omitempty" json:"started"`
	Finished time.Time `bson:"finished,omitempty" json:"finished"`
	// Note says why a job ended without sending everything (superseded, expired, alert gone).
	Note string `bson:"note,omitempty" json:"note,omitempty"`

	// Position is where the walk over subscriptions resumes; Walked is set when it is
	// complete and only retries remain.
	Position WalkPosition `bson:"position" json:"position"`
	Walked   bool         `bson:"walked" json:"walked"`

	// Progress, written once per batch. Total is the number of matching subscriptions, -1
	// while unknown.
	Total    int64 `bson:"total" json:"total"`
	Queued   int64 `bson:"queued" json:"queued"`     // matching subscriptions not tried yet
	Sent     int64 `bson:"sent" json:"sent"`         // accepted by the push service (201)
	Gone     int64 `bson:"gone" json:"gone"`         // 404/410: subscription deleted
	Failed   int64 `bson:"failed" json:"failed"`     // refused for good or out of time
	Retrying int64 `bson:"retrying" json:"retrying"` // waiting to be tried again
	// Reached counts subscriptions the walk reached, whatever their outcome.
	Reached int64 `bson:"reached" json:"reached"`
	// Retries are the pushes waiting to be tried again; bounded by the dispatcher, and part
	// of every checkpoint so that a crash does not lose them.
	Retries []DeliveryRetry `bson:"retries,omitempty" json:"retries,omitempty"`
}

// DeliveryRetry is one push waiting for another try. It carries what sending needs, so that a
// retry does not look the subscription up again.
type DeliveryRetry struct {
	SubscriptionID string    `bson:"id" json:"id"`
	Endpoint       string    `bson:"endpoint" json:"endpoint"`
	P256dh         string    `bson:"p256dh" json:"p256dh"`
	Auth           string    `bson:"auth" json:"auth"`
	Lang           string    `bson:"lang" json:"lang"`
	Discreet       bool      `bson:"discreet" json:"discreet"`
	Attempts       int       `bson:"attempts" json:"attempts"`
	Next           time.Time `bson:"next" json:"next"`
}

// Done is how many subscriptions have a final outcome.
func (d *Delivery) Done() int64 { return d.Sent + d.Gone + d.Failed }

// Percent is the share of matching subscriptions with a final outcome, 0 to 100, or -1 while
// the total is unknown.
func (d *Delivery) Percent() int {
	switch {
	case d.State == DeliveryDone:
		return 100
	case d.Total < 0:
		return -1
	case d.Total == 0:
		return 0
	}
	return int(min(100, d.Done()*100/d.Total))
}

// DeliveryClaim records that owner took a job for one epoch (the job's claim number).
type DeliveryClaim struct {
	ID    string    `bson:"_id" json:"id"` // "<job>#<epoch>"
	Job   string    `bson:"job" json:"job"`
	Epoch int       `bson:"epoch" json:"epoch"`
	Owner string    `bson:"owner" json:"owner"`
	At    time.Time `bson:"at" json:"at"`
}

// Moderators is the accounts of the people who review reports.
type Moderators interface {
	// CreateModerator stores a new account; a taken name is ErrExists.
	CreateModerator(ctx context.Context, m *Moderator) error
	Moderator(ctx context.Context, id string) (*Moderator, error)
	ModeratorByName(ctx context.Context, name string) (*Moderator, error)
	// Moderators returns every account, by name.
	Moderators(ctx context.Context) ([]Moderator, error)
	CountModerators(ctx context.Context) (int64, error)
	SetModeratorDisabled(ctx context.Context, id string, disabled bool) error
	// ResetModerator gives an account a new one-time password and forgets its TOTP secret,
	// failures and lock.
	ResetModerator(ctx context.Context, id, passwordHash string) error
	// SetPassword stores a password the moderator chose, ending the one-time password.
	SetPassword(ctx context.Context, id, passwordHash string) error
	// SetTOTPSecret stores the secret being enrolled, not yet enrolled.
	SetTOTPSecret(ctx context.Context, id, secret string) error
	// EnrolTOTP marks the stored secret confirmed at the confirming code's step.
	EnrolTOTP(ctx context.Context, id string, step int64) error
	// UseTOTPStep records that the code of step was used, if no code of that step or a later
	// one was used before; atomic, so two racing requests cannot both succeed.
	UseTOTPStep(ctx context.Context, id string, step int64) (bool, error)
	// RecordFailedSignIn counts a failed attempt and returns the new count; lockFor says how
	// long the account is then locked (zero for not at all).
	RecordFailedSignIn(ctx context.Context, id string, lockFor func(failures int) time.Duration) (int, error)
	// RecordSignIn clears the failure count and lock after a complete sign-in.
	RecordSignIn(ctx context.Context, id string) error
}

// Moderator roles. Admins can do everything moderators do, plus accounts, audit and statistics.
// Outreach staff sign in the same way but can only file reports on someone's behalf: they never
// see the queue, the reports or the alerts.
const (
	RoleModerator = "moderator"
	RoleAdmin     = "admin"
	RoleOutreach  = "outreach"
)

// Moderator is an account of someone who reviews reports. The password is stored only as an
// argon2id hash; the TOTP secret has to be kept readable to verify codes.
type Moderator struct {
	ID           string `bson:"_id" json:"id"`
	Name         string `bson:"name" json:"name"`
	Role         string `bson:"role" json:"role"`
	PasswordHash string `bson:"password_hash" json:"password_hash"`
	// MustChangePassword is set for the one-time password an admin hands out: it opens only
	// the page that sets a real one.
	MustChangePassword bool   `bson:"must_change_password" json:"must_change_password"`
	TOTPSecret         string `bson:"totp_secret,omitempty" json:"totp_secret,omitempty"`
	TOTPEnrolled       bool   `bson:"totp_enrolled" json:"totp_enrolled"`
	// TOTPLastStep is the last 30-second step whose code was accepted: a code is good once.
	TOTPLastStep int64     `bson:"totp_last_step" json:"totp_last_step"`
	Disabled     bool      `bson:"disabled" json:"disabled"`
	Failures     int       `bson:"failures" json:"failures"`
	LockedUntil  time.Time `bson:"locked_until,omitempty" json:"locked_until"`
	Created      time.Time `bson:"created" json:"created"`
	LastSignIn   time.Time `bson:"last_sign_in,omitempty" json:"last_sign_in"`
}

// Sessions is the signed-in browsers of moderators.
type Sessions interface {
	CreateSession(ctx context.Context, sess *Session) error
	// Session returns the session whose token hashes to id.
	Session(ctx context.Context, id string) (*Session, error)
	// TouchSession records activity, which pushes back the idle timeout.
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteSessionsOf ends every session of an account (disabled, reset).
	DeleteSessionsOf(ctx context.Context, moderatorID string) error
	// PurgeSessions deletes sessions idle since before idleBefore or created before
	// createdBefore.
	PurgeSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)
}

// Session is a signed-in browser. Its id is the SHA-256 of the cookie's token, so a copy of the
// database cannot be replayed as a cookie.
type Session struct {
	ID          string `bson:"_id" json:"id"`
	ModeratorID string `bson:"moderator_id" json:"moderator_id"`
	// Full is false between the password and the second factor: such a session opens only
	// the remaining sign-in steps.
	Full     bool      `bson:"full" json:"full"`
	Created  time.Time `bson:"created" json:"created"`
	LastSeen time.Time `bson:"last_seen" json:"last_seen"`
}

// Audit is the append-only log of moderator actions: there is no method that changes or
// deletes an entry.
type Audit interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	// AuditLog returns entries matching f, newest first.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// AuditEntry is one moderator action. It names who did what to which record, and when; it
// never holds report text or a network address.
type AuditEntry struct {
	ID     string    `bson:"_id" json:"id"`
	Time   time.Time `bson:"time" json:"time"`
	Actor  string    `bson:"actor" json:"actor"`   // a moderator's name, or "system"
	Action string    `bson:"action" json:"action"` // sign_in, approve, …
	Target string    `bson:"target,omitempty" json:"target,omitempty"`
	Detail string    `bson:"detail,omitempty" json:"detail,omitempty"` // short and fixed-form
}

// AuditFilter selects entries; zero fields do not filter.
type AuditFilter struct {
	Actor  string
	Action string
	From   time.Time // inclusive
	To     time.Time // exclusive
	Skip   int
	Limit  int // 1 to 500; anything else is 100
}

// Settings is generated keys and secrets shared by every replica.
type Settings interface {
	// SettingOrCreate returns the stored value of key, storing value first if there is none;
	// replicas starting at once all end up with the value of whichever wrote first.
	SettingOrCreate(ctx context.Context, key, value string) (string, error)
	// Setting returns the stored value of key, or ErrNotFound.
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
}

// Challenges is the spent proofs of work.
type Challenges interface {
	// MarkSpent records that a challenge was used; false if it was already.
	MarkSpent(ctx context.Context, challenge string, expires time.Time) (bool, error)
	// PurgeSpentChallenges deletes records of challenges that have expired.
	PurgeSpentChallenges(ctx context.Context) (int64, error)
}
