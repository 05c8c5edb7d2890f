package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/headsup/headsup/store"
)

// exportLine is one line of an export file.
type exportLine struct {
	Collection string          `json:"collection"`
	Document   json.RawMessage `json:"document"`
}

func runExport(ctx context.Context, env *environment, args []string) error {
	return withDatabase(ctx, env, "export", args, func(a *app) error { return export(ctx, env, a.store) })
}

func export(ctx context.Context, env *environment, s *store.Store) error {
	w := bufio.NewWriter(env.stdout)
	n := 0
	for _, col := range store.Exportable {
		err := s.Export(ctx, col, func(doc []byte) error {
			line, err := json.Marshal(exportLine{Collection: col, Document: doc})
			if err != nil {
				return err
			}
			n++
			_, err = w.Write(append(line, '\n'))
			return err
		})
		if err != nil {
			return fmt.Errorf("export %s: %w", col, err)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "exported %d documents (alerts and settings; settings hold secret keys: keep the file safe)\n", n)
	return nil
}

func runImport(ctx context.Context, env *environment, args []string) error {
	return withDatabase(ctx, env, "import", args, func(a *app) error { return importLines(ctx, env, a.store) })
}

func importLines(ctx context.Context, env *environment, s *store.Store) error {
	sc := bufio.NewScanner(env.stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l exportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || !slices.Contains(store.Exportable, l.Collection) {
			return usagef("line %d is not a line written by headsup export", line)
		}
		if err := s.Import(ctx, l.Collection, l.Document); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "imported %d documents\n", n)
	return nil
}

// openForCommand loads the configuration and opens the database for a one-off command, the
// way the server opens it: an app with only its configuration, logger and database, closed
// with close. With the embedded database this works while a server runs on the same data
// folder.
func openForCommand(ctx context.Context, env *environment) (*app, error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg, env.stderr)
	s, emb, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, log: log, store: s, embedded: emb}, nil
}

// withDatabase runs a command that takes no arguments (export, import, purge, vapid) against
// the database: flags and -h first, then the database is opened for run and closed after it.
func withDatabase(ctx context.Context, env *environment, name string, args []string, run func(a *app) error) error {
	fs := newFlags(env, name, true)
	if helped, err := parseNoArgs(fs, args); helped || err != nil {
		return err
	}
	a, err := openForCommand(ctx, env)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	return run(a)
}
