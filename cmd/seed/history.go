package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// plan is what to write: how many records of each kind, over how long.
type plan struct {
	alerts, current, decided, pending, audit, subscriptions int
	years                                                   float64
	retentionDays                                           int

	admin, adminPassword, adminTOTP string
	knownPhone                      string
	randSeed                        uint64
}

// history makes the records of one plan. Records refer to each other as they would in a real
// database (an approved report names its alert, an audit entry its report), so the generators
// run in order and remember the ids the later ones point to.
type history struct {
	p     *plan
	now   time.Time
	span  time.Duration
	r     *rand.Rand
	areas []string

	// idKey is the server's identifier key, so that /check finds the seeded identifiers.
	idKey []byte
	// receiptKey hashes the receipts. It is random and thrown away: nobody will look the
	// seeded reports up by receipt, but their stored hashes have the real form and size.
	receiptKey []byte
	knownPhone string // normalised

	alertRefs  []alertRef
	pastRefs   []alertRef // the leading part of alertRefs that is in publication order
	reportIDs  []string
	moderators []store.Moderator
	p256dh     []string
}

// alertRef is what reports and audit entries need to know about an alert made before them.
type alertRef struct {
	id        string
	kind      report.Kind
	published time.Time
}

const (
	day  = 24 * time.Hour
	year = 365*day + 6*time.Hour
)

func newHistory(ctx context.Context, st store.Store, p *plan) (*history, error) {
	known, err := report.NormalizeIdentifier(report.IdentifierPhone, p.knownPhone)
	if err != nil {
		return nil, fmt.Errorf("-known-phone %q is not a phone number", p.knownPhone)
	}
	// The same setting and the same form of value as the server creates at its first start,
	// so whichever of the two comes first, both hash identifiers with one key.
	key, err := st.SettingOrCreate(ctx, "identifier_hmac_key", randomHex(32))
	if err != nil {
		return nil, fmt.Errorf("identifier key: %w", err)
	}
	h := &history{
		p:          p,
		now:        time.Now().UTC(),
		span:       time.Duration(p.years * float64(year)),
		r:          rand.New(rand.NewPCG(p.randSeed, 0x5eed)),
		idKey:      []byte(key),
		receiptKey: []byte(randomHex(32)),
		knownPhone: known,
	}
	for _, a := range report.DefaultAreas() {
		h.areas = append(h.areas, a.Code)
	}
	h.moderators = h.makeModerators()
	if h.p256dh, err = publicKeyPool(256); err != nil {
		return nil, err
	}
	return h, nil
}

// collections lists what to write, in an order where every record is written after the ones
// it refers to.
func (h *history) collections() []collection {
	i, j, k := 0, 0, 0
	mods := h.moderators
	return []collection{
		{store.ColModerators, len(mods), func() (any, string) { m := &mods[0]; mods = mods[1:]; return m, m.ID }},
		{store.ColAlerts, h.p.alerts, func() (any, string) { i++; a := h.alert(i - 1); return a, a.ID }},
		{store.ColReports, h.p.decided + h.p.pending, func() (any, string) { j++; r := h.report(j - 1); return r, r.ID }},
		{store.ColAudit, h.p.audit, func() (any, string) { k++; e := h.auditEntry(k - 1); return e, e.ID }},
		{store.ColSubscriptions, h.p.subscriptions, func() (any, string) { s := h.subscription(); return s, s.ID }},
	}
}

// at returns the time of the i-th of n records spread evenly over the span, in order, with
// some jitter, and at least minAge ago. Records are written in time order, as a service writes
// them, which also keeps the inserts into every time index at the end of it.
func (h *history) at(i, n int, minAge time.Duration) time.Time {
	step := float64(h.span) / float64(max(n, 1))
	t := h.now.Add(-h.span).Add(time.Duration((float64(i) + h.r.Float64()) * step))
	return earlier(t, h.now.Add(-minAge))
}

// between returns a random duration in [lo, hi); hi <= lo gives lo.
func (h *history) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(h.r.Int64N(int64(hi-lo)))
}

// pick returns one of options, the i-th with probability weights[i]/sum(weights).
func pick[T any](r *rand.Rand, options []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return options[i]
		}
		n -= w
	}
	return options[len(options)-1]
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (h *history) someAreas() []string {
	n := pick(h.r, []int{1, 2, 3}, []int{60, 30, 10})
	out := make([]string, 0, n)
	for _, i := range h.r.Perm(len(h.areas))[:n] {
		out = append(out, h.areas[i])
	}
	return out
}

func (h *history) kind() report.Kind {
	return pick(h.r, []report.Kind{report.BadDate, report.DrugAlert}, []int{55, 45})
}

// alert makes the i-th alert. Alerts come in publication order, as a service writes them:
// first the past ones, spread over the span, which have expired or been retracted since, then
// the p.current ones that are still up. The first current one is a bad date naming the known
// phone, which the three oldest past bad dates name too, as a client who comes back does.
func (h *history) alert(i int) *report.Alert {
	past := h.p.alerts - h.p.current
	current := i >= past
	kind := h.kind()
	if i == past {
		kind = report.BadDate
	}
	lifetime := report.DefaultExpiry(kind)
	var published, expires time.Time
	if current {
		published = h.now.Add(-h.between(time.Hour, lifetime-day))
		expires = published.Add(lifetime)
	} else {
		published = h.at(i, past, 2*time.Hour)
		expires = published.Add(lifetime)
		if !expires.Before(h.now) {
			// Recent but no longer current: the moderator gave it a shorter life.
			expires = published.Add(h.between(time.Hour, h.now.Sub(published)-time.Minute))
		}
	}
	a := &report.Alert{
		ID: report.NewID(), Version: 1, Kind: kind, Areas: h.someAreas(),
		IncidentDay: report.Day(published.Add(-h.between(0, 4*day))),
		Published:   published, Updated: published, Expires: expires,
		Status: report.AlertPublished, ReportCount: 1,
	}
	if h.r.IntN(3) > 0 {
		a.TimeBand = report.TimeBands()[h.r.IntN(len(report.TimeBands()))]
	}
	if h.r.IntN(100) < 15 {
		a.ReportCount += 1 + h.r.IntN(3)
	}
	switch x := h.r.IntN(100); {
	case !current && x < 3:
		a.Status, a.Version = report.AlertRetracted, a.Version+1
		a.Updated = published.Add(h.between(time.Minute, expires.Sub(published)))
	case x < 10:
		a.Version++
		a.Updated = published.Add(h.between(time.Minute, earlier(expires, h.now).Sub(published)))
	}
	if kind == report.BadDate {
		a.Severity = pick(h.r, report.Severities, []int{15, 45, 40})
		a.Title, a.Body = h.badDateText(a.Areas[0])
		if h.r.IntN(100) < 40 || i == past {
			a.Identifiers = h.identifiers()
		}
		if i == past || i < 3 {
			a.Identifiers = append(a.Identifiers, h.identifier(report.IdentifierPhone, h.knownPhone))
		}
	} else {
		a.Severity = pick(h.r, report.Severities, []int{10, 40, 50})
		a.Title, a.Body = h.drugText(a.Areas[0])
	}
	h.alertRefs = append(h.alertRefs, alertRef{id: a.ID, kind: kind, published: published})
	if !current {
		h.pastRefs = h.alertRefs
	}
	return a
}

// identifiers makes the checkable identifiers a moderator kept from a bad-date report: a phone
// number mostly, sometimes a plate, as moderation's approve form stores them.
func (h *history) identifiers() []report.Identifier {
	var ids []report.Identifier
	if h.r.IntN(100) < 80 {
		ids = append(ids, h.identifier(report.IdentifierPhone, h.phone()))
	}
	if len(ids) == 0 || h.r.IntN(100) < 35 {
		ids = append(ids, h.identifier(report.IdentifierPlate, h.plate()))
	}
	return ids
}

func (h *history) identifier(typ, raw string) report.Identifier {
	n, err := report.NormalizeIdentifier(typ, raw)
	if err != nil {
		panic(fmt.Sprintf("seed made an identifier the product refuses: %s %q: %v", typ, raw, err))
	}
	return report.Identifier{Type: typ, Value: n, HMAC: report.IdentifierHMAC(h.idKey, typ, n), Public: h.r.IntN(100) < 30}
}

// phone makes a DC-area number outside 555, so that it never collides with the known phone
// or with the miss benchmarks look up.
func (h *history) phone() string {
	area := []string{"202", "240", "301", "571", "703"}[h.r.IntN(5)]
	exchange := 200 + h.r.IntN(800)
	if exchange == 555 {
		exchange = 556
	}
	line := h.r.IntN(10000)
	switch h.r.IntN(3) {
	case 0:
		return fmt.Sprintf("(%s) %03d-%04d", area, exchange, line)
	case 1:
		return fmt.Sprintf("+1 %s %03d %04d", area, exchange, line)
	}
	return fmt.Sprintf("%s-%03d-%04d", area, exchange, line)
}

func (h *history) plate() string {
	const letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
	b := []byte{letters[h.r.IntN(len(letters))], letters[h.r.IntN(len(letters))]}
	return fmt.Sprintf("%s %04d", b, h.r.IntN(10000))
}

// report makes the i-th report: first the decided ones, then the pending queue.
func (h *history) report(i int) *report.Report {
	r := &report.Report{ID: report.NewID(), ReceiptHash: h.receiptHash(), Verified: h.r.IntN(100) < 90}
	h.reportIDs = append(h.reportIDs, r.ID)
	if i >= h.p.decided {
		r.Status = report.StatusPending
		r.Kind = h.kind()
		submitted := h.now.Add(-h.between(0, 21*day))
		r.SubmittedDay = report.Day(submitted)
		h.fill(r, submitted)
		return r
	}
	status := pick(h.r, []report.Status{report.StatusApproved, report.StatusRejected, report.StatusMerged}, []int{55, 30, 15})
	submitted := h.at(i, h.p.decided, 3*time.Hour)
	// The past alert published next after the report came in is the one it became; the one
	// published last before, the one it was merged into.
	next := sort.Search(len(h.pastRefs), func(j int) bool { return !h.pastRefs[j].published.Before(submitted) })
	var decided time.Time
	switch {
	case status == report.StatusApproved && next < len(h.pastRefs):
		ref := h.pastRefs[next]
		r.Kind, r.AlertID, r.Note = ref.kind, ref.id, noteApproved
		decided = ref.published // approving publishes the alert
	case status == report.StatusMerged && next > 0:
		ref := h.pastRefs[next-1]
		r.Kind, r.AlertID, r.Note = ref.kind, ref.id, noteMerged
		decided = submitted.Add(h.between(time.Hour, 2*day))
	default:
		status = report.StatusRejected
		r.Kind = h.kind()
		r.Note = rejectNotes[h.r.IntN(len(rejectNotes))]
		decided = submitted.Add(h.between(time.Hour, 2*day))
	}
	// Nothing is decided in the future or in the hour before the seed runs.
	decided = earlier(decided, h.now.Add(-time.Hour))
	submitted = earlier(submitted, decided)
	r.Status, r.SubmittedDay, r.DecidedAt = status, report.Day(submitted), decided
	// Text is purged once retention has passed since the decision; the seeded ones are those
	// the hourly purge already handled, so a server started on the seed has nothing to purge.
	if decided.Before(h.now.Add(-time.Duration(h.p.retentionDays) * day).Add(time.Hour)) {
		r.Purged = true
		return r
	}
	h.fill(r, submitted)
	return r
}

// fill gives a report the raw text a reporter wrote.
func (h *history) fill(r *report.Report, submitted time.Time) {
	c := report.Common{
		Date:    report.Day(submitted.Add(-h.between(0, 5*day))).Format(report.DateLayout),
		Area:    h.areas[h.r.IntN(len(h.areas))],
		Details: h.details(r.Kind),
	}
	if h.r.IntN(3) > 0 {
		c.TimeBand = report.TimeBands()[h.r.IntN(len(report.TimeBands()))]
	}
	if h.r.IntN(2) == 0 {
		c.Location = locations[h.r.IntN(len(locations))]
	}
	if r.Kind == report.BadDate {
		r.BadDate = h.badDateFields(c)
	} else {
		r.DrugAlert = h.drugFields(c)
	}
	if h.r.IntN(100) < 5 {
		r.Followups = []report.Followup{{Day: report.Day(submitted.Add(h.between(0, 3*day))), Text: followups[h.r.IntN(len(followups))]}}
	}
}

// receiptHash hashes a fresh receipt code as the API stores it: HMAC-SHA256 of its 24
// canonical characters.
func (h *history) receiptHash() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var code [24]byte
	for i := range code {
		code[i] = alphabet[h.r.IntN(len(alphabet))]
	}
	m := hmac.New(sha256.New, h.receiptKey)
	m.Write(code[:])
	return hex.EncodeToString(m.Sum(nil))
}
