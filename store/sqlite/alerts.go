package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// alertCols reads an alert with its identifiers (in their order) gathered by a lookup on the
// child table's primary key.
const alertCols = `alerts.id, alerts.version, alerts.kind, alerts.severity, alerts.title, alerts.body, alerts.areas,
	alerts.incident_day, alerts.time_band, alerts.published, alerts.updated, alerts.expires, alerts.status,
	alerts.report_count, alerts.details, alerts.texts,
	(SELECT json_group_array(json_array(type, value, hmac, public, hint) ORDER BY seq) FROM alert_identifiers
		WHERE alert_identifiers.alert_id = alerts.id)`

func scanAlert(sc scanner) (report.Alert, error) {
	var a report.Alert
	var kind, severity, status, areas, idents string
	var incident, published, updated, expires sql.NullInt64
	var details, texts sql.NullString
	if err := sc.Scan(&a.ID, &a.Version, &kind, &severity, &a.Title, &a.Body, &areas, &incident, &a.TimeBand,
		&published, &updated, &expires, &status, &a.ReportCount, &details, &texts, &idents); err != nil {
		return a, err
	}
	a.Kind, a.Severity, a.Status = report.Kind(kind), report.Severity(severity), report.AlertStatus(status)
	a.IncidentDay, a.Published, a.Updated, a.Expires = fromMS(incident), fromMS(published), fromMS(updated), fromMS(expires)
	if err := json.Unmarshal([]byte(areas), &a.Areas); err != nil {
		return a, fmt.Errorf("decode alert %s: %w", a.ID, err)
	}
	if err := decodeJSON(details, &a.Details); err != nil {
		return a, fmt.Errorf("decode alert %s: %w", a.ID, err)
	}
	if err := decodeJSON(texts, &a.Texts); err != nil {
		return a, fmt.Errorf("decode alert %s: %w", a.ID, err)
	}
	var ids [][]any
	if err := json.Unmarshal([]byte(idents), &ids); err != nil {
		return a, fmt.Errorf("decode alert %s: %w", a.ID, err)
	}
	for _, t := range ids {
		if len(t) != 5 {
			return a, fmt.Errorf("decode alert %s: bad identifier", a.ID)
		}
		typ, _ := t[0].(string)
		val, _ := t[1].(string)
		hmac, _ := t[2].(string)
		pub, _ := t[3].(float64)
		hint, _ := t[4].(string)
		a.Identifiers = append(a.Identifiers, report.Identifier{Type: typ, Value: val, Hint: hint, HMAC: hmac, Public: pub != 0})
	}
	return a, nil
}

func (c conn) alert(ctx context.Context, id string) (*report.Alert, error) {
	a, err := scanAlert(c.queryRow(ctx, `SELECT `+alertCols+` FROM alerts WHERE alerts.id = ?`, id))
	if err != nil {
		return nil, wrapf("read alert", err)
	}
	return &a, nil
}

// encodeList returns a list as JSON text for a nullable column: NULL when it is empty, so that
// an alert without details reads back as nil, as it was written.
func encodeList[T any](what string, list []T) (any, error) {
	if len(list) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// encodeOne returns v as JSON text for a nullable column: NULL when v is nil.
func encodeOne[T any](what string, v *T) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// decodeJSON decodes a nullable JSON column into v; NULL leaves v as it is.
func decodeJSON(col sql.NullString, v any) error {
	if !col.Valid {
		return nil
	}
	return json.Unmarshal([]byte(col.String), v)
}

// encodeText returns v as JSON text for a column that is never NULL.
func encodeText(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// insertAlert stores a new alert with its areas and identifiers.
func (c conn) insertAlert(ctx context.Context, a *report.Alert) error {
	areas, err := encodeText("areas", a.Areas)
	if err != nil {
		return err
	}
	details, err := encodeList("alert details", a.Details)
	if err != nil {
		return err
	}
	texts, err := encodeList("alert texts", a.Texts)
	if err != nil {
		return err
	}
	if _, err := c.exec(ctx, `INSERT INTO alerts (id, version, kind, severity, title, body, areas, incident_day, time_band,
		published, updated, expires, status, report_count, details, texts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Version, string(a.Kind), string(a.Severity), a.Title, a.Body, areas, ms(a.IncidentDay), a.TimeBand,
		ms(a.Published), ms(a.Updated), ms(a.Expires), string(a.Status), a.ReportCount, details, texts); err != nil {
		return wrapf("create alert", err)
	}
	if err := c.addAreas(ctx, a.ID, a.Areas); err != nil {
		return err
	}
	for i, id := range a.Identifiers {
		if _, err := c.exec(ctx, `INSERT INTO alert_identifiers (alert_id, seq, type, value, hmac, public, hint) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.ID, i, id.Type, id.Value, id.HMAC, boolInt(id.Public), id.Hint); err != nil {
			return wrapf("create alert identifier", err)
		}
	}
	return nil
}

func (c conn) addAreas(ctx context.Context, alertID string, areas []string) error {
	for _, area := range areas {
		if _, err := c.exec(ctx, `INSERT INTO alert_areas (alert_id, area) VALUES (?, ?) ON CONFLICT DO NOTHING`, alertID, area); err != nil {
			return wrapf("store alert area", err)
		}
	}
	return nil
}

// CreateAlert stores a new alert. The caller sets its random id, version 1 and status.
func (s *Store) CreateAlert(ctx context.Context, a *report.Alert) error {
	return s.write(ctx, func(c conn) error { return c.insertAlert(ctx, a) })
}

// Alert returns one alert in any status; callers decide what the public may see.
func (s *Store) Alert(ctx context.Context, id string) (*report.Alert, error) {
	return s.read().alert(ctx, id)
}

// pageOf reads the alerts whose ids the query ids selects, in order. Selecting the page's ids
// first means only the alerts on the page are read whole, identifiers included, rather than
// every candidate before the sort.
func pageOf(ids, order string) string {
	return `SELECT ` + alertCols + ` FROM alerts WHERE alerts.id IN (` + ids + `) ORDER BY ` + order
}

const (
	newestFirst   = `alerts.published DESC, alerts.id DESC`
	recentlyFirst = `alerts.updated DESC, alerts.id`
)

// PublishedAlerts returns published, unexpired alerts, newest first. The index on (status,
// expires) means only alerts that have not expired are read, whatever the history; those few
// are then filtered and sorted.
func (s *Store) PublishedAlerts(ctx context.Context, f store.AlertFilter) ([]report.Alert, error) {
	var q strings.Builder
	q.WriteString(`SELECT alerts.id FROM alerts INDEXED BY alerts_status_expires
		WHERE alerts.status = 'published' AND alerts.expires > ?`)
	args := []any{s.now().UnixMilli()}
	if f.Kind != "" {
		q.WriteString(` AND alerts.kind = ?`)
		args = append(args, string(f.Kind))
	}
	if f.Area != "" {
		q.WriteString(` AND EXISTS (SELECT 1 FROM alert_areas WHERE alert_areas.alert_id = alerts.id AND alert_areas.area = ?)`)
		args = append(args, f.Area)
	}
	if !f.Since.IsZero() {
		q.WriteString(` AND alerts.published >= ?`)
		args = append(args, f.Since.UnixMilli())
	}
	if f.AfterID != "" {
		q.WriteString(` AND (alerts.published < ? OR (alerts.published = ? AND alerts.id < ?))`)
		args = append(args, f.AfterPublished.UnixMilli(), f.AfterPublished.UnixMilli(), f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	q.WriteString(` ORDER BY alerts.published DESC, alerts.id DESC LIMIT ?`)
	args = append(args, limit)
	return queryAll(ctx, s.read(), "list alerts", scanAlert, pageOf(q.String(), newestFirst), args...)
}

// CountPublishedAlerts counts alerts the public can see now, for metrics.
func (s *Store) CountPublishedAlerts(ctx context.Context) (int64, error) {
	var n int64
	err := s.read().queryRow(ctx, `SELECT count(*) FROM alerts WHERE status = 'published' AND expires > ?`, s.now().UnixMilli()).Scan(&n)
	return n, wrapf("count alerts", err)
}

// changeAlert runs an UPDATE of one alert (the last argument is its id) and returns the alert
// as it then is; no change is ErrNotFound when the alert does not exist and ErrConflict when it
// is not in the state the statement expects. more runs in the same transaction after a change.
func (s *Store) changeAlert(ctx context.Context, id string, more func(c conn) error, query string, args ...any) (*report.Alert, error) {
	var a *report.Alert
	err := s.write(ctx, func(c conn) error {
		var err error
		a, err = c.changeAlert(ctx, id, more, query, args...)
		return err
	})
	return a, err
}

// changeAlert is Store.changeAlert within the caller's transaction.
func (c conn) changeAlert(ctx context.Context, id string, more func(c conn) error, query string, args ...any) (*report.Alert, error) {
	n, err := c.execN(ctx, query, args...)
	if err != nil {
		return nil, wrapf("change alert", err)
	}
	if n == 0 {
		if _, err := c.alert(ctx, id); err != nil {
			return nil, err
		}
		return nil, store.ErrConflict
	}
	if more != nil {
		if err := more(c); err != nil {
			return nil, err
		}
	}
	return c.alert(ctx, id)
}

// UpdateAlert applies an edit as a new version, if the alert is still published and still at
// fromVersion: an edit made on a stale page must not silently undo someone else's. The change
// replaces the public content whole, details and texts included.
func (s *Store) UpdateAlert(ctx context.Context, id string, fromVersion int, ch store.AlertChange) (*report.Alert, error) {
	var a *report.Alert
	err := s.write(ctx, func(c conn) error {
		var err error
		a, err = c.updateAlert(ctx, s.now(), id, fromVersion, ch)
		return err
	})
	return a, err
}

// updateAlert is UpdateAlert within the caller's transaction.
func (c conn) updateAlert(ctx context.Context, now time.Time, id string, fromVersion int, ch store.AlertChange) (*report.Alert, error) {
	areas, err := encodeText("areas", ch.Areas)
	if err != nil {
		return nil, err
	}
	details, err := encodeList("alert details", ch.Details)
	if err != nil {
		return nil, err
	}
	texts, err := encodeList("alert texts", ch.Texts)
	if err != nil {
		return nil, err
	}
	return c.changeAlert(ctx, id, func(c conn) error {
		if _, err := c.exec(ctx, `DELETE FROM alert_areas WHERE alert_id = ?`, id); err != nil {
			return wrapf("change alert areas", err)
		}
		return c.addAreas(ctx, id, ch.Areas)
	}, `UPDATE alerts SET title = ?, body = ?, severity = ?, areas = ?, expires = ?, details = ?, texts = ?, updated = ?,
		version = version + 1 WHERE status = 'published' AND version = ? AND id = ?`,
		ch.Title, ch.Body, string(ch.Severity), areas, ms(ch.Expires), details, texts, ms(now), fromVersion, id)
}

// RetractAlert withdraws a published alert as a new version, which the dispatcher pushes as a
// retraction.
func (s *Store) RetractAlert(ctx context.Context, id string) (*report.Alert, error) {
	return s.changeAlert(ctx, id, nil, retractQuery, ms(s.now()), id)
}

const retractQuery = `UPDATE alerts SET status = 'retracted', updated = ?, version = version + 1
	WHERE status = 'published' AND id = ?`

// ExtendAlert moves a published alert's expiry. It is not a new version: nothing a subscriber
// reads changes, so nothing is pushed.
func (s *Store) ExtendAlert(ctx context.Context, id string, expires time.Time) (*report.Alert, error) {
	return s.changeAlert(ctx, id, nil, extendQuery, ms(expires), id)
}

const extendQuery = `UPDATE alerts SET expires = ? WHERE status = 'published' AND id = ?`

// MergeIntoAlert counts one more report in a published alert and adds areas to it.
func (s *Store) MergeIntoAlert(ctx context.Context, id string, addAreas []string) (*report.Alert, error) {
	var a *report.Alert
	err := s.write(ctx, func(c conn) error {
		var err error
		a, err = c.mergeInto(ctx, id, addAreas)
		return err
	})
	return a, err
}

// mergeInto counts one more report in alert id and adds areas it does not have yet: ErrNotFound
// if there is no such alert, ErrConflict if it is not published.
func (c conn) mergeInto(ctx context.Context, id string, addAreas []string) (*report.Alert, error) {
	a, err := c.alert(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status != report.AlertPublished {
		return nil, store.ErrConflict
	}
	for _, area := range addAreas {
		if !slices.Contains(a.Areas, area) {
			a.Areas = append(a.Areas, area)
		}
	}
	areas, err := encodeText("areas", a.Areas)
	if err != nil {
		return nil, err
	}
	if _, err := c.exec(ctx, `UPDATE alerts SET report_count = report_count + 1, areas = ? WHERE id = ?`, areas, id); err != nil {
		return nil, wrapf("merge into alert", err)
	}
	if err := c.addAreas(ctx, id, addAreas); err != nil {
		return nil, err
	}
	return c.alert(ctx, id)
}

// ModerationAlerts returns one page of alerts in a list (active, expired or retracted), most
// recently updated first. Active alerts are few and found by expiry; the expired and retracted
// lists, which grow for ever, are read in order from an index.
func (s *Store) ModerationAlerts(ctx context.Context, list string, kind report.Kind, skip, limit int) ([]report.Alert, error) {
	// The long lists are read in order from an index on (status, updated) or, for one kind,
	// (status, kind, updated); the index names are constants.
	long := "alerts_status_updated"
	if kind != "" {
		long = "alerts_status_kind_updated"
	}
	var q string
	var args []any
	switch list {
	case store.AlertsExpired:
		q = `SELECT alerts.id FROM alerts INDEXED BY ` + long + `
			WHERE alerts.status = 'published' AND alerts.expires <= ?`
		args = append(args, s.now().UnixMilli())
	case store.AlertsRetracted:
		q = `SELECT alerts.id FROM alerts INDEXED BY ` + long + ` WHERE alerts.status = 'retracted'`
	default:
		q = `SELECT alerts.id FROM alerts INDEXED BY alerts_status_expires
			WHERE alerts.status = 'published' AND alerts.expires > ?`
		args = append(args, s.now().UnixMilli())
	}
	if kind != "" {
		q += ` AND alerts.kind = ?`
		args = append(args, string(kind))
	}
	q += ` ORDER BY ` + recentlyFirst + ` LIMIT ? OFFSET ?`
	args = append(args, noLimit(limit), max(skip, 0))
	return queryAll(ctx, s.read(), "list alerts", scanAlert, pageOf(q, recentlyFirst), args...)
}

// AlertsByIdentifier returns the published, unexpired bad-date alerts holding a checkable
// identifier with this HMAC, newest first, at most 50. Only the HMAC is queried: the value
// asked about is never stored. The query starts from the unexpired alerts, so its cost does not
// depend on how many expired alerts named the same identifier.
func (s *Store) AlertsByIdentifier(ctx context.Context, hmac string) ([]report.Alert, error) {
	return queryAll(ctx, s.read(), "find alerts by identifier", scanAlert, pageOf(`SELECT alerts.id
		FROM alerts INDEXED BY alerts_status_expires
		WHERE alerts.status = 'published' AND alerts.expires > ? AND alerts.kind = 'bad_date'
		AND EXISTS (SELECT 1 FROM alert_identifiers WHERE alert_identifiers.hmac = ? AND alert_identifiers.alert_id = alerts.id)
		ORDER BY `+newestFirst+` LIMIT 50`, newestFirst), s.now().UnixMilli(), hmac)
}

// AlertCountsByDay counts alerts published since the given time per publication day, kind
// and area; an alert for two areas counts once in each. The areas come from the alert's own
// list in the covering index, not from alert_areas: probing that table once per alert reads
// pages spread over years of rows, which made the statistics page slower as history grew.
func (s *Store) AlertCountsByDay(ctx context.Context, since time.Time) ([]store.DayCount, error) {
	return queryAll(ctx, s.read(), "count alerts", func(sc scanner) (store.DayCount, error) {
		var day int64
		var kind string
		var d store.DayCount
		err := sc.Scan(&day, &kind, &d.Area, &d.Count)
		d.Day, d.Kind = time.UnixMilli(day).UTC(), report.Kind(kind)
		return d, err
	}, `SELECT alerts.published / 86400000 * 86400000 AS day, alerts.kind, area.value, count(*)
		FROM alerts INDEXED BY alerts_published_kind_areas, json_each(alerts.areas) AS area
		WHERE alerts.published >= ?
		GROUP BY day, alerts.kind, area.value ORDER BY day, alerts.kind, area.value`, since.UnixMilli())
}
