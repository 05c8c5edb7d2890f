package store

// WireOnly is s without direct reads: every query goes through the server, as on MongoDB.
// Tests use it to compare both ways of walking the same database.
func WireOnly(s *Store) *Store {
	c := *s
	c.direct = nil
	return &c
}

// ReadsDirectly tells whether s walks subscriptions from the embedded database's file.
func ReadsDirectly(s *Store) bool { return s.direct != nil }
