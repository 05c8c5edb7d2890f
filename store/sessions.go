package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Session is a signed-in browser. Its id is the SHA-256 of the cookie's token, so a copy of the
// database cannot be replayed as a cookie.
type Session struct {
	ID          string `bson:"_id"`
	ModeratorID string `bson:"moderator_id"`
	// Full is false between the password and the second factor: such a session opens only
	// the remaining sign-in steps.
	Full     bool      `bson:"full"`
	Created  time.Time `bson:"created"`
	LastSeen time.Time `bson:"last_seen"`
}

func init() {
	extraIndexes = append(extraIndexes, func(ctx context.Context, s *Store) error {
		for _, keys := range []bson.D{{{Key: "moderator_id", Value: 1}}, {{Key: "created", Value: 1}}} {
			if _, err := s.c(colSessions).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
				return fmt.Errorf("create index on %s: %w", colSessions, wrap(err))
			}
		}
		return nil
	})
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	if _, err := s.c(colSessions).InsertOne(ctx, sess); err != nil {
		return fmt.Errorf("create session: %w", wrap(err))
	}
	return nil
}

// Session returns the session whose token hashes to id.
func (s *Store) Session(ctx context.Context, id string) (*Session, error) {
	return findOne[Session](ctx, s.c(colSessions), bson.D{{Key: "_id", Value: id}})
}

// TouchSession records activity, which pushes back the idle timeout.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := s.c(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: at}}}})
	return wrap(err)
}

// DeleteSession ends a session on the server: the cookie is worthless from then on.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.c(colSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return wrap(err)
}

// DeleteSessionsOf ends every session of an account (disabled, reset).
func (s *Store) DeleteSessionsOf(ctx context.Context, moderatorID string) error {
	_, err := s.c(colSessions).DeleteMany(ctx, bson.D{{Key: "moderator_id", Value: moderatorID}})
	return wrap(err)
}

// PurgeSessions deletes sessions idle since before idleBefore or created before createdBefore;
// such sessions are refused anyway, this only keeps the collection small.
func (s *Store) PurgeSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := s.c(colSessions).DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "last_seen", Value: bson.D{{Key: "$lt", Value: idleBefore}}}},
		bson.D{{Key: "created", Value: bson.D{{Key: "$lt", Value: createdBefore}}}},
	}}})
	if err != nil {
		return 0, wrap(err)
	}
	return res.DeletedCount, nil
}
