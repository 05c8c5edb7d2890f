package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/headsup/headsup/store"
)

const sessionCols = `id, moderator_id, full, created, last_seen`

func scanSession(sc scanner) (store.Session, error) {
	var sess store.Session
	var created, last sql.NullInt64
	err := sc.Scan(&sess.ID, &sess.ModeratorID, &sess.Full, &created, &last)
	sess.Created, sess.LastSeen = fromMS(created), fromMS(last)
	return sess, err
}

const insertSession = `INSERT INTO sessions (` + sessionCols + `) VALUES (?, ?, ?, ?, ?)`

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *store.Session) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, insertSession, sess.ID, sess.ModeratorID, boolInt(sess.Full), ms(sess.Created), ms(sess.LastSeen))
		return wrapf("create session", err)
	})
}

// Session returns the session whose token hashes to id.
func (s *Store) Session(ctx context.Context, id string) (*store.Session, error) {
	sess, err := scanSession(s.read().queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return nil, wrapf("read session", err)
	}
	return &sess, nil
}

// TouchSession records activity, which pushes back the idle timeout.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `UPDATE sessions SET last_seen = ? WHERE id = ?`, ms(at), id)
		return wrapf("touch session", err)
	})
}

// DeleteSession ends a session on the server: the cookie is worthless from then on.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return wrapf("delete session", err)
	})
}

// DeleteSessionsOf ends every session of an account (disabled, reset).
func (s *Store) DeleteSessionsOf(ctx context.Context, moderatorID string) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `DELETE FROM sessions WHERE moderator_id = ?`, moderatorID)
		return wrapf("delete sessions", err)
	})
}

// PurgeSessions deletes sessions idle since before idleBefore or created before createdBefore;
// such sessions are refused anyway, this only keeps the table small.
func (s *Store) PurgeSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(c conn) error {
		var err error
		n, err = c.execN(ctx, `DELETE FROM sessions WHERE last_seen < ? OR created < ?`, idleBefore.UnixMilli(), createdBefore.UnixMilli())
		return wrapf("purge sessions", err)
	})
	return n, err
}
