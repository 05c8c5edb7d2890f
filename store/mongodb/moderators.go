package mongodb

import (
	"context"
	"fmt"
	"time"

	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateModerator stores a new account; a taken name is ErrExists.
func (s *Store) CreateModerator(ctx context.Context, m *store.Moderator) error {
	_, err := s.c(store.ColModerators).InsertOne(ctx, m)
	if isDuplicate(err) {
		return store.ErrExists
	}
	if err != nil {
		return fmt.Errorf("create moderator: %w", wrap(err))
	}
	return nil
}

// Moderator returns the account with the given id.
func (s *Store) Moderator(ctx context.Context, id string) (*store.Moderator, error) {
	return findOne[store.Moderator](ctx, s.c(store.ColModerators), byID(id))
}

// ModeratorByName returns the account with the given name.
func (s *Store) ModeratorByName(ctx context.Context, name string) (*store.Moderator, error) {
	return findOne[store.Moderator](ctx, s.c(store.ColModerators), bson.D{{Key: "name", Value: name}})
}

// Moderators returns every account, by name.
func (s *Store) Moderators(ctx context.Context) ([]store.Moderator, error) {
	return findAll[store.Moderator](ctx, s.c(store.ColModerators), "list moderators", bson.D{}, options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
}

// CountModerators counts accounts, so that serve can tell a newcomer to create the first one.
func (s *Store) CountModerators(ctx context.Context) (int64, error) {
	n, err := s.c(store.ColModerators).CountDocuments(ctx, bson.D{})
	return n, wrap(err)
}

func (s *Store) updateModerator(ctx context.Context, id string, update bson.D) error {
	res, err := s.c(store.ColModerators).UpdateOne(ctx, byID(id), update)
	if err != nil {
		return fmt.Errorf("update moderator: %w", wrap(err))
	}
	if res.MatchedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

// SetModeratorDisabled disables or enables an account. Sessions are ended separately.
func (s *Store) SetModeratorDisabled(ctx context.Context, id string, disabled bool) error {
	return s.updateModerator(ctx, id, bson.D{{Key: "$set", Value: bson.D{{Key: "disabled", Value: disabled}}}})
}

// ResetModerator gives an account a new one-time password and forgets its TOTP secret, so the
// next sign-in enrols a new authenticator (a lost phone is the usual reason for a reset).
func (s *Store) ResetModerator(ctx context.Context, id, passwordHash string) error {
	return s.updateModerator(ctx, id, bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "password_hash", Value: passwordHash},
			{Key: "must_change_password", Value: true},
			{Key: "totp_enrolled", Value: false},
			{Key: "failures", Value: 0},
		}},
		{Key: "$unset", Value: bson.D{{Key: "totp_secret", Value: ""}, {Key: "locked_until", Value: ""}}},
	})
}

// SetPassword stores a password the moderator chose, ending the one-time password.
func (s *Store) SetPassword(ctx context.Context, id, passwordHash string) error {
	return s.updateModerator(ctx, id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "password_hash", Value: passwordHash},
		{Key: "must_change_password", Value: false},
	}}})
}

// SetTOTPSecret stores the secret being enrolled; it counts only once EnrolTOTP confirms it.
func (s *Store) SetTOTPSecret(ctx context.Context, id, secret string) error {
	return s.updateModerator(ctx, id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "totp_secret", Value: secret},
		{Key: "totp_enrolled", Value: false},
	}}})
}

// EnrolTOTP marks the stored secret confirmed. step is the step of the confirming code, so
// that the same code cannot then be used to sign in.
func (s *Store) EnrolTOTP(ctx context.Context, id string, step int64) error {
	return s.updateModerator(ctx, id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "totp_enrolled", Value: true},
		{Key: "totp_last_step", Value: step},
	}}})
}

// UseTOTPStep records that the code of step was used, if no code of that step or a later one
// was used before. The condition and the write are one atomic update, so two requests racing
// with the same code cannot both succeed.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	res, err := s.c(store.ColModerators).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "totp_last_step", Value: bson.D{{Key: "$lt", Value: step}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "totp_last_step", Value: step}}}})
	if err != nil {
		return false, fmt.Errorf("record TOTP step: %w", wrap(err))
	}
	return res.MatchedCount == 1, nil
}

// RecordFailedSignIn counts a failed attempt and returns the new count; lockFor says how long
// the account is then locked (zero for not at all).
func (s *Store) RecordFailedSignIn(ctx context.Context, id string, lockFor func(failures int) time.Duration) (int, error) {
	var m store.Moderator
	err := s.c(store.ColModerators).FindOneAndUpdate(ctx, byID(id),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&m)
	if err != nil {
		return 0, fmt.Errorf("record failed sign-in: %w", wrap(err))
	}
	if d := lockFor(m.Failures); d > 0 {
		if err := s.updateModerator(ctx, id, bson.D{{Key: "$set", Value: bson.D{{Key: "locked_until", Value: s.now().Add(d)}}}}); err != nil {
			return m.Failures, err
		}
	}
	return m.Failures, nil
}

// RecordSignIn clears the failure count after a complete sign-in.
func (s *Store) RecordSignIn(ctx context.Context, id string) error {
	return s.updateModerator(ctx, id, bson.D{
		{Key: "$set", Value: bson.D{{Key: "failures", Value: 0}, {Key: "last_sign_in", Value: s.now()}}},
		{Key: "$unset", Value: bson.D{{Key: "locked_until", Value: ""}}},
	})
}
