package sqlite

import (
	"context"
	"fmt"
)

// SettingOrCreate returns the stored value of key, storing value first if there is none. The
// insert and the read are one transaction on the single writer, so when several processes
// start at once all of them end up with the value of whichever wrote first.
func (s *Store) SettingOrCreate(ctx context.Context, key, value string) (string, error) {
	var stored string
	err := s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
			return wrapf(fmt.Sprintf("setting %s", key), err)
		}
		return wrapf(fmt.Sprintf("setting %s", key), c.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&stored))
	})
	return stored, err
}

// Setting returns the stored value of key, or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.read().queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	return v, wrapf(fmt.Sprintf("setting %s", key), err)
}

// PutSetting stores value under key, replacing what was there.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return wrapf(fmt.Sprintf("setting %s", key), err)
	})
}
