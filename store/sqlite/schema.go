package sqlite

import (
	"context"
	"fmt"
)

// migrations are the schema's versions, in order: migrations[i] takes a database from
// user_version i to i+1. A released migration is never edited; a change is a new one appended.
// Every table has a column for each thing a query filters or sorts on and an index behind
// each query; nested values (a report's fields and follow-ups, a delivery's retries) are JSON.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE reports (
	id            TEXT PRIMARY KEY,
	receipt_hash  TEXT NOT NULL UNIQUE,
	kind          TEXT NOT NULL,
	status        TEXT NOT NULL,
	submitted_day INTEGER,
	verified      INTEGER NOT NULL DEFAULT 0,
	bad_date      TEXT,              -- JSON of report.BadDateFields; NULL when purged
	drug_alert    TEXT,              -- JSON of report.DrugAlertFields; NULL when purged
	followups     TEXT,              -- JSON list; NULL when none or purged
	note          TEXT NOT NULL DEFAULT '',
	alert_id      TEXT NOT NULL DEFAULT '',
	decided_at    INTEGER,
	purged        INTEGER NOT NULL DEFAULT 0,
	claimed_by    TEXT NOT NULL DEFAULT '',
	claimed_until INTEGER
);
-- The review queue (oldest day first, then id), and counts by status and kind from the index
-- alone.
CREATE INDEX reports_status_day ON reports(status, submitted_day, id, kind);
-- The retention purge touches only decided reports not purged yet.
CREATE INDEX reports_unpurged_decided ON reports(decided_at) WHERE purged = 0 AND decided_at IS NOT NULL;
-- Statistics per day and kind.
CREATE INDEX reports_day_kind ON reports(submitted_day, kind);

CREATE TABLE alerts (
	id           TEXT PRIMARY KEY,
	version      INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	severity     TEXT NOT NULL,
	title        TEXT NOT NULL,
	body         TEXT NOT NULL,
	areas        TEXT NOT NULL,      -- JSON list, in the moderator's order; alert_areas indexes it
	incident_day INTEGER,
	time_band    TEXT NOT NULL DEFAULT '',
	published    INTEGER,
	updated      INTEGER,
	expires      INTEGER,
	status       TEXT NOT NULL,
	report_count INTEGER NOT NULL DEFAULT 0
);
-- Public listings, counts and the active list touch only unexpired alerts.
CREATE INDEX alerts_status_expires ON alerts(status, expires);
-- Moderation lists of expired and retracted alerts, most recently updated first, of every kind
-- or of one.
CREATE INDEX alerts_status_updated ON alerts(status, updated DESC, id);
CREATE INDEX alerts_status_kind_updated ON alerts(status, kind, updated DESC, id);
-- Statistics per publication day.
CREATE INDEX alerts_published_kind ON alerts(published, kind);

CREATE TABLE alert_areas (
	alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
	area     TEXT NOT NULL,
	PRIMARY KEY (alert_id, area)
) WITHOUT ROWID;

CREATE TABLE alert_identifiers (
	alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
	seq      INTEGER NOT NULL,
	type     TEXT NOT NULL,
	value    TEXT NOT NULL DEFAULT '',
	hmac     TEXT NOT NULL,
	public   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (alert_id, seq)
) WITHOUT ROWID;
-- /check looks an identifier up by its HMAC only.
CREATE INDEX alert_identifiers_hmac ON alert_identifiers(hmac, alert_id);

CREATE TABLE subscriptions (
	id           TEXT PRIMARY KEY,
	endpoint     TEXT NOT NULL UNIQUE,
	p256dh       TEXT NOT NULL,
	auth         TEXT NOT NULL,
	token_hash   TEXT NOT NULL DEFAULT '',
	kinds        TEXT NOT NULL,      -- JSON list
	areas        TEXT NOT NULL,      -- JSON list
	min_severity TEXT NOT NULL DEFAULT '',
	min_rank     INTEGER NOT NULL DEFAULT 0,
	discreet     INTEGER NOT NULL DEFAULT 0,
	lang         TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
-- Counting the subscriptions an alert goes to reads this narrow index, not the rows.
CREATE INDEX subscriptions_match ON subscriptions(min_rank, kinds, areas);

CREATE TABLE deliveries (
	id            TEXT PRIMARY KEY,
	alert_id      TEXT NOT NULL,
	alert_version INTEGER NOT NULL,
	retraction    INTEGER NOT NULL DEFAULT 0,
	created       INTEGER,
	state         TEXT NOT NULL,
	due           INTEGER,
	lease_owner   TEXT NOT NULL DEFAULT '',
	lease_until   INTEGER,
	claims        INTEGER NOT NULL DEFAULT 0,
	started       INTEGER,
	finished      INTEGER,
	note          TEXT NOT NULL DEFAULT '',
	position      TEXT NOT NULL DEFAULT '{}', -- JSON of store.WalkPosition
	walked        INTEGER NOT NULL DEFAULT 0,
	total         INTEGER NOT NULL DEFAULT -1,
	queued        INTEGER NOT NULL DEFAULT 0,
	sent          INTEGER NOT NULL DEFAULT 0,
	gone          INTEGER NOT NULL DEFAULT 0,
	failed        INTEGER NOT NULL DEFAULT 0,
	retrying      INTEGER NOT NULL DEFAULT 0,
	reached       INTEGER NOT NULL DEFAULT 0,
	retries       TEXT                         -- JSON list; NULL when none
);
-- Dispatchers look for due jobs; finished ones are in another state and never read.
CREATE INDEX deliveries_state_due ON deliveries(state, due);
CREATE INDEX deliveries_alert ON deliveries(alert_id, alert_version);

CREATE TABLE delivery_claims (
	id    TEXT PRIMARY KEY,            -- "<job>#<epoch>"
	job   TEXT NOT NULL,
	epoch INTEGER NOT NULL,
	owner TEXT NOT NULL,
	at    INTEGER
) WITHOUT ROWID;
CREATE INDEX delivery_claims_job ON delivery_claims(job, epoch);

CREATE TABLE moderators (
	id                   TEXT PRIMARY KEY,
	name                 TEXT NOT NULL UNIQUE,
	role                 TEXT NOT NULL,
	password_hash        TEXT NOT NULL DEFAULT '',
	must_change_password INTEGER NOT NULL DEFAULT 0,
	totp_secret          TEXT NOT NULL DEFAULT '',
	totp_enrolled        INTEGER NOT NULL DEFAULT 0,
	totp_last_step       INTEGER NOT NULL DEFAULT 0,
	disabled             INTEGER NOT NULL DEFAULT 0,
	failures             INTEGER NOT NULL DEFAULT 0,
	locked_until         INTEGER,
	created              INTEGER,
	last_sign_in         INTEGER
);

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	moderator_id TEXT NOT NULL,
	full         INTEGER NOT NULL DEFAULT 0,
	created      INTEGER,
	last_seen    INTEGER
) WITHOUT ROWID;
CREATE INDEX sessions_moderator ON sessions(moderator_id);
CREATE INDEX sessions_created ON sessions(created);
CREATE INDEX sessions_last_seen ON sessions(last_seen);

CREATE TABLE audit (
	id     TEXT PRIMARY KEY,
	time   INTEGER,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
-- The log newest first, unfiltered, by action, by actor, or by both.
CREATE INDEX audit_time ON audit(time, id);
CREATE INDEX audit_action_time ON audit(action, time, id);
CREATE INDEX audit_actor_time ON audit(actor, time, id);
CREATE INDEX audit_actor_action_time ON audit(actor, action, time, id);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE spent_challenges (
	challenge TEXT PRIMARY KEY,
	expires   INTEGER
) WITHOUT ROWID;
CREATE INDEX spent_challenges_expires ON spent_challenges(expires);
`,
	// 2: the statistics page reads every alert of its twelve weeks. With the areas in the
	// index it reads them from the index alone, in publication order, instead of one table
	// lookup and one alert_areas probe per alert, whose pages are spread over years of rows.
	`
CREATE INDEX alerts_published_kind_areas ON alerts(published, kind, areas);
DROP INDEX alerts_published_kind;
`,
	// 3: alerts carry a structured description and a text per language, and a checkable-only
	// identifier a masked hint; reports say whether they were answered or entered by staff and
	// hold the keyed hashes of their identifiers, which report_identifiers indexes so that a
	// new report finds the open reports naming the same phone, plate or handle.
	`
ALTER TABLE alerts ADD COLUMN details TEXT;  -- JSON list of report.Detail; NULL when none
ALTER TABLE alerts ADD COLUMN texts TEXT;    -- JSON list of report.Translation; NULL when none
ALTER TABLE alert_identifiers ADD COLUMN hint TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN staff_entered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN identifier_hmacs TEXT; -- JSON list; NULL when none or purged

-- One row per report and identifier HMAC it holds, kept in step with reports.identifier_hmacs:
-- linking looks a report up by HMAC; withdrawal and the purge remove a report's rows.
CREATE TABLE report_identifiers (
	hmac      TEXT NOT NULL,
	report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
	PRIMARY KEY (hmac, report_id)
) WITHOUT ROWID;
CREATE INDEX report_identifiers_report ON report_identifiers(report_id);
`,
}

// tables is every table, parents before the tables that refer to them.
var tables = []string{"settings", "moderators", "sessions", "alerts", "alert_areas", "alert_identifiers",
	"reports", "report_identifiers", "subscriptions", "deliveries", "delivery_claims", "audit", "spent_challenges"}

// migrate brings the schema to the newest version. Each migration and the version it sets are
// one transaction, and the version is read again inside it, so two processes opening the same
// new database at once (the server and a moderator command) apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done := false
		err := s.write(ctx, func(c conn) error {
			var v int
			if err := c.q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
				return wrapf("read schema version", err)
			}
			switch {
			case v > len(migrations):
				return fmt.Errorf("the database has schema version %d, newer than this program knows (%d): run a newer version", v, len(migrations))
			case v == len(migrations):
				done = true
				return nil
			}
			if _, err := c.q.ExecContext(ctx, migrations[v]); err != nil {
				return wrapf(fmt.Sprintf("migrate schema to version %d", v+1), err)
			}
			// PRAGMA takes no parameters; v is an int.
			if _, err := c.q.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return wrapf("set schema version", err)
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// SchemaVersion returns the database's schema version (PRAGMA user_version).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.rdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, wrapf("read schema version", err)
}
