package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/headsup/headsup/config"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/mongodb"
	"github.com/headsup/headsup/store/sqlite"
)

// databaseFile is the embedded database's file name in HEADSUP_DATA_DIR.
const databaseFile = "headsup.db"

// oldEngineFolder is where the FerretDB-based releases kept their SQLite files, inside the data
// folder. This release cannot read them: their layout is FerretDB's, not a schema of ours.
const oldEngineFolder = "ferretdb"

// openStore opens the configured database: MongoDB when MONGODB_URI is set, else the embedded
// SQLite file in the data folder, in this process, with no socket.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.MongoURI != "" {
		s, err := mongodb.Open(ctx, cfg.MongoURI, cfg.Database)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return s, nil
	}
	// openSQLite refuses a FerretDB-era folder; creating the folder first writes nothing in one.
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	return openSQLite(ctx, filepath.Join(cfg.DataDir, databaseFile))
}

// openSQLite opens an embedded database file with synchronous FULL: a report acknowledged with
// a receipt is on disk before the answer leaves, so it survives a power loss, not only a crash
// of the process (which NORMAL would already survive).
func openSQLite(ctx context.Context, path string) (*sqlite.Store, error) {
	if err := checkOldFolder(filepath.Dir(path), path); err != nil {
		return nil, err
	}
	s, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: "FULL"})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// checkDataFolder refuses a data folder written by a FerretDB-based release, when the embedded
// database is the configured one.
func checkDataFolder(cfg config.Config) error {
	if cfg.MongoURI != "" {
		return nil
	}
	return checkOldFolder(cfg.DataDir, filepath.Join(cfg.DataDir, databaseFile))
}

// checkOldFolder returns a usage error (exit code 2) when dir holds the database files of a
// FerretDB-based release and no database of this one (dbPath) exists yet. Starting would
// otherwise create an empty database beside the old one: the site would come up with no alerts,
// no moderators and new push keys, and every pending report would be silently left behind.
func checkOldFolder(dir, dbPath string) error {
	if _, err := os.Stat(dbPath); err == nil {
		return nil // this release's database: the old folder, if any, was dealt with
	}
	old := filepath.Join(dir, oldEngineFolder)
	files, err := oldDatabaseFiles(old)
	if err != nil || len(files) == 0 {
		return nil
	}
	abs, err := filepath.Abs(old)
	if err != nil {
		abs = old
	}
	return usagef(`%s holds the database of an earlier Heads Up release (FerretDB's files in %s),
which this release cannot read. Nothing was changed. Either:
- carry everything over (reports, subscriptions, moderators, audit, alerts, settings):
  1. serve the old files with FerretDB 1.x (the ferretdb binary or image), for example:
       ferretdb --handler=sqlite --sqlite-url=file:%s/ --listen-addr=127.0.0.1:27017
  2. headsup migrate --from mongodb://127.0.0.1:27017/ --to sqlite:NEW_FOLDER
  3. copy %s into NEW_FOLDER (receipt codes depend on it), stop FerretDB and
     serve with HEADSUP_DATA_DIR=NEW_FOLDER;
- or keep only alerts and settings (the push and lookup keys): with the earlier release,
  headsup export > export.jsonl; move the folder aside (mv %s %s.old); start this release on an
  empty folder, then headsup import < export.jsonl and recreate moderators (headsup moderator add).
Or keep running the earlier release on this folder`, dir, old, abs, filepath.Join(dir, "receipt.key"), dir, dir)
}

// oldDatabaseFiles lists the SQLite files FerretDB left in folder; none when it does not exist.
func oldDatabaseFiles(folder string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(folder, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.Contains(d.Name(), ".sqlite") {
			files = append(files, path)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return files, err
}
