package mongodb

import (
	"context"
	"fmt"
	"time"

	"github.com/headsup/headsup/store"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// MarkSpent records that a proof-of-work challenge has been used. The unique _id makes the
// first insert win, so a solution is accepted once across restarts and across every server
// process sharing the database. Records are kept until the challenge would have expired anyway.
func (s *Store) MarkSpent(ctx context.Context, challenge string, expires time.Time) (bool, error) {
	_, err := s.c(store.ColSpent).InsertOne(ctx, bson.D{{Key: "_id", Value: challenge}, {Key: "expires", Value: expires}})
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record spent challenge: %w", wrap(err))
	}
	return true, nil
}

// PurgeSpentChallenges deletes records of challenges that have expired; a replay of one is
// refused by its expiry already. Nothing relies on TTL indexes, so the purge loop calls this.
func (s *Store) PurgeSpentChallenges(ctx context.Context) (int64, error) {
	res, err := s.c(store.ColSpent).DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: s.now()}}}})
	if err != nil {
		return 0, wrap(err)
	}
	return res.DeletedCount, nil
}
