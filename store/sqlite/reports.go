package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

const reportCols = `id, receipt_hash, kind, status, submitted_day, verified, bad_date, drug_alert, followups,
	note, alert_id, decided_at, purged, claimed_by, claimed_until, answered, staff_entered, identifier_hmacs`

// followupJSON is a follow-up as stored in the followups column.
type followupJSON struct {
	Day  msTime `json:"day"`
	Text string `json:"text"`
}

// reportArgs are r's values in the order of reportCols.
func reportArgs(r *report.Report) ([]any, error) {
	badDate, err := encodeOne("report fields", r.BadDate)
	if err != nil {
		return nil, err
	}
	drugAlert, err := encodeOne("report fields", r.DrugAlert)
	if err != nil {
		return nil, err
	}
	fs := make([]followupJSON, len(r.Followups))
	for i, f := range r.Followups {
		fs[i] = followupJSON{Day: toMSTime(f.Day), Text: f.Text}
	}
	followups, err := encodeList("follow-ups", fs)
	if err != nil {
		return nil, err
	}
	hmacs, err := encodeList("identifier hashes", r.IdentifierHMACs)
	if err != nil {
		return nil, err
	}
	return []any{r.ID, r.ReceiptHash, string(r.Kind), string(r.Status), ms(r.SubmittedDay), boolInt(r.Verified),
		badDate, drugAlert, followups, r.Note, r.AlertID, ms(r.DecidedAt), boolInt(r.Purged), r.ClaimedBy, ms(r.ClaimedUntil),
		boolInt(r.Answered), boolInt(r.StaffEntered), hmacs}, nil
}

func scanReport(sc scanner) (report.Report, error) {
	var r report.Report
	var kind, status string
	var submitted, decided, claimedUntil sql.NullInt64
	var badDate, drugAlert, followups, hmacs sql.NullString
	if err := sc.Scan(&r.ID, &r.ReceiptHash, &kind, &status, &submitted, &r.Verified, &badDate, &drugAlert, &followups,
		&r.Note, &r.AlertID, &decided, &r.Purged, &r.ClaimedBy, &claimedUntil, &r.Answered, &r.StaffEntered, &hmacs); err != nil {
		return r, err
	}
	r.Kind, r.Status = report.Kind(kind), report.Status(status)
	r.SubmittedDay, r.DecidedAt, r.ClaimedUntil = fromMS(submitted), fromMS(decided), fromMS(claimedUntil)
	var fs []followupJSON
	// Decoding into the pointer fields allocates them only for a column that is not NULL.
	for _, c := range []struct {
		col sql.NullString
		v   any
	}{{hmacs, &r.IdentifierHMACs}, {badDate, &r.BadDate}, {drugAlert, &r.DrugAlert}, {followups, &fs}} {
		if err := decodeJSON(c.col, c.v); err != nil {
			return r, fmt.Errorf("decode report %s: %w", r.ID, err)
		}
	}
	for _, f := range fs {
		r.Followups = append(r.Followups, report.Followup{Day: f.Day.time(), Text: f.Text})
	}
	return r, nil
}

func (c conn) reportBy(ctx context.Context, column, value string) (*report.Report, error) {
	// column is one of two constants, never input.
	r, err := scanReport(c.queryRow(ctx, `SELECT `+reportCols+` FROM reports WHERE `+column+` = ?`, value))
	if err != nil {
		return nil, wrapf("read report", err)
	}
	return &r, nil
}

const insertReport = `INSERT INTO reports (` + reportCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// linkIdentifiers adds report id's rows to report_identifiers, the index of the
// identifier_hmacs of open reports (pending or needs_info); rows it has already are kept, and
// a decided report gets none. Only open reports are ever looked up by hash, and a decided
// report's rows would make each lookup walk every past report that named the identifier:
// years of them for a repeat aggressor (decide removes them).
func (c conn) linkIdentifiers(ctx context.Context, id string, hmacs []string) error {
	for _, h := range hmacs {
		if _, err := c.exec(ctx, `INSERT INTO report_identifiers (hmac, report_id)
			SELECT ?, id FROM reports WHERE id = ? AND status IN ('pending', 'needs_info')
			ON CONFLICT DO NOTHING`, h, id); err != nil {
			return wrapf("index report identifiers", err)
		}
	}
	return nil
}

// CreateReport stores a new report. The caller has set its random id and receipt hash.
func (s *Store) CreateReport(ctx context.Context, r *report.Report) error {
	args, err := reportArgs(r)
	if err != nil {
		return err
	}
	// Reports arrive in bursts and each must be on disk before its receipt is shown: they
	// share commits (commitGroup) rather than queue for one fsync each.
	return s.writeGrouped(func(c conn) error {
		if _, err := c.exec(ctx, insertReport, args...); err != nil {
			return wrapf("create report", err)
		}
		return c.linkIdentifiers(ctx, r.ID, r.IdentifierHMACs)
	})
}

// Report returns the report with the given id.
func (s *Store) Report(ctx context.Context, id string) (*report.Report, error) {
	return s.read().reportBy(ctx, "id", id)
}

// ReportByReceipt returns the report whose receipt hashes to receiptHash.
func (s *Store) ReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error) {
	return s.read().reportBy(ctx, "receipt_hash", receiptHash)
}

// AddFollowup appends information to a report that is still pending, approved or waiting for
// an answer, and adds hmacs to its identifier hashes; an answer puts the report back in the
// queue, marked answered. Others (rejected, merged, purged) return ErrNotFound because there is
// nothing left to add to.
func (s *Store) AddFollowup(ctx context.Context, receiptHash string, f report.Followup, hmacs []string) error {
	b, err := json.Marshal(followupJSON{Day: toMSTime(f.Day), Text: f.Text})
	if err != nil {
		return fmt.Errorf("encode follow-up: %w", err)
	}
	return s.write(ctx, func(c conn) error {
		var id, status string
		var stored sql.NullString
		err := c.queryRow(ctx, `SELECT id, status, identifier_hmacs FROM reports
			WHERE receipt_hash = ? AND status IN ('pending', 'approved', 'needs_info') AND purged = 0`, receiptHash).
			Scan(&id, &status, &stored)
		if err != nil {
			return wrapf("add follow-up", err)
		}
		var have []string
		if err := decodeJSON(stored, &have); err != nil {
			return fmt.Errorf("add follow-up: decode report %s: %w", id, err)
		}
		all, added := mergeHMACs(have, hmacs)
		list, err := encodeList("identifier hashes", all)
		if err != nil {
			return err
		}
		// An answer to a question returns the report to the queue, undecided again, so the
		// retention purge waits for the next decision; other follow-ups leave the status as
		// it is. Every expression reads the row as it was before the update.
		if _, err := c.exec(ctx, `UPDATE reports SET followups = json_insert(coalesce(followups, '[]'), '$[#]', json(?)),
			identifier_hmacs = ?, answered = (answered OR status = 'needs_info'),
			decided_at = CASE status WHEN 'needs_info' THEN NULL ELSE decided_at END,
			status = CASE status WHEN 'needs_info' THEN 'pending' ELSE status END
			WHERE id = ?`, string(b), list, id); err != nil {
			return wrapf("add follow-up", err)
		}
		return c.linkIdentifiers(ctx, id, added)
	})
}

// mergeHMACs returns have with the hashes of more it lacks appended, each once, and those it
// appended.
func mergeHMACs(have, more []string) (all, added []string) {
	all = have
	for _, h := range more {
		if h != "" && !slices.Contains(all, h) {
			all = append(all, h)
			added = append(added, h)
		}
	}
	return all, added
}

// DeleteReportByReceipt withdraws a report. secure_delete overwrites its text in the database
// file, and the checkpoint afterwards truncates the WAL, which still holds the pages it was
// written in. A published alert made from it is a separate record and stays.
func (s *Store) DeleteReportByReceipt(ctx context.Context, receiptHash string) (*report.Report, error) {
	var r *report.Report
	err := s.write(ctx, func(c conn) error {
		var err error
		if r, err = c.reportBy(ctx, "receipt_hash", receiptHash); err != nil {
			return err
		}
		_, err = c.exec(ctx, `DELETE FROM reports WHERE id = ?`, r.ID)
		return wrapf("delete report", err)
	})
	if err != nil {
		return nil, err
	}
	_ = s.checkpoint(ctx)
	return r, nil
}

// CountReports counts reports in a status, for the queue and metrics.
func (s *Store) CountReports(ctx context.Context, status report.Status) (int64, error) {
	var n int64
	err := s.read().queryRow(ctx, `SELECT count(*) FROM reports WHERE status = ?`, string(status)).Scan(&n)
	return n, wrapf("count reports", err)
}

// PendingReports returns one page of the queue, oldest day first and within a day by id.
func (s *Store) PendingReports(ctx context.Context, skip, limit int) ([]report.Report, error) {
	return queryAll(ctx, s.read(), "list pending reports", scanReport,
		`SELECT `+reportCols+` FROM reports INDEXED BY reports_status_day WHERE status = 'pending'
		ORDER BY submitted_day, id LIMIT ? OFFSET ?`, noLimit(limit), max(skip, 0))
}

// PendingCounts counts pending reports per kind.
func (s *Store) PendingCounts(ctx context.Context) (map[report.Kind]int64, error) {
	rows, err := queryAll(ctx, s.read(), "count pending reports", func(sc scanner) (kindCount, error) {
		var k kindCount
		err := sc.Scan(&k.kind, &k.n)
		return k, err
	}, `SELECT kind, count(*) FROM reports WHERE status = 'pending' GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	out := map[report.Kind]int64{}
	for _, k := range report.Kinds {
		out[k] = 0
	}
	for _, r := range rows {
		out[report.Kind(r.kind)] = r.n
	}
	return out, nil
}

type kindCount struct {
	kind string
	n    int64
}

// claimable is the condition under which moderator may act on a pending report: the claim is
// theirs, has lapsed, or was never taken. Claiming and deciding use the same rule, so a
// moderator can decide exactly what they could claim. Its arguments are moderator and now.
const claimable = `status = 'pending' AND (claimed_by = ? OR claimed_until IS NULL OR claimed_until < ?)`

// ClaimReport gives moderator a lease on a pending report unless someone else holds an
// unexpired one; holding it already extends it.
func (s *Store) ClaimReport(ctx context.Context, id, moderator string, lease time.Duration) (*report.Report, bool, error) {
	now := s.now()
	var r *report.Report
	var held bool
	err := s.write(ctx, func(c conn) error {
		n, err := c.execN(ctx, `UPDATE reports SET claimed_by = ?, claimed_until = ? WHERE id = ? AND `+claimable,
			moderator, ms(now.Add(lease)), id, moderator, now.UnixMilli())
		if err != nil {
			return wrapf("claim report", err)
		}
		held = n == 1
		r, err = c.reportBy(ctx, "id", id)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return r, held, nil
}

// ReleaseClaim gives a report back to the queue before the lease runs out.
func (s *Store) ReleaseClaim(ctx context.Context, id, moderator string) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `UPDATE reports SET claimed_by = '', claimed_until = NULL WHERE id = ? AND claimed_by = ?`, id, moderator)
		return wrapf("release claim", err)
	})
}

// DecideReport records a decision on a report that is still pending and, when a lease is
// held, held by moderator. Decided meanwhile is ErrConflict; withdrawn ErrNotFound.
func (s *Store) DecideReport(ctx context.Context, id, moderator string, d store.Decision) error {
	return s.write(ctx, func(c conn) error { return c.decide(ctx, s.now(), id, moderator, d) })
}

func (c conn) decide(ctx context.Context, now time.Time, id, moderator string, d store.Decision) error {
	// A question counts as a decision for retention too: unanswered, its report is purged
	// like any other; the answer clears decided_at again (AddFollowup).
	n, err := c.execN(ctx, `UPDATE reports SET status = ?, decided_at = ?,
		note = CASE WHEN ? <> '' THEN ? ELSE note END, alert_id = CASE WHEN ? <> '' THEN ? ELSE alert_id END,
		answered = 0, claimed_by = '', claimed_until = NULL
		WHERE id = ? AND `+claimable,
		string(d.Status), ms(now), d.Note, d.Note, d.AlertID, d.AlertID, id, moderator, now.UnixMilli())
	if err != nil {
		return wrapf("decide report", err)
	}
	if n == 0 {
		var one int
		if err := c.queryRow(ctx, `SELECT 1 FROM reports WHERE id = ?`, id).Scan(&one); err != nil {
			return wrapf("decide report", err)
		}
		return store.ErrConflict
	}
	if d.Status != report.StatusNeedsInfo {
		// Decided for good: no longer linked by its identifiers (see linkIdentifiers).
		if _, err := c.exec(ctx, `DELETE FROM report_identifiers WHERE report_id = ?`, id); err != nil {
			return wrapf("decide report", err)
		}
	}
	return nil
}

// PurgeDecidedReports removes the raw text of reports decided before cutoff (a question left
// unanswered counts from when it was asked), and the hashes of the identifiers found in it;
// status, dates, note and alert link stay so that the receipt still answers. The WAL is truncated afterwards so that the text does not stay there.
func (s *Store) PurgeDecidedReports(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `DELETE FROM report_identifiers WHERE report_id IN (SELECT id FROM reports INDEXED BY reports_unpurged_decided
			WHERE purged = 0 AND decided_at < ? AND status IN ('approved', 'rejected', 'merged', 'needs_info'))`, cutoff.UnixMilli()); err != nil {
			return wrapf("purge decided reports", err)
		}
		var err error
		n, err = c.execN(ctx, `UPDATE reports INDEXED BY reports_unpurged_decided
			SET purged = 1, bad_date = NULL, drug_alert = NULL, followups = NULL, identifier_hmacs = NULL
			WHERE purged = 0 AND decided_at < ? AND status IN ('approved', 'rejected', 'merged', 'needs_info')`, cutoff.UnixMilli())
		return wrapf("purge decided reports", err)
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		_ = s.checkpoint(ctx)
	}
	return n, nil
}

// ReportCountsByDay counts reports received since the given day, per day and kind. It reads
// only the kind and the day, which survive the retention purge.
func (s *Store) ReportCountsByDay(ctx context.Context, since time.Time) ([]store.DayCount, error) {
	return queryAll(ctx, s.read(), "count reports", func(sc scanner) (store.DayCount, error) {
		var day sql.NullInt64
		var kind string
		var d store.DayCount
		err := sc.Scan(&day, &kind, &d.Count)
		d.Day, d.Kind = fromMS(day), report.Kind(kind)
		return d, err
	}, `SELECT submitted_day, kind, count(*) FROM reports WHERE submitted_day >= ? GROUP BY submitted_day, kind ORDER BY submitted_day, kind`, since.UnixMilli())
}

// ReportsByIdentifiers returns the pending and needs_info reports holding any of hmacs, each
// once, newest day first. It starts from report_identifiers, so its cost is the number of
// reports naming those identifiers, not the size of the queue.
func (s *Store) ReportsByIdentifiers(ctx context.Context, hmacs []string, limit int) ([]report.Report, error) {
	hmacs, limit = store.IdentifierQuery(hmacs, limit)
	if len(hmacs) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(hmacs)+1)
	for _, h := range hmacs {
		args = append(args, h)
	}
	args = append(args, limit)
	// CROSS JOIN keeps report_identifiers the outer loop: left to itself the planner walks
	// every pending report through the status index and probes the hashes for each.
	return queryAll(ctx, s.read(), "find reports by identifier", scanReport, `SELECT `+reportCols+`
		FROM report_identifiers CROSS JOIN reports ON reports.id = report_identifiers.report_id
		WHERE report_identifiers.hmac IN (`+params(len(hmacs))+`)
		AND reports.status IN ('pending', 'needs_info')
		GROUP BY reports.id ORDER BY reports.submitted_day DESC, reports.id LIMIT ?`, args...)
}

// AllReportIDs is for tests: the ids of every stored report.
func (s *Store) AllReportIDs(ctx context.Context) ([]string, error) {
	// A whole-table read on purpose; it is not traced, so the index test does not see it.
	rows, err := s.rdb.QueryContext(ctx, `SELECT id FROM reports ORDER BY id`)
	if err != nil {
		return nil, wrapf("list report ids", err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrapf("list report ids", err)
		}
		ids = append(ids, id)
	}
	return ids, wrapf("list report ids", rows.Err())
}
