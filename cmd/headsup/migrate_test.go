package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestMigrateSQLiteToMongoDBAndBack moves a data folder holding every kind of record to MongoDB
// (FerretDB in-process) and from there into a new data folder, comparing every collection's
// records with the original at each step, and checks that a non-empty target is refused.
func TestMigrateSQLiteToMongoDBAndBack(t *testing.T) {
	ctx := context.Background()
	src := newDeployment(t, "sqlite")
	s := src.open(t)
	counts := seedEveryCollection(t, s)
	for _, col := range store.TransferCollections {
		if counts[col] == 0 {
			t.Fatalf("the seed left %s empty; the comparison would prove nothing there", col)
		}
	}
	want := dumpAll(t, s)
	uri, db := storetest.MongoURI(t), "migrate_"+randomName(t)
	mongo := &deployment{engine: "mongodb", uri: uri, db: db}
	t.Cleanup(func() {
		if err := mongo.open(t).Drop(context.Background()); err != nil {
			t.Errorf("drop: %v", err)
		}
	})
	to := uri

	// 1. The embedded database (the configured one) to MongoDB. FerretDB, standing in for
	// MongoDB, spends time on each upserted record in proportion to the collection's size, so
	// the test keeps collections small and batches smaller still: several per big collection.
	getenv := src.getenv("HEADSUP_DB=" + db)
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "--batch", "100", "--to", to}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("migrate --to MongoDB: %v\n%s%s", err, out.String(), errOut.String())
	}
	for _, col := range store.TransferCollections {
		if !regexp.MustCompile(`(?m)^\s+` + col + `\s+` + strconv.Itoa(counts[col]) + `\b`).MatchString(out.String()) {
			t.Errorf("the output does not give %s's count (%d):\n%s", col, counts[col], out.String())
		}
	}
	if !strings.Contains(out.String(), "HEADSUP_RECEIPT_KEY") {
		t.Errorf("the output does not say that the receipt key must move too:\n%s", out.String())
	}
	compareDumps(t, "SQLite → MongoDB", want, dumpAll(t, mongo.open(t)))

	// 2. Into a database that holds data: refused, and nothing is written.
	out.Reset()
	err := run(ctx, []string{"migrate", "--to", to}, getenv, nil, &out, &errOut)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("migrating into a non-empty database: %v, want a usage error saying it is not empty", err)
	}

	// 3. MongoDB back to a new data folder.
	back := t.TempDir()
	out.Reset()
	if err := run(ctx, []string{"migrate", "--batch", "100", "--from", to, "--to", "sqlite:" + back}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("migrate MongoDB → SQLite: %v\n%s%s", err, out.String(), errOut.String())
	}
	restored := &deployment{engine: "sqlite", dataDir: back}
	compareDumps(t, "SQLite → MongoDB → SQLite", want, dumpAll(t, restored.open(t)))

	// 4. Nothing to copy from is an error, not an empty success.
	if err := run(ctx, []string{"migrate", "--from", "sqlite:" + t.TempDir(), "--to", "sqlite:" + t.TempDir()}, getenv, nil, &out, &errOut); !errors.As(err, &ue) {
		t.Fatalf("migrating from a folder without a database: %v, want a usage error", err)
	}
}

// seedEveryCollection writes records of every kind through the store, as a service would, with
// more subscriptions and audit entries than one migration batch (of 100) holds. It returns how many
// records each collection should hold.
func seedEveryCollection(t *testing.T, s store.Store) map[string]int {
	t.Helper()
	ctx := context.Background()
	// MongoDB keeps times to the millisecond; the clock does too, so records compare exactly.
	now := time.Now().UTC().Truncate(time.Millisecond)
	s.SetClock(func() time.Time { return now })
	day := report.Day(now)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}

	for i := range 3 {
		_, err := s.SettingOrCreate(ctx, fmt.Sprintf("key_%d", i), fmt.Sprintf("secret %d", i))
		must(err)
		counts[store.ColSettings]++
	}
	mod := &store.Moderator{ID: report.NewID(), Name: "ana", Role: store.RoleAdmin, PasswordHash: "$argon2id$x", TOTPSecret: "JBSWY3DPEHPK3PXP",
		TOTPEnrolled: true, TOTPLastStep: 12345, Created: now, LastSignIn: now}
	must(s.CreateModerator(ctx, mod))
	must(s.CreateModerator(ctx, &store.Moderator{ID: report.NewID(), Name: "ben", Role: store.RoleModerator, PasswordHash: "$argon2id$y", MustChangePassword: true, Created: now}))
	counts[store.ColModerators] = 2
	must(s.CreateSession(ctx, &store.Session{ID: report.NewID(), ModeratorID: mod.ID, Full: true, Created: now, LastSeen: now}))
	counts[store.ColSessions] = 1

	var reports []*report.Report
	for i := range 5 {
		r := &report.Report{ID: report.NewID(), ReceiptHash: fmt.Sprintf("receipt-hash-%d", i), Kind: report.DrugAlert, Status: report.StatusPending,
			SubmittedDay: day, Verified: i%2 == 0, DrugAlert: &report.DrugAlertFields{
				Common: report.Common{Date: day.Format(time.DateOnly), Area: "ward-6", Details: fmt.Sprintf("Blue pills %d", i)},
				SoldAs: "pressed_oxy", Routes: []string{"swallowed"}, Effects: []string{"overdose"}, FentanylStrip: "positive"}}
		must(s.CreateReport(ctx, r))
		reports = append(reports, r)
	}
	counts[store.ColReports] = len(reports)
	must(s.AddFollowup(ctx, reports[1].ReceiptHash, report.Followup{Day: day, Text: "More of them near the station."}, nil))
	_, held, err := s.ClaimReport(ctx, reports[2].ID, mod.ID, 10*time.Minute)
	must(err)
	if !held {
		t.Fatal("claim not held")
	}
	alert := &report.Alert{ID: report.NewID(), Version: 1, Kind: report.DrugAlert, Severity: report.SeverityDanger, Title: "Blue pills",
		Body: "Sold as oxy.", Areas: []string{"ward-6"}, IncidentDay: day, TimeBand: "night", Published: now, Updated: now,
		Expires: now.Add(14 * 24 * time.Hour), Status: report.AlertPublished, ReportCount: 1,
		Identifiers: []report.Identifier{{Type: "phone", Value: "2025550147", HMAC: "abc123", Public: false}}}
	must(s.ApproveReport(ctx, reports[0].ID, mod.ID, alert, store.Decision{Status: report.StatusApproved, Note: "Thank you", AlertID: alert.ID},
		store.AuditEntry{ID: report.NewID(), Time: now, Actor: "ana", Action: "approve", Target: alert.ID}))
	counts[store.ColAlerts] = 1
	counts[store.ColDeliveries] = 1 // the approval queued the alert's fan-out

	subs := make([]store.Subscription, 450) // several batches, the last one partial
	for i := range subs {
		subs[i] = store.Subscription{Endpoint: fmt.Sprintf("https://fcm.googleapis.com/fcm/send/%d", i), P256dh: "p256dh", Auth: "auth",
			TokenHash: fmt.Sprintf("token-%d", i), Kinds: []report.Kind{report.DrugAlert}, Areas: []string{"ward-6"},
			MinSeverity: report.SeverityInfo, MinRank: 1, Discreet: i%3 == 0, Lang: "en"}
	}
	must(s.InsertSubscriptions(ctx, subs))
	counts[store.ColSubscriptions] = len(subs)

	job, err := s.ClaimDelivery(ctx, "dispatcher-1", 30*time.Second)
	must(err)
	job.Position = store.WalkPosition{After: store.SubscriptionID(subs[10].Endpoint)}
	job.Total, job.Sent, job.Reached = int64(len(subs)), 10, 10
	job.Retries = []store.DeliveryRetry{{SubscriptionID: store.SubscriptionID(subs[3].Endpoint), Endpoint: subs[3].Endpoint, P256dh: "p", Auth: "a", Lang: "en", Attempts: 2, Next: now.Add(time.Minute)}}
	must(s.SaveDeliveryProgress(ctx, "dispatcher-1", job, now.Add(30*time.Second)))
	counts[store.ColDeliveryClaims] = 1

	counts[store.ColAudit] = 1 // the approval's
	for i := range 250 {
		must(s.AppendAudit(ctx, store.AuditEntry{ID: report.NewID(), Time: now.Add(-time.Duration(i) * time.Second), Actor: "ana", Action: "sign_in", Detail: "ok"}))
		counts[store.ColAudit]++
	}
	for i := range 4 {
		ok, err := s.MarkSpent(ctx, fmt.Sprintf("challenge-%d", i), now.Add(time.Hour))
		must(err)
		if !ok {
			t.Fatal("a fresh challenge was already spent")
		}
		counts[store.ColSpent]++
	}
	return counts
}

// dumpAll renders every record of every transferred collection in a canonical form.
func dumpAll(t *testing.T, s store.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, col := range store.TransferCollections {
		var recs []string
		err := s.Dump(context.Background(), col, func(v any) error {
			recs = append(recs, canonical(v))
			return nil
		})
		if err != nil {
			t.Fatalf("dump %s: %v", col, err)
		}
		slices.Sort(recs) // both engines dump in id order, but let the check be about content
		out[col] = recs
	}
	return out
}

func compareDumps(t *testing.T, what string, want, got map[string][]string) {
	t.Helper()
	for _, col := range store.TransferCollections {
		if len(got[col]) != len(want[col]) {
			t.Errorf("%s: %s holds %d records, want %d", what, col, len(got[col]), len(want[col]))
			continue
		}
		for i := range want[col] {
			if got[col][i] != want[col][i] {
				t.Errorf("%s: %s differs:\n got %s\nwant %s", what, col, got[col][i], want[col][i])
				break
			}
		}
	}
}

// canonical prints a record with every field, exported or hidden from JSON, so that a lost
// identifier HMAC or lease shows. Times are compared as instants to the millisecond (what
// MongoDB keeps), and an empty list equals a missing one (engines may store either).
func canonical(v any) string {
	var b strings.Builder
	writeCanonical(&b, reflect.ValueOf(v))
	return b.String()
}

func writeCanonical(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		b.WriteString("nil")
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		writeCanonical(b, v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			tm := v.Interface().(time.Time)
			b.WriteString(tm.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano))
			return
		}
		b.WriteString(v.Type().Name() + "{")
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			b.WriteString(v.Type().Field(i).Name + ":")
			writeCanonical(b, v.Field(i))
			b.WriteString(" ")
		}
		b.WriteString("}")
	case reflect.Slice, reflect.Array:
		b.WriteString("[")
		for i := range v.Len() {
			writeCanonical(b, v.Index(i))
			b.WriteString(",")
		}
		b.WriteString("]")
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
		b.WriteString("map[")
		for _, k := range keys {
			fmt.Fprintf(b, "%v:", k)
			writeCanonical(b, v.MapIndex(k))
			b.WriteString(",")
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(b, "%q", fmt.Sprint(v))
	}
}
