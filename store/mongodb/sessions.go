package mongodb

import (
	"context"
	"fmt"
	"time"

	"github.com/headsup/headsup/store"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *store.Session) error {
	if _, err := s.c(store.ColSessions).InsertOne(ctx, sess); err != nil {
		return fmt.Errorf("create session: %w", wrap(err))
	}
	return nil
}

// Session returns the session whose token hashes to id.
func (s *Store) Session(ctx context.Context, id string) (*store.Session, error) {
	return findOne[store.Session](ctx, s.c(store.ColSessions), byID(id))
}

// TouchSession records activity, which pushes back the idle timeout.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := s.c(store.ColSessions).UpdateOne(ctx, byID(id),
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: at}}}})
	return wrap(err)
}

// DeleteSession ends a session on the server: the cookie is worthless from then on.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.c(store.ColSessions).DeleteOne(ctx, byID(id))
	return wrap(err)
}

// DeleteSessionsOf ends every session of an account (disabled, reset).
func (s *Store) DeleteSessionsOf(ctx context.Context, moderatorID string) error {
	_, err := s.c(store.ColSessions).DeleteMany(ctx, bson.D{{Key: "moderator_id", Value: moderatorID}})
	return wrap(err)
}

// PurgeSessions deletes sessions idle since before idleBefore or created before createdBefore;
// such sessions are refused anyway, this only keeps the collection small.
func (s *Store) PurgeSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := s.c(store.ColSessions).DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "last_seen", Value: bson.D{{Key: "$lt", Value: idleBefore}}}},
		bson.D{{Key: "created", Value: bson.D{{Key: "$lt", Value: createdBefore}}}},
	}}})
	if err != nil {
		return 0, wrap(err)
	}
	return res.DeletedCount, nil
}
