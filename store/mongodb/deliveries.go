package mongodb

import (
	"context"
	"fmt"
	"time"

	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// EnqueueDelivery creates the fan-out job for an alert version. Creating the same job twice is a
// no-op, so a moderator's double click or a retried request never pushes twice.
func (s *Store) EnqueueDelivery(ctx context.Context, alertID string, version int, retraction bool) error {
	id := fmt.Sprintf("%s.%d", alertID, version)
	now := s.now()
	_, err := s.c(store.ColDeliveries).InsertOne(ctx, store.Delivery{
		ID: id, AlertID: alertID, AlertVersion: version, Retraction: retraction, Created: now,
		State: store.DeliveryQueued, Due: now, Total: -1,
	})
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("enqueue delivery: %w", wrap(err))
	}
	return nil
}

// DeliveriesForAlert returns the jobs of an alert, newest version first, for progress pages.
func (s *Store) DeliveriesForAlert(ctx context.Context, alertID string) ([]store.Delivery, error) {
	return findAll[store.Delivery](ctx, s.c(store.ColDeliveries), "list delivery jobs", bson.D{{Key: "alert_id", Value: alertID}},
		options.Find().SetSort(bson.D{{Key: "alert_version", Value: -1}}).
			SetProjection(bson.D{{Key: "retries", Value: 0}}))
}

// Delivery returns one job.
func (s *Store) Delivery(ctx context.Context, id string) (*store.Delivery, error) {
	return findOne[store.Delivery](ctx, s.c(store.ColDeliveries), bson.D{{Key: "_id", Value: id}})
}

// ClaimDelivery gives owner the oldest job that is due and that nobody holds a live lease on,
// with a lease until now+lease; a lease that lapsed because its holder crashed or hung is taken
// over. The first claim sets the job's Started. ErrNotFound means there is nothing to do.
//
// Exclusivity comes from inserting the claim record "<job>#<epoch>" with a unique _id: of
// several dispatchers (in one process or on several servers) that saw the same free job, one
// insert wins each epoch and only its winner updates the job. This relies on nothing but a
// unique key, the weakest guarantee a MongoDB-protocol server gives (FerretDB, which the tests
// run on, implements findAndModify as a read followed by a write), and leaves a record of who
// worked the job when.
func (s *Store) ClaimDelivery(ctx context.Context, owner string, lease time.Duration) (*store.Delivery, error) {
	if err := s.settleMarks(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	cur, err := s.c(store.ColDeliveries).Find(ctx,
		bson.D{
			{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{store.DeliveryQueued, store.DeliveryRunning}}}},
			{Key: "due", Value: bson.D{{Key: "$lte", Value: now}}},
			{Key: "lease_until", Value: bson.D{{Key: "$lt", Value: now}}},
		},
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}}).SetLimit(8).
			SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "claims", Value: 1}, {Key: "started", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find delivery jobs: %w", wrap(err))
	}
	var candidates []struct {
		ID      string    `bson:"_id"`
		Claims  int       `bson:"claims"`
		Started time.Time `bson:"started"`
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
		set := bson.D{
			{Key: "state", Value: store.DeliveryRunning},
			{Key: "lease_owner", Value: owner},
			{Key: "lease_until", Value: now.Add(lease)},
			{Key: "claims", Value: epoch},
		}
		if c.Started.IsZero() {
			// The first claim is the job's start; a takeover keeps it. Read with the
			// candidates: only a job nobody ever claimed has none, so nobody else writes it.
			set = append(set, bson.E{Key: "started", Value: now})
		}
		var d store.Delivery
		err = s.c(store.ColDeliveries).FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: c.ID}},
			bson.D{{Key: "$set", Value: set}},
			options.FindOneAndUpdate().SetReturnDocument(options.After),
		).Decode(&d)
		if err != nil {
			return nil, fmt.Errorf("claim delivery job: %w", wrap(err))
		}
		return &d, nil
	}
	return nil, store.ErrNotFound
}

// claimEpoch inserts the claim record for the epoch after claims and returns that epoch, or 0
// if another dispatcher holds it. A claim record older than the lease whose winner never
// updated the job (it crashed in between) is skipped, so that a job cannot stay stuck.
func (s *Store) claimEpoch(ctx context.Context, job string, claims int, owner string, lease time.Duration, now time.Time) (int, error) {
	for epoch := claims + 1; epoch <= claims+3; epoch++ {
		rec := store.DeliveryClaim{ID: fmt.Sprintf("%s#%d", job, epoch), Job: job, Epoch: epoch, Owner: owner, At: now}
		_, err := s.c(store.ColDeliveryClaims).InsertOne(ctx, rec)
		if err == nil {
			return epoch, nil
		}
		if !isDuplicate(err) {
			return 0, fmt.Errorf("claim delivery job: %w", wrap(err))
		}
		var prev store.DeliveryClaim
		if err := s.c(store.ColDeliveryClaims).FindOne(ctx, bson.D{{Key: "_id", Value: rec.ID}}).Decode(&prev); err != nil {
			return 0, fmt.Errorf("claim delivery job: %w", wrap(err))
		}
		if !prev.At.Add(lease).Before(now) {
			return 0, nil // won by someone else just now
		}
	}
	return 0, nil
}

// DeliveryClaims returns the claim records of a job, oldest epoch first: who worked it when.
func (s *Store) DeliveryClaims(ctx context.Context, job string) ([]store.DeliveryClaim, error) {
	return findAll[store.DeliveryClaim](ctx, s.c(store.ColDeliveryClaims), "list delivery claims", bson.D{{Key: "job", Value: job}},
		options.Find().SetSort(bson.D{{Key: "epoch", Value: 1}}))
}

// RenewDeliveryLease extends owner's lease on job id; ErrLeaseLost if owner no longer holds it.
func (s *Store) RenewDeliveryLease(ctx context.Context, id, owner string, lease time.Duration) error {
	res, err := s.c(store.ColDeliveries).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "lease_owner", Value: owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: s.now().Add(lease)}}}})
	if err != nil {
		return fmt.Errorf("renew delivery lease: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return store.ErrLeaseLost
	}
	return nil
}

// SaveDeliveryProgress writes d's position, counters, retries, state and due time, if owner
// still holds the lease (otherwise ErrLeaseLost: a stale dispatcher never overwrites the
// checkpoints of the one that took over). With leaseUntil zero it also releases the lease, so
// another dispatcher can take the job at once (at shutdown, or to wait for retries).
func (s *Store) SaveDeliveryProgress(ctx context.Context, owner string, d *store.Delivery, leaseUntil time.Time) error {
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
	res, err := s.c(store.ColDeliveries).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: d.ID}, {Key: "lease_owner", Value: owner}},
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("save delivery progress: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return store.ErrLeaseLost
	}
	return nil
}
