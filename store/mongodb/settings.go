package mongodb

import (
	"context"
	"fmt"

	"github.com/headsup/headsup/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// SettingOrCreate returns the stored value of key, storing value first if there is none. When
// several replicas start at once, all of them end up with the value of whichever wrote first.
func (s *Store) SettingOrCreate(ctx context.Context, key, value string) (string, error) {
	var doc struct {
		Value string `bson:"value"`
	}
	err := s.c(store.ColSettings).FindOneAndUpdate(ctx,
		byID(key),
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "value", Value: value}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&doc)
	if isDuplicate(err) { // lost the race to another replica's upsert
		err = s.c(store.ColSettings).FindOne(ctx, byID(key)).Decode(&doc)
	}
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, wrap(err))
	}
	return doc.Value, nil
}

// Setting returns the stored value of key, or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var doc struct {
		Value string `bson:"value"`
	}
	if err := s.c(store.ColSettings).FindOne(ctx, byID(key)).Decode(&doc); err != nil {
		return "", wrap(err)
	}
	return doc.Value, nil
}

// PutSetting stores value under key, replacing what was there.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	_, err := s.c(store.ColSettings).UpdateOne(ctx, byID(key),
		bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: value}}}}, options.UpdateOne().SetUpsert(true))
	return wrap(err)
}
