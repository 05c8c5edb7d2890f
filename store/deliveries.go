package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Delivery is one fan-out job: pushing one version of one alert to every matching subscription.
// The dispatcher claims it with a lease and checkpoints its cursor and counters per batch.
type Delivery struct {
	ID           string    `bson:"_id"` // alert id + "." + version: one job per alert version
	AlertID      string    `bson:"alert_id"`
	AlertVersion int       `bson:"alert_version"`
	Retraction   bool      `bson:"retraction,omitempty"`
	Created      time.Time `bson:"created"`
	State        string    `bson:"state"` // queued, running, done
}

// EnqueueDelivery creates the fan-out job for an alert version. Creating the same job twice is a
// no-op, so a moderator's double click or a retried request never pushes twice.
func (s *Store) EnqueueDelivery(ctx context.Context, alertID string, version int, retraction bool) error {
	id := fmt.Sprintf("%s.%d", alertID, version)
	_, err := s.c(colDeliveries).InsertOne(ctx, Delivery{
		ID: id, AlertID: alertID, AlertVersion: version, Retraction: retraction, Created: s.Now(), State: "queued",
	})
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("enqueue delivery: %w", wrap(err))
	}
	return nil
}

// DeliveryForAlert returns the jobs of an alert, newest version first, for progress pages.
func (s *Store) DeliveriesForAlert(ctx context.Context, alertID string) ([]Delivery, error) {
	cur, err := s.c(colDeliveries).Find(ctx, bson.D{{Key: "alert_id", Value: alertID}})
	if err != nil {
		return nil, wrap(err)
	}
	var out []Delivery
	if err := cur.All(ctx, &out); err != nil {
		return nil, wrap(err)
	}
	return out, nil
}
