// Package alertcache keeps the alerts the public can see in memory, so that the home page, the
// alert pages and the feeds cost no database round trip per request. Right after a bad-batch
// alert is pushed to thousands of phones, hundreds open the site in the same minute; those reads
// all ask for the same few current alerts.
//
// The cache wraps a store.Store and answers PublishedAlerts and Alert from a snapshot of every
// published, unexpired alert, reloaded at most every TTL. A change made through the wrapper
// (approve, merge, edit, retract, extend) drops the snapshot at once; a change made by another
// replica is seen within one TTL, which keeps "retracted means gone within seconds" across
// replicas without any shared invalidation channel. Expiry is checked at every read against the
// clock, so an alert leaves the feed at its expiry instant whatever the snapshot's age.
package alertcache

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// DefaultTTL is how stale a snapshot may get before the next read reloads it.
const DefaultTTL = 2 * time.Second

// maxActive bounds the snapshot. An organisation with more current alerts than this is served
// straight from the database, which is indexed for it, rather than holding an unbounded copy.
const maxActive = 2000

// Store is a store.Store whose public alert reads come from memory.
type Store struct {
	store.Store
	ttl time.Duration

	mu      sync.Mutex
	now     func() time.Time
	snap    *snapshot
	loading bool
	gen     uint64 // bumped by every local change, so a load that raced one is not kept
}

type snapshot struct {
	loaded time.Time
	alerts []report.Alert // newest first, as PublishedAlerts orders them
	byID   map[string]int
	// complete is false when there were more current alerts than maxActive.
	complete bool
}

// Wrap returns s with a cache of its current alerts; ttl zero is DefaultTTL.
func Wrap(s store.Store, ttl time.Duration) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Store{Store: s, ttl: ttl, now: time.Now}
}

// SetClock sets the clock of the wrapped store and of the cache's expiry checks.
func (c *Store) SetClock(now func() time.Time) {
	c.mu.Lock()
	c.now = now
	c.snap = nil
	c.gen++
	c.mu.Unlock()
	c.Store.SetClock(now)
}

// Invalidate drops the snapshot; the next read reloads it.
func (c *Store) Invalidate() {
	c.mu.Lock()
	c.snap = nil
	c.gen++
	c.mu.Unlock()
}

// current returns a usable snapshot and the time to check expiry against, or nil when the
// reads must go to the database.
func (c *Store) current(ctx context.Context) (*snapshot, time.Time) {
	c.mu.Lock()
	now := c.now()
	snap := c.snap
	fresh := snap != nil && now.Sub(snap.loaded) < c.ttl && !now.Before(snap.loaded)
	if fresh || (snap != nil && c.loading) {
		// A reload is under way: serve the previous snapshot rather than queue behind it.
		c.mu.Unlock()
		return usable(snap), now
	}
	if c.loading {
		c.mu.Unlock()
		return nil, now
	}
	c.loading = true
	gen := c.gen
	c.mu.Unlock()

	loaded, err := c.load(ctx, now)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.loading = false
	if err != nil {
		return nil, now
	}
	if gen == c.gen {
		c.snap = loaded
	}
	return usable(loaded), now
}

func usable(s *snapshot) *snapshot {
	if s == nil || !s.complete {
		return nil
	}
	return s
}

// load reads every current alert, newest first, a page at a time.
func (c *Store) load(ctx context.Context, now time.Time) (*snapshot, error) {
	snap := &snapshot{loaded: now, byID: map[string]int{}, complete: true}
	f := store.AlertFilter{Limit: 100}
	for {
		page, err := c.Store.PublishedAlerts(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			snap.byID[a.ID] = len(snap.alerts)
			snap.alerts = append(snap.alerts, a)
		}
		if len(page) < f.Limit {
			return snap, nil
		}
		if len(snap.alerts) >= maxActive {
			snap.complete = false
			return snap, nil
		}
		last := page[len(page)-1]
		f.AfterPublished, f.AfterID = last.Published, last.ID
	}
}

// PublishedAlerts answers from the snapshot with the same filters, order and limits as the
// engines.
func (c *Store) PublishedAlerts(ctx context.Context, f store.AlertFilter) ([]report.Alert, error) {
	snap, now := c.current(ctx)
	if snap == nil {
		return c.Store.PublishedAlerts(ctx, f)
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	out := []report.Alert{}
	for _, a := range snap.alerts {
		if len(out) == limit {
			break
		}
		if !a.Expires.After(now) || (f.Kind != "" && a.Kind != f.Kind) ||
			(f.Area != "" && !slices.Contains(a.Areas, f.Area)) ||
			(!f.Since.IsZero() && a.Published.Before(f.Since)) {
			continue
		}
		if f.AfterID != "" && !(a.Published.Before(f.AfterPublished) ||
			(a.Published.Equal(f.AfterPublished) && a.ID < f.AfterID)) {
			continue
		}
		out = append(out, clone(a))
	}
	return out, nil
}

// Alert answers a current alert from the snapshot; anything else (retracted, expired,
// unknown) is read from the database, which is one lookup by primary key.
func (c *Store) Alert(ctx context.Context, id string) (*report.Alert, error) {
	if snap, now := c.current(ctx); snap != nil {
		if i, ok := snap.byID[id]; ok && snap.alerts[i].Expires.After(now) {
			a := clone(snap.alerts[i])
			return &a, nil
		}
	}
	return c.Store.Alert(ctx, id)
}

// clone copies the slices a caller might change, so that no caller can alter the snapshot.
func clone(a report.Alert) report.Alert {
	a.Areas = slices.Clone(a.Areas)
	a.Identifiers = slices.Clone(a.Identifiers)
	a.Texts = slices.Clone(a.Texts)
	if a.Details != nil {
		a.Details = slices.Clone(a.Details)
		for i := range a.Details {
			a.Details[i].Codes = slices.Clone(a.Details[i].Codes)
		}
	}
	return a
}

// The writes below change what the public sees; each drops the snapshot after it is done.

// CreateAlert stores a new alert and drops the snapshot.
func (c *Store) CreateAlert(ctx context.Context, a *report.Alert) error {
	defer c.Invalidate()
	return c.Store.CreateAlert(ctx, a)
}

// UpdateAlert edits an alert and drops the snapshot.
func (c *Store) UpdateAlert(ctx context.Context, id string, fromVersion int, ch store.AlertChange) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.UpdateAlert(ctx, id, fromVersion, ch)
}

// RetractAlert retracts an alert and drops the snapshot.
func (c *Store) RetractAlert(ctx context.Context, id string) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.RetractAlert(ctx, id)
}

// RetractPublishedAlert retracts an alert, queues its retraction and drops the snapshot.
func (c *Store) RetractPublishedAlert(ctx context.Context, id string, entry store.AuditEntry) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.RetractPublishedAlert(ctx, id, entry)
}

// ExtendAlert moves an alert's expiry and drops the snapshot.
func (c *Store) ExtendAlert(ctx context.Context, id string, expires time.Time) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.ExtendAlert(ctx, id, expires)
}

// MergeIntoAlert counts a report in an alert and drops the snapshot.
func (c *Store) MergeIntoAlert(ctx context.Context, id string, addAreas []string) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.MergeIntoAlert(ctx, id, addAreas)
}

// ApproveReport publishes an alert and drops the snapshot.
func (c *Store) ApproveReport(ctx context.Context, reportID, moderator string, a *report.Alert, d store.Decision, entry store.AuditEntry) error {
	defer c.Invalidate()
	return c.Store.ApproveReport(ctx, reportID, moderator, a, d, entry)
}

// MergeReport merges a report into an alert and drops the snapshot.
func (c *Store) MergeReport(ctx context.Context, reportID, moderator, alertID string, addAreas []string, d store.Decision, entry store.AuditEntry) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.MergeReport(ctx, reportID, moderator, alertID, addAreas, d, entry)
}

// EditPublishedAlert edits an alert, queues its push if asked and drops the snapshot.
func (c *Store) EditPublishedAlert(ctx context.Context, id string, fromVersion int, ch store.AlertChange, repush bool, entry store.AuditEntry) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.EditPublishedAlert(ctx, id, fromVersion, ch, repush, entry)
}

// ExtendPublishedAlert moves an alert's expiry and drops the snapshot.
func (c *Store) ExtendPublishedAlert(ctx context.Context, id string, expires time.Time, entry store.AuditEntry) (*report.Alert, error) {
	defer c.Invalidate()
	return c.Store.ExtendPublishedAlert(ctx, id, expires, entry)
}

// ReplaceAlertIdentifiers rewrites alerts' identifiers (an upgrade) and drops the snapshot.
func (c *Store) ReplaceAlertIdentifiers(ctx context.Context, changes []store.AlertIdentifiers) error {
	defer c.Invalidate()
	return c.Store.ReplaceAlertIdentifiers(ctx, changes)
}

// Load writes records (imports, migrations) and drops the snapshot.
func (c *Store) Load(ctx context.Context, collection string, records []any) error {
	defer c.Invalidate()
	return c.Store.Load(ctx, collection, records)
}

// Drop removes everything and drops the snapshot.
func (c *Store) Drop(ctx context.Context) error {
	defer c.Invalidate()
	return c.Store.Drop(ctx)
}
