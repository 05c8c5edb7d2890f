package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Delivery states.
const (
	DeliveryQueued  = "queued"  // waiting for a dispatcher
	DeliveryRunning = "running" // claimed at least once; more to send or retries pending
	DeliveryDone    = "done"    // finished: every matching subscription was tried
)

// ErrLeaseLost means another dispatcher holds the job now (this one's lease lapsed); the
// caller must stop working it.
var ErrLeaseLost = errors.New("delivery lease lost")

// Delivery is one fan-out job: pushing one version of one alert to every matching subscription.
// A dispatcher claims it with a lease and checkpoints its position and counters per batch, so a
// crash resumes from the last batch and a lapsed lease is taken over by another process.
type Delivery struct {
	ID           string    `bson:"_id"` // alert id + "." + version: one job per alert version
	AlertID      string    `bson:"alert_id"`
	AlertVersion int       `bson:"alert_version"`
	Retraction   bool      `bson:"retraction,omitempty"`
	Created      time.Time `bson:"created"`
	State        string    `bson:"state"` // DeliveryQueued, DeliveryRunning, DeliveryDone
	// Due is when the job may next be worked: now, or the next pending retry.
	Due time.Time `bson:"due"`
	// LeaseOwner is the dispatcher working the job until LeaseUntil; a zero LeaseUntil or one in
	// the past means nobody is.
	LeaseOwner string    `bson:"lease_owner"`
	LeaseUntil time.Time `bson:"lease_until"`
	// Claims counts how often a dispatcher took the job; more than one means it was resumed.
	Claims   int       `bson:"claims"`
	Started  time.Time `bson:"started,omitempty"`
	Finished time.Time `bson:"finished,omitempty"`
	// Note says why a job ended without sending everything (superseded, expired, alert gone).
	Note string `bson:"note,omitempty"`

	// Position is where the walk over subscriptions resumes; Walked is set when it is complete
	// and only retries remain.
	Position WalkPosition `bson:"position"`
	Walked   bool         `bson:"walked"`

	// Progress, written once per batch. Total is the number of matching subscriptions, -1
	// while unknown (on the embedded database it is known when the walk completes).
	Total    int64 `bson:"total"`
	Queued   int64 `bson:"queued"`   // matching subscriptions not tried yet (0 while Total is unknown)
	Sent     int64 `bson:"sent"`     // accepted by the push service (201)
	Gone     int64 `bson:"gone"`     // the push service said the subscription no longer exists; deleted
	Failed   int64 `bson:"failed"`   // refused for good (413, 401/403, other 4xx) or out of time
	Retrying int64 `bson:"retrying"` // waiting to be tried again (429, 5xx, timeouts)
	// Reached counts subscriptions the walk reached, whatever their outcome.
	Reached int64 `bson:"reached"`
	// Retries are the pushes waiting to be tried again; bounded by the dispatcher, and part of
	// every checkpoint so that a crash does not lose them.
	Retries []DeliveryRetry `bson:"retries,omitempty"`
}

// DeliveryRetry is one push waiting for another try. It carries what sending needs, so that a
// retry does not look the subscription up again.
type DeliveryRetry struct {
	SubscriptionID string    `bson:"id"`
	Endpoint       string    `bson:"endpoint"`
	P256dh         string    `bson:"p256dh"`
	Auth           string    `bson:"auth"`
	Lang           string    `bson:"lang"`
	Discreet       bool      `bson:"discreet"`
	Attempts       int       `bson:"attempts"`
	Next           time.Time `bson:"next"`
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

// EnqueueDelivery creates the fan-out job for an alert version. Creating the same job twice is a
// no-op, so a moderator's double click or a retried request never pushes twice.
func (s *Store) EnqueueDelivery(ctx context.Context, alertID string, version int, retraction bool) error {
	id := fmt.Sprintf("%s.%d", alertID, version)
	now := s.Now()
	_, err := s.c(colDeliveries).InsertOne(ctx, Delivery{
		ID: id, AlertID: alertID, AlertVersion: version, Retraction: retraction, Created: now,
		State: DeliveryQueued, Due: now, Total: -1,
	})
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("enqueue delivery: %w", wrap(err))
	}
	return nil
}

// DeliveriesForAlert returns the jobs of an alert, newest version first, for progress pages.
func (s *Store) DeliveriesForAlert(ctx context.Context, alertID string) ([]Delivery, error) {
	return findAll[Delivery](ctx, s.c(colDeliveries), "list delivery jobs", bson.D{{Key: "alert_id", Value: alertID}},
		options.Find().SetSort(bson.D{{Key: "alert_version", Value: -1}}).
			SetProjection(bson.D{{Key: "retries", Value: 0}}))
}

// Delivery returns one job.
func (s *Store) Delivery(ctx context.Context, id string) (*Delivery, error) {
	return findOne[Delivery](ctx, s.c(colDeliveries), bson.D{{Key: "_id", Value: id}})
}

func init() {
	extraIndexes = append(extraIndexes, func(ctx context.Context, s *Store) error {
		// One CreateOne per index: FerretDB 1.24 panics (slice bounds out of range) when
		// CreateMany is asked for indexes that already exist, i.e. at every restart.
		for _, keys := range []bson.D{
			{{Key: "state", Value: 1}, {Key: "due", Value: 1}},
			{{Key: "alert_id", Value: 1}},
		} {
			if _, err := s.c(colDeliveries).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
				return fmt.Errorf("create index on %s: %w", colDeliveries, wrap(err))
			}
		}
		return nil
	})
}

// colDeliveryClaims holds one record per claim of a job: {_id: "<job>#<epoch>", owner, at}.
const colDeliveryClaims = "delivery_claims"

// DeliveryClaim records that owner took a job for one epoch (the job's claim number).
type DeliveryClaim struct {
	ID    string    `bson:"_id"`
	Job   string    `bson:"job"`
	Epoch int       `bson:"epoch"`
	Owner string    `bson:"owner"`
	At    time.Time `bson:"at"`
}

// ClaimDelivery gives owner the oldest job that is due and that nobody holds a live lease on,
// with a lease until now+lease; a lease that lapsed because its holder crashed or hung is taken
// over. ErrNotFound means there is nothing to do.
//
// Exclusivity comes from inserting the claim record "<job>#<epoch>" with a unique _id: of
// several dispatchers (in one process or on several servers) that saw the same free job, one
// insert wins each epoch and only its winner updates the job. A findOneAndUpdate alone is
// atomic on MongoDB but not on FerretDB v1, which implements it as a read followed by a write
// and lets two callers both "win" (two dispatchers in one test did).
func (s *Store) ClaimDelivery(ctx context.Context, owner string, lease time.Duration) (*Delivery, error) {
	now := s.Now()
	cur, err := s.c(colDeliveries).Find(ctx,
		bson.D{
			{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{DeliveryQueued, DeliveryRunning}}}},
			{Key: "due", Value: bson.D{{Key: "$lte", Value: now}}},
			{Key: "lease_until", Value: bson.D{{Key: "$lt", Value: now}}},
		},
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}}).SetLimit(8).
			SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "claims", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find delivery jobs: %w", wrap(err))
	}
	var candidates []struct {
		ID     string `bson:"_id"`
		Claims int    `bson:"claims"`
	}
	if err := cur.All(ctx, &candidates); err != nil {
		return nil, fmt.Errorf("find delivery jobs: %w", wrap(err))
	}
	for _, c := range candidates {
		epoch, err := s.claimEpoch(ctx, c.ID, c.Claims, owner, lease, now)
		if err != nil {
			return nil, err
		}
		if epoch == 0 {
			continue // another dispatcher won it
		}
		var d Delivery
		err = s.c(colDeliveries).FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: c.ID}},
			bson.D{{Key: "$set", Value: bson.D{
				{Key: "state", Value: DeliveryRunning},
				{Key: "lease_owner", Value: owner},
				{Key: "lease_until", Value: now.Add(lease)},
				{Key: "claims", Value: epoch},
			}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After),
		).Decode(&d)
		if err != nil {
			return nil, fmt.Errorf("claim delivery job: %w", wrap(err))
		}
		return &d, nil
	}
	return nil, ErrNotFound
}

// claimEpoch inserts the claim record for the epoch after claims and returns that epoch, or 0
// if another dispatcher holds it. A claim record older than the lease whose winner never
// updated the job (it crashed in between) is skipped, so that a job cannot stay stuck.
func (s *Store) claimEpoch(ctx context.Context, job string, claims int, owner string, lease time.Duration, now time.Time) (int, error) {
	for epoch := claims + 1; epoch <= claims+3; epoch++ {
		rec := DeliveryClaim{ID: fmt.Sprintf("%s#%d", job, epoch), Job: job, Epoch: epoch, Owner: owner, At: now}
		_, err := s.c(colDeliveryClaims).InsertOne(ctx, rec)
		if err == nil {
			return epoch, nil
		}
		if !isDuplicate(err) {
			return 0, fmt.Errorf("claim delivery job: %w", wrap(err))
		}
		var prev DeliveryClaim
		if err := s.c(colDeliveryClaims).FindOne(ctx, bson.D{{Key: "_id", Value: rec.ID}}).Decode(&prev); err != nil {
			return 0, fmt.Errorf("claim delivery job: %w", wrap(err))
		}
		if !prev.At.Add(lease).Before(now) {
			return 0, nil // won by someone else just now
		}
	}
	return 0, nil
}

// DeliveryClaims returns the claim records of a job, oldest epoch first: who worked it when.
func (s *Store) DeliveryClaims(ctx context.Context, job string) ([]DeliveryClaim, error) {
	return findAll[DeliveryClaim](ctx, s.c(colDeliveryClaims), "list delivery claims", bson.D{{Key: "job", Value: job}},
		options.Find().SetSort(bson.D{{Key: "epoch", Value: 1}}))
}

// RenewDeliveryLease extends owner's lease on job id; ErrLeaseLost if owner no longer holds it.
func (s *Store) RenewDeliveryLease(ctx context.Context, id, owner string, lease time.Duration) error {
	res, err := s.c(colDeliveries).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "lease_owner", Value: owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: s.Now().Add(lease)}}}})
	if err != nil {
		return fmt.Errorf("renew delivery lease: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return ErrLeaseLost
	}
	return nil
}

// SaveDeliveryProgress writes d's position, counters, retries, state and due time, if owner
// still holds the lease (otherwise ErrLeaseLost: a stale dispatcher never overwrites the
// checkpoints of the one that took over). With leaseUntil zero it also releases the lease, so
// another dispatcher can take the job at once (at shutdown, or to wait for retries).
func (s *Store) SaveDeliveryProgress(ctx context.Context, owner string, d *Delivery, leaseUntil time.Time) error {
	set := bson.D{
		{Key: "state", Value: d.State},
		{Key: "due", Value: d.Due},
		{Key: "lease_until", Value: leaseUntil},
		{Key: "position", Value: d.Position},
		{Key: "walked", Value: d.Walked},
		{Key: "total", Value: d.Total},
		{Key: "queued", Value: d.Queued},
		{Key: "sent", Value: d.Sent},
		{Key: "gone", Value: d.Gone},
		{Key: "failed", Value: d.Failed},
		{Key: "retrying", Value: int64(len(d.Retries))},
		{Key: "reached", Value: d.Reached},
		{Key: "retries", Value: d.Retries},
		{Key: "note", Value: d.Note},
		{Key: "started", Value: d.Started},
		{Key: "finished", Value: d.Finished},
	}
	if leaseUntil.IsZero() {
		set = append(set, bson.E{Key: "lease_owner", Value: ""})
	}
	res, err := s.c(colDeliveries).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: d.ID}, {Key: "lease_owner", Value: owner}},
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("save delivery progress: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return ErrLeaseLost
	}
	return nil
}
