package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/headsup/headsup/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Drop removes the whole database; tests use it to clean up after themselves.
func (s *Store) Drop(ctx context.Context) error { return wrap(s.db.Drop(ctx)) }

// Collections lists the collection names, sorted, for checks that inspect every document.
func (s *Store) Collections(ctx context.Context) ([]string, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, wrap(err)
	}
	slices.Sort(names)
	return names, nil
}

// allByID reads a whole collection in _id order, which the _id index serves.
func (s *Store) allByID(ctx context.Context, name string) (*mongo.Cursor, error) {
	cur, err := s.c(name).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	return cur, wrap(err)
}

// DumpCollection returns every document of a collection as relaxed extended JSON, for the
// privacy checks that look for anything that should never have been stored.
func (s *Store) DumpCollection(ctx context.Context, name string) ([]string, error) {
	cur, err := s.allByID(ctx, name)
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	out := []string{}
	for cur.Next(ctx) {
		data, err := bson.MarshalExtJSON(cur.Current, false, false)
		if err != nil {
			return nil, err
		}
		out = append(out, string(data))
	}
	return out, wrap(cur.Err())
}

// Dump calls fn with every record of collection as its typed value, in _id order. Fields that
// only the engine's own steps use (a decision in progress, the reports merged into an alert)
// are not part of the types and do not travel.
func (s *Store) Dump(ctx context.Context, collection string, fn func(v any) error) error {
	if _, err := store.NewRecord(collection); err != nil {
		return err
	}
	cur, err := s.allByID(ctx, collection)
	if err != nil {
		return fmt.Errorf("dump %s: %w", collection, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		v, err := store.NewRecord(collection)
		if err != nil {
			return err
		}
		if err := cur.Decode(v); err != nil {
			return fmt.Errorf("dump %s: %w", collection, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("dump %s: %w", collection, wrap(err))
	}
	return nil
}

// Load stores a batch of records of one collection as Dump gave them, replacing any record
// with the same id: one unordered insert, then a replacement for each id already taken.
func (s *Store) Load(ctx context.Context, collection string, records []any) error {
	if _, err := store.NewRecord(collection); err != nil {
		return err
	}
	if len(records) == 0 {
		return nil
	}
	// Insert first: a migration or a seed writes into an empty collection, where inserting is
	// what the server does fastest. Only the records whose id is taken are then replaced.
	_, err := s.c(collection).InsertMany(ctx, records, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return fmt.Errorf("load %s: %w", collection, wrap(err))
	}
	models := make([]mongo.WriteModel, 0, len(bwe.WriteErrors))
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) || we.Index < 0 || we.Index >= len(records) {
			return fmt.Errorf("load %s: %w", collection, wrap(err))
		}
		r := records[we.Index]
		id, err := recordID(collection, r)
		if err != nil {
			return fmt.Errorf("load %s: %w", collection, err)
		}
		models = append(models, mongo.NewReplaceOneModel().SetFilter(byID(id)).SetReplacement(r).SetUpsert(true))
	}
	if _, err := s.c(collection).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
		return fmt.Errorf("load %s: %w", collection, wrap(err))
	}
	return nil
}

// recordID reads the _id a record would be stored under: directly for the type Dump hands
// out, through an encoding for anything else.
func recordID(collection string, r any) (any, error) {
	if id, ok := store.RecordID(collection, r); ok {
		return id, nil
	}
	raw, err := bson.Marshal(r)
	if err != nil {
		return nil, err
	}
	v, err := bson.Raw(raw).LookupErr("_id")
	if err != nil {
		return nil, errors.New("record has no id")
	}
	return v, nil
}

// Empty reports whether no collection holds a document, so that a migration never writes
// into a database that is in use.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	for _, name := range store.TransferCollections {
		err := s.c(name).FindOne(ctx, bson.D{}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return false, fmt.Errorf("look into %s: %w", name, wrap(err))
		}
	}
	return true, nil
}
