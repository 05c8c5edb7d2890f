package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/headsup/headsup/store"
)

const deliveryCols = `id, alert_id, alert_version, retraction, created, state, due, lease_owner, lease_until, claims,
	started, finished, note, position, walked, total, queued, sent, gone, failed, retrying, reached, retries`

// retryJSON is a store.DeliveryRetry as kept in the retries column.
type retryJSON struct {
	SubscriptionID string `json:"id"`
	Endpoint       string `json:"endpoint"`
	P256dh         string `json:"p256dh"`
	Auth           string `json:"auth"`
	Lang           string `json:"lang"`
	Discreet       bool   `json:"discreet,omitempty"`
	Attempts       int    `json:"attempts"`
	Next           msTime `json:"next"`
}

func encodeRetries(rs []store.DeliveryRetry) (any, error) {
	out := make([]retryJSON, len(rs))
	for i, r := range rs {
		out[i] = retryJSON{SubscriptionID: r.SubscriptionID, Endpoint: r.Endpoint, P256dh: r.P256dh, Auth: r.Auth,
			Lang: r.Lang, Discreet: r.Discreet, Attempts: r.Attempts, Next: toMSTime(r.Next)}
	}
	return encodeList("retries", out)
}

// deliveryArgs are d's values in the order of deliveryCols.
func deliveryArgs(d *store.Delivery) ([]any, error) {
	pos, err := encodeText("position", d.Position)
	if err != nil {
		return nil, err
	}
	retries, err := encodeRetries(d.Retries)
	if err != nil {
		return nil, err
	}
	return []any{d.ID, d.AlertID, d.AlertVersion, boolInt(d.Retraction), ms(d.Created), d.State, ms(d.Due), d.LeaseOwner,
		ms(d.LeaseUntil), d.Claims, ms(d.Started), ms(d.Finished), d.Note, pos, boolInt(d.Walked), d.Total, d.Queued,
		d.Sent, d.Gone, d.Failed, d.Retrying, d.Reached, retries}, nil
}

func scanDelivery(sc scanner) (store.Delivery, error) {
	var d store.Delivery
	var created, due, leaseUntil, started, finished sql.NullInt64
	var pos string
	var retries sql.NullString
	if err := sc.Scan(&d.ID, &d.AlertID, &d.AlertVersion, &d.Retraction, &created, &d.State, &due, &d.LeaseOwner,
		&leaseUntil, &d.Claims, &started, &finished, &d.Note, &pos, &d.Walked, &d.Total, &d.Queued, &d.Sent, &d.Gone,
		&d.Failed, &d.Retrying, &d.Reached, &retries); err != nil {
		return d, err
	}
	d.Created, d.Due, d.LeaseUntil, d.Started, d.Finished = fromMS(created), fromMS(due), fromMS(leaseUntil), fromMS(started), fromMS(finished)
	if err := json.Unmarshal([]byte(pos), &d.Position); err != nil {
		return d, fmt.Errorf("decode delivery %s: %w", d.ID, err)
	}
	if retries.Valid {
		var rs []retryJSON
		if err := json.Unmarshal([]byte(retries.String), &rs); err != nil {
			return d, fmt.Errorf("decode delivery %s: %w", d.ID, err)
		}
		for _, r := range rs {
			d.Retries = append(d.Retries, store.DeliveryRetry{SubscriptionID: r.SubscriptionID, Endpoint: r.Endpoint,
				P256dh: r.P256dh, Auth: r.Auth, Lang: r.Lang, Discreet: r.Discreet, Attempts: r.Attempts, Next: r.Next.time()})
		}
	}
	return d, nil
}

func (c conn) delivery(ctx context.Context, id string) (*store.Delivery, error) {
	d, err := scanDelivery(c.queryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = ?`, id))
	if err != nil {
		return nil, wrapf("read delivery job", err)
	}
	return &d, nil
}

// enqueue creates the job for an alert version unless it exists.
func (c conn) enqueue(ctx context.Context, now time.Time, alertID string, version int, retraction bool) error {
	_, err := c.exec(ctx, `INSERT INTO deliveries (id, alert_id, alert_version, retraction, created, state, due, total)
		VALUES (?, ?, ?, ?, ?, ?, ?, -1) ON CONFLICT (id) DO NOTHING`,
		fmt.Sprintf("%s.%d", alertID, version), alertID, version, boolInt(retraction), ms(now), store.DeliveryQueued, ms(now))
	return wrapf("enqueue delivery", err)
}

// EnqueueDelivery creates the fan-out job for an alert version. Creating the same job twice is
// a no-op, so a moderator's double click or a retried request never pushes twice.
func (s *Store) EnqueueDelivery(ctx context.Context, alertID string, version int, retraction bool) error {
	return s.write(ctx, func(c conn) error { return c.enqueue(ctx, s.now(), alertID, version, retraction) })
}

// DeliveriesForAlert returns the jobs of an alert, newest version first, without retries.
func (s *Store) DeliveriesForAlert(ctx context.Context, alertID string) ([]store.Delivery, error) {
	ds, err := queryAll(ctx, s.read(), "list delivery jobs", scanDelivery,
		`SELECT `+deliveryCols+` FROM deliveries WHERE alert_id = ? ORDER BY alert_version DESC`, alertID)
	for i := range ds {
		ds[i].Retries = nil
	}
	return ds, err
}

// Delivery returns one job.
func (s *Store) Delivery(ctx context.Context, id string) (*store.Delivery, error) {
	return s.read().delivery(ctx, id)
}

// ClaimDelivery gives owner the oldest job that is due and that nobody holds a live lease on,
// with a lease until now+lease; a lease that lapsed because its holder crashed or hung is taken
// over. The first claim sets the job's Started. ErrNotFound means there is nothing to do.
// Finding the job, recording the claim
// "<job>#<epoch>" and taking the lease are one transaction on the single writer, so of several
// dispatchers racing for a job exactly one wins each claim.
func (s *Store) ClaimDelivery(ctx context.Context, owner string, lease time.Duration) (*store.Delivery, error) {
	now := s.now()
	var d *store.Delivery
	err := s.write(ctx, func(c conn) error {
		type candidate struct {
			id     string
			claims int
		}
		cands, err := queryAll(ctx, c, "find delivery jobs", func(sc scanner) (candidate, error) {
			var k candidate
			err := sc.Scan(&k.id, &k.claims)
			return k, err
		}, `SELECT id, claims FROM deliveries
			WHERE state IN ('queued', 'running') AND due <= ? AND (lease_until IS NULL OR lease_until < ?)
			ORDER BY due, id LIMIT 8`, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		// A claim record ahead of the job's count is left by a claim that was not completed
		// (a MongoDB dispatcher that crashed before taking the job, carried over by a
		// migration): skip past it as that engine does.
		id, epoch := "", 0
		for _, k := range cands {
			for e := k.claims + 1; e <= k.claims+3 && epoch == 0; e++ {
				n, err := c.execN(ctx, `INSERT INTO delivery_claims (id, job, epoch, owner, at) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (id) DO NOTHING`, fmt.Sprintf("%s#%d", k.id, e), k.id, e, owner, ms(now))
				if err != nil {
					return wrapf("claim delivery job", err)
				}
				if n == 1 {
					id, epoch = k.id, e
				}
			}
			if epoch != 0 {
				break
			}
		}
		if epoch == 0 {
			return store.ErrNotFound
		}
		// The first claim is the job's start; a takeover keeps it.
		if _, err := c.exec(ctx, `UPDATE deliveries SET state = ?, lease_owner = ?, lease_until = ?, claims = ?,
			started = COALESCE(started, ?) WHERE id = ?`,
			store.DeliveryRunning, owner, ms(now.Add(lease)), epoch, ms(now), id); err != nil {
			return wrapf("claim delivery job", err)
		}
		d, err = c.delivery(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// DeliveryClaims returns the claim records of a job, oldest epoch first: who worked it when.
func (s *Store) DeliveryClaims(ctx context.Context, job string) ([]store.DeliveryClaim, error) {
	return queryAll(ctx, s.read(), "list delivery claims", scanClaim,
		`SELECT id, job, epoch, owner, at FROM delivery_claims WHERE job = ? ORDER BY epoch`, job)
}

func scanClaim(sc scanner) (store.DeliveryClaim, error) {
	var cl store.DeliveryClaim
	var at sql.NullInt64
	err := sc.Scan(&cl.ID, &cl.Job, &cl.Epoch, &cl.Owner, &at)
	cl.At = fromMS(at)
	return cl, err
}

// RenewDeliveryLease extends owner's lease on job id; ErrLeaseLost if owner no longer holds it.
func (s *Store) RenewDeliveryLease(ctx context.Context, id, owner string, lease time.Duration) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.execN(ctx, `UPDATE deliveries SET lease_until = ? WHERE id = ? AND lease_owner = ?`,
			ms(s.now().Add(lease)), id, owner)
		if err != nil {
			return wrapf("renew delivery lease", err)
		}
		if n == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
}

// SaveDeliveryProgress writes d's position, counters, retries, state, due time, note and times
// if owner still holds the lease (otherwise ErrLeaseLost: a stale dispatcher never overwrites
// the checkpoints of the one that took over). With leaseUntil zero it also releases the lease.
func (s *Store) SaveDeliveryProgress(ctx context.Context, owner string, d *store.Delivery, leaseUntil time.Time) error {
	pos, err := encodeText("position", d.Position)
	if err != nil {
		return err
	}
	retries, err := encodeRetries(d.Retries)
	if err != nil {
		return err
	}
	return s.write(ctx, func(c conn) error {
		n, err := c.execN(ctx, `UPDATE deliveries SET state = ?, due = ?, lease_until = ?,
			lease_owner = CASE WHEN ? THEN '' ELSE lease_owner END,
			position = ?, walked = ?, total = ?, queued = ?, sent = ?, gone = ?, failed = ?, retrying = ?, reached = ?,
			retries = ?, note = ?, started = ?, finished = ?
			WHERE id = ? AND lease_owner = ?`,
			d.State, ms(d.Due), ms(leaseUntil), boolInt(leaseUntil.IsZero()),
			pos, boolInt(d.Walked), d.Total, d.Queued, d.Sent, d.Gone, d.Failed, int64(len(d.Retries)), d.Reached,
			retries, d.Note, ms(d.Started), ms(d.Finished), d.ID, owner)
		if err != nil {
			return wrapf("save delivery progress", err)
		}
		if n == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
}
