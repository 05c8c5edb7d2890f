package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// runBackup copies the embedded database into one file while a server may be running on it:
// SQLite writes a consistent snapshot (VACUUM INTO) from a read transaction, which neither
// blocks the server's writes nor sees half of one.
func runBackup(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "backup", true)
	if helped, err := parseFlags(fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: headsup backup FILE (a new file to write the copy of the database to)")
	}
	dest := fs.Arg(0)
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	if cfg.MongoURI != "" {
		return usagef("backup copies the embedded database; with MONGODB_URI set, back up MongoDB with its own tools (mongodump, or your host's snapshots)")
	}
	if err := checkDataFolder(cfg); err != nil {
		return err
	}
	path := filepath.Join(cfg.DataDir, databaseFile)
	if _, err := os.Stat(path); err != nil {
		return usagef("there is no database at %s to back up (HEADSUP_DATA_DIR)", path)
	}
	if _, err := os.Stat(dest); err == nil {
		return usagef("%s already exists: backup never overwrites a file", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s, err := openSQLite(ctx, path)
	if err != nil {
		return err
	}
	defer closeQuietly(s)
	// The engine creates the file (refusing one that appeared meanwhile) readable by its owner
	// only, and syncs it before returning.
	if err := s.Backup(ctx, dest); err != nil {
		return err
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, `Backed up the database to %s (%d bytes). It holds raw reports and secret keys: keep it safe.
To restore, stop the server and put the file as %s in an empty data folder, with this folder's
receipt.key (kept outside the database on purpose: back it up once, separately), then start.
`, dest, fi.Size(), databaseFile)
	return nil
}
