package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Exportable lists the collections a backup carries: published alerts and settings (which hold
// the VAPID and HMAC keys, so that subscriptions and /check keep working after a move). Raw
// reports, sessions and subscriptions are deliberately not exported: a backup file must not
// become a copy of what reporters wrote.
var Exportable = []string{colAlerts, colSettings}

func exportable(col string) bool {
	for _, c := range Exportable {
		if c == col {
			return true
		}
	}
	return false
}

// Export calls fn with every document of col as canonical extended JSON, which keeps types
// (dates, integers) exactly, in _id order.
func (s *Store) Export(ctx context.Context, col string, fn func(doc []byte) error) error {
	if !exportable(col) {
		return fmt.Errorf("collection %q is not exportable", col)
	}
	cur, err := s.c(col).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return wrap(err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		doc, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			return err
		}
		if err := fn(doc); err != nil {
			return err
		}
	}
	return wrap(cur.Err())
}

// Import stores one exported document, replacing a document with the same _id, so importing the
// same file twice is harmless.
func (s *Store) Import(ctx context.Context, col string, extJSON []byte) error {
	if !exportable(col) {
		return fmt.Errorf("collection %q is not importable", col)
	}
	var doc bson.D
	if err := bson.UnmarshalExtJSON(extJSON, true, &doc); err != nil {
		return fmt.Errorf("not an exported document: %w", err)
	}
	var id any
	for _, e := range doc {
		if e.Key == "_id" {
			id = e.Value
		}
	}
	if id == nil {
		return fmt.Errorf("document has no _id")
	}
	_, err := s.c(col).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return wrap(err)
}

// MarshalForImport encodes v (a stored type such as report.Alert) in the export format, for
// tests that need documents without going through the code that normally writes them.
func MarshalForImport(v any) ([]byte, error) {
	raw, err := bson.Marshal(v)
	if err != nil {
		return nil, err
	}
	return bson.MarshalExtJSON(bson.Raw(raw), true, false)
}
