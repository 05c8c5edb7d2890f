package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// exportLine is one line of an export file: a record of one of store.Exportable.
type exportLine struct {
	Collection string          `json:"collection"`
	Document   json.RawMessage `json:"document"`
}

// exportAlert is an alert as an export file carries it. report.Alert hides its identifiers'
// HMAC and visibility from JSON (json:"-") so that no API answer can leak them, but a backup
// must keep them or /check stops finding the alert after a restore. The keys are the stored
// document's field names, so that files written by the earlier, FerretDB-based releases (MongoDB
// extended JSON with the same keys) import too: that is how their data folders move up.
type exportAlert struct {
	ID          string               `json:"_id"`
	Version     int                  `json:"version"`
	Kind        report.Kind          `json:"kind"`
	Severity    report.Severity      `json:"severity"`
	Title       string               `json:"title"`
	Body        string               `json:"body"`
	Areas       []string             `json:"areas"`
	IncidentDay time.Time            `json:"incident_day"`
	TimeBand    string               `json:"time_band,omitempty"`
	Published   time.Time            `json:"published"`
	Updated     time.Time            `json:"updated"`
	Expires     time.Time            `json:"expires"`
	Status      report.AlertStatus   `json:"status"`
	ReportCount int                  `json:"report_count"`
	Identifiers []exportIdentifier   `json:"identifiers,omitempty"`
	Details     []report.Detail      `json:"details,omitempty"`
	Texts       []report.Translation `json:"texts,omitempty"`
}

type exportIdentifier struct {
	Type   string `json:"type"`
	Value  string `json:"value,omitempty"`
	Hint   string `json:"hint,omitempty"`
	HMAC   string `json:"hmac"`
	Public bool   `json:"public"`
}

// exportSetting is a setting as an export file carries it (the stored document's keys).
type exportSetting struct {
	Key   string `json:"_id"`
	Value string `json:"value"`
}

func alertForExport(a *report.Alert) exportAlert {
	e := exportAlert{ID: a.ID, Version: a.Version, Kind: a.Kind, Severity: a.Severity, Title: a.Title, Body: a.Body,
		Areas: a.Areas, IncidentDay: a.IncidentDay, TimeBand: a.TimeBand, Published: a.Published, Updated: a.Updated,
		Expires: a.Expires, Status: a.Status, ReportCount: a.ReportCount, Details: a.Details, Texts: a.Texts}
	for _, id := range a.Identifiers {
		e.Identifiers = append(e.Identifiers, exportIdentifier(id))
	}
	return e
}

func (e *exportAlert) alert() *report.Alert {
	a := &report.Alert{ID: e.ID, Version: e.Version, Kind: e.Kind, Severity: e.Severity, Title: e.Title, Body: e.Body,
		Areas: e.Areas, IncidentDay: e.IncidentDay, TimeBand: e.TimeBand, Published: e.Published, Updated: e.Updated,
		Expires: e.Expires, Status: e.Status, ReportCount: e.ReportCount, Details: e.Details, Texts: e.Texts}
	for _, id := range e.Identifiers {
		a.Identifiers = append(a.Identifiers, report.Identifier(id))
	}
	return a
}

// exportRecord turns a record as Dump hands it out into its export form.
func exportRecord(col string, v any) (any, error) {
	switch r := v.(type) {
	case *report.Alert:
		return alertForExport(r), nil
	case report.Alert:
		return alertForExport(&r), nil
	case *store.Setting:
		return exportSetting{Key: r.Key, Value: r.Value}, nil
	case store.Setting:
		return exportSetting{Key: r.Key, Value: r.Value}, nil
	}
	return nil, fmt.Errorf("export %s: unexpected record type %T", col, v)
}

// importRecord decodes one exported document into the typed value Load takes.
func importRecord(col string, doc []byte) (any, error) {
	plain, err := plainJSON(doc)
	if err != nil {
		return nil, err
	}
	switch col {
	case store.ColAlerts:
		var e exportAlert
		if err := json.Unmarshal(plain, &e); err != nil {
			return nil, err
		}
		if !report.ValidID(e.ID) {
			return nil, fmt.Errorf("alert without a valid _id")
		}
		return e.alert(), nil
	case store.ColSettings:
		var e exportSetting
		if err := json.Unmarshal(plain, &e); err != nil {
			return nil, err
		}
		if e.Key == "" {
			return nil, fmt.Errorf("setting without a key")
		}
		return &store.Setting{Key: e.Key, Value: e.Value}, nil
	}
	return nil, fmt.Errorf("collection %q is not importable", col)
}

func runExport(ctx context.Context, env *environment, args []string) error {
	return withDatabase(ctx, env, "export", args, func(a *app) error { return export(ctx, env, a.store) })
}

func export(ctx context.Context, env *environment, s store.Store) error {
	w := bufio.NewWriter(env.stdout)
	n := 0
	for _, col := range store.Exportable {
		err := s.Dump(ctx, col, func(v any) error {
			rec, err := exportRecord(col, v)
			if err != nil {
				return err
			}
			doc, err := json.Marshal(rec)
			if err != nil {
				return err
			}
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

// importLines reads an export file and loads it in batches per collection. Load replaces a
// record with the same id, so importing a file twice changes nothing the second time.
func importLines(ctx context.Context, env *environment, s store.Store) error {
	sc := bufio.NewScanner(env.stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	batches := map[string][]any{}
	n := 0
	flush := func(col string) error {
		if len(batches[col]) == 0 {
			return nil
		}
		if err := s.Load(ctx, col, batches[col]); err != nil {
			return fmt.Errorf("import %s: %w", col, err)
		}
		n += len(batches[col])
		batches[col] = batches[col][:0]
		return nil
	}
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l exportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || !slices.Contains(store.Exportable, l.Collection) {
			return usagef("line %d is not a line written by headsup export", line)
		}
		rec, err := importRecord(l.Collection, l.Document)
		if err != nil {
			return usagef("line %d is not a line written by headsup export: %v", line, err)
		}
		batches[l.Collection] = append(batches[l.Collection], rec)
		if len(batches[l.Collection]) >= migrateBatch {
			if err := flush(l.Collection); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, col := range store.Exportable {
		if err := flush(col); err != nil {
			return err
		}
	}
	// Alerts from an older release's export get their identifiers upgraded at the next start.
	if err := publishing.RedoIdentifierUpgrade(ctx, s); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "imported %d documents\n", n)
	return nil
}

// openForCommand loads the configuration and opens the database for a one-off command, the
// way the server opens it: an app with only its configuration, logger and database, closed
// with close. With the embedded database this works while a server runs on the same data
// folder: SQLite lets several processes share the file.
func openForCommand(ctx context.Context, env *environment) (*app, error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg, env.stderr)
	s, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, log: log, store: s}, nil
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
