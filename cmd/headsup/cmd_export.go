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
	fs := newFlags(env, "export", true)
	if helped, err := parseFlags(fs, args); helped || err != nil {
		return err
	}
	s, closeStore, err := openForCommand(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
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
	fs := newFlags(env, "import", true)
	if helped, err := parseFlags(fs, args); helped || err != nil {
		return err
	}
	s, closeStore, err := openForCommand(ctx, env)
	if err != nil {
		return err
	}
	defer closeStore()
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

// openForCommand opens the configured database for a one-off command.
func openForCommand(ctx context.Context, env *environment) (*store.Store, func(), error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, nil, err
	}
	s, emb, err := openStore(ctx, cfg, newLogger(cfg, env.stderr))
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		_ = s.Close(context.Background())
		if emb != nil {
			_ = emb.Stop(context.Background())
		}
	}, nil
}
