package storetest

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/store"
)

var accountCases = []testCase{
	{"Moderators/CreateAndRead", testModeratorCreate},
	{"Moderators/AccountChanges", testModeratorChanges},
	{"Moderators/TOTPStepOnce", testTOTPStep},
	{"Moderators/FailedSignInsAndLock", testFailedSignIns},
	{"Sessions/Lifecycle", testSessions},
	{"Sessions/Purge", testPurgeSessions},
	{"Audit/FiltersAndOrder", testAuditLog},
	{"Audit/Limit", testAuditLimit},
	{"Settings/FirstWriterWins", testSettings},
	{"Challenges/SpentOnce", testChallenges},
}

func (e *env) newModerator(id, name string) *store.Moderator {
	return &store.Moderator{ID: id, Name: name, Role: store.RoleModerator, PasswordHash: "hash-" + id,
		MustChangePassword: true, Created: e.now()}
}

func testModeratorCreate(e *env) {
	full := &store.Moderator{ID: "m1", Name: "zoe", Role: store.RoleAdmin, PasswordHash: "argon2id$hash", MustChangePassword: false,
		TOTPSecret: "SECRET", TOTPEnrolled: true, TOTPLastStep: 1234, Disabled: true, Failures: 2,
		LockedUntil: e.now().Add(time.Minute), Created: e.now().Add(-time.Hour), LastSignIn: e.now().Add(-time.Minute)}
	e.ok(e.s.CreateModerator(e.ctx, full), "create moderator")
	e.same(must(e.s.Moderator(e.ctx, "m1")), full, "moderator by id")
	e.same(must(e.s.ModeratorByName(e.ctx, "zoe")), full, "moderator by name")

	e.wantErr(e.s.CreateModerator(e.ctx, e.newModerator("m2", "zoe")), store.ErrExists, "a taken name")
	_, err := e.s.Moderator(e.ctx, "m2")
	e.wantErr(err, store.ErrNotFound, "the refused account")
	if err := e.s.CreateModerator(e.ctx, e.newModerator("m1", "other")); err == nil {
		e.t.Fatal("a second account with the same id was accepted")
	}
	e.same(must(e.s.ModeratorByName(e.ctx, "zoe")), full, "the name's account after refused duplicates")

	e.ok(e.s.CreateModerator(e.ctx, e.newModerator("m3", "ana")), "create")
	e.ok(e.s.CreateModerator(e.ctx, e.newModerator("m4", "mia")), "create")
	var names []string
	for _, m := range must(e.s.Moderators(e.ctx)) {
		names = append(names, m.Name)
	}
	if !slices.Equal(names, []string{"ana", "mia", "zoe"}) {
		e.t.Fatalf("Moderators = %v, want by name", names)
	}
	if n := must(e.s.CountModerators(e.ctx)); n != 3 {
		e.t.Fatalf("CountModerators = %d", n)
	}
	_, err = e.s.Moderator(e.ctx, "missing")
	e.wantErr(err, store.ErrNotFound, "missing moderator")
	_, err = e.s.ModeratorByName(e.ctx, "nobody")
	e.wantErr(err, store.ErrNotFound, "missing name")
}

func testModeratorChanges(e *env) {
	m := e.newModerator("m1", "ana")
	e.ok(e.s.CreateModerator(e.ctx, m), "create")
	get := func() *store.Moderator { e.t.Helper(); return must(e.s.Moderator(e.ctx, "m1")) }

	e.ok(e.s.SetPassword(e.ctx, "m1", "chosen"), "set password")
	if got := get(); got.PasswordHash != "chosen" || got.MustChangePassword {
		e.t.Fatalf("after SetPassword: %q, must change %v", got.PasswordHash, got.MustChangePassword)
	}
	e.ok(e.s.SetTOTPSecret(e.ctx, "m1", "S1"), "set TOTP secret")
	if got := get(); got.TOTPSecret != "S1" || got.TOTPEnrolled {
		e.t.Fatalf("after SetTOTPSecret: %q, enrolled %v", got.TOTPSecret, got.TOTPEnrolled)
	}
	e.ok(e.s.EnrolTOTP(e.ctx, "m1", 500), "enrol")
	if got := get(); got.TOTPSecret != "S1" || !got.TOTPEnrolled || got.TOTPLastStep != 500 {
		e.t.Fatalf("after EnrolTOTP: %q, enrolled %v, step %d", got.TOTPSecret, got.TOTPEnrolled, got.TOTPLastStep)
	}
	e.ok(e.s.SetModeratorDisabled(e.ctx, "m1", true), "disable")
	if !get().Disabled {
		e.t.Fatal("not disabled")
	}
	e.ok(e.s.SetModeratorDisabled(e.ctx, "m1", false), "enable")
	if get().Disabled {
		e.t.Fatal("still disabled")
	}
	for range 3 {
		_, err := e.s.RecordFailedSignIn(e.ctx, "m1", func(int) time.Duration { return time.Hour })
		e.ok(err, "failed sign-in")
	}
	// A reset forgets the authenticator, the failures and the lock.
	e.ok(e.s.ResetModerator(e.ctx, "m1", "one-time"), "reset")
	got := get()
	if got.PasswordHash != "one-time" || !got.MustChangePassword || got.TOTPSecret != "" || got.TOTPEnrolled ||
		got.Failures != 0 || !got.LockedUntil.IsZero() {
		e.t.Fatalf("after ResetModerator: %+v", got)
	}
	if got.Name != "ana" || got.Role != store.RoleModerator || !got.Created.Equal(m.Created) {
		e.t.Fatalf("reset changed the account itself: %+v", got)
	}

	for name, err := range map[string]error{
		"SetPassword":          e.s.SetPassword(e.ctx, "missing", "x"),
		"SetTOTPSecret":        e.s.SetTOTPSecret(e.ctx, "missing", "x"),
		"EnrolTOTP":            e.s.EnrolTOTP(e.ctx, "missing", 1),
		"SetModeratorDisabled": e.s.SetModeratorDisabled(e.ctx, "missing", true),
		"ResetModerator":       e.s.ResetModerator(e.ctx, "missing", "x"),
		"RecordSignIn":         e.s.RecordSignIn(e.ctx, "missing"),
	} {
		e.wantErr(err, store.ErrNotFound, name+" of a missing account")
	}
	_, err := e.s.RecordFailedSignIn(e.ctx, "missing", func(int) time.Duration { return 0 })
	e.wantErr(err, store.ErrNotFound, "RecordFailedSignIn of a missing account")
	if n := must(e.s.CountModerators(e.ctx)); n != 1 {
		e.t.Fatalf("changes to a missing account created one: %d accounts", n)
	}
}

func testTOTPStep(e *env) {
	e.ok(e.s.CreateModerator(e.ctx, e.newModerator("m1", "ana")), "create")
	e.ok(e.s.SetTOTPSecret(e.ctx, "m1", "S"), "secret")
	e.ok(e.s.EnrolTOTP(e.ctx, "m1", 100), "enrol")
	for _, c := range []struct {
		step int64
		ok   bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}, {103, false}, {104, true}} {
		if got := must(e.s.UseTOTPStep(e.ctx, "m1", c.step)); got != c.ok {
			e.t.Fatalf("UseTOTPStep(%d) = %v, want %v", c.step, got, c.ok)
		}
	}
	if got := must(e.s.Moderator(e.ctx, "m1")); got.TOTPLastStep != 104 {
		e.t.Fatalf("last step %d, want 104", got.TOTPLastStep)
	}
	// Requests racing with one code: exactly one is accepted.
	for step := int64(200); step < 205; step++ {
		var wins atomic.Int32
		parallel(8, func(int) {
			ok, err := e.s.UseTOTPStep(e.ctx, "m1", step)
			if err != nil {
				e.t.Errorf("UseTOTPStep: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		})
		if wins.Load() != 1 {
			e.t.Fatalf("step %d accepted %d times, want once", step, wins.Load())
		}
	}
}

func testFailedSignIns(e *env) {
	e.ok(e.s.CreateModerator(e.ctx, e.newModerator("m1", "ana")), "create")
	lock := func(n int) time.Duration {
		if n >= 3 {
			return 15 * time.Minute
		}
		return 0
	}
	for want := 1; want <= 3; want++ {
		if n := must(e.s.RecordFailedSignIn(e.ctx, "m1", lock)); n != want {
			e.t.Fatalf("failure count %d, want %d", n, want)
		}
		got := must(e.s.Moderator(e.ctx, "m1"))
		if got.Failures != want {
			e.t.Fatalf("stored failures %d, want %d", got.Failures, want)
		}
		if want < 3 && !got.LockedUntil.IsZero() {
			e.t.Fatalf("locked after %d failures", want)
		}
	}
	if got := must(e.s.ModeratorByName(e.ctx, "ana")); !got.LockedUntil.Equal(e.now().Add(15 * time.Minute)) {
		e.t.Fatalf("locked until %v, want %v", got.LockedUntil, e.now().Add(15*time.Minute))
	}
	e.clock.Advance(20 * time.Minute)
	e.ok(e.s.RecordSignIn(e.ctx, "m1"), "sign in")
	got := must(e.s.Moderator(e.ctx, "m1"))
	if got.Failures != 0 || !got.LockedUntil.IsZero() || !got.LastSignIn.Equal(e.now()) {
		e.t.Fatalf("after sign-in: failures %d, locked until %v, last sign-in %v", got.Failures, got.LockedUntil, got.LastSignIn)
	}
	// Attempts racing each other are all counted: guessing in parallel does not dodge the lock.
	counts := make([]int, 10)
	parallel(10, func(i int) {
		n, err := e.s.RecordFailedSignIn(e.ctx, "m1", func(int) time.Duration { return 0 })
		if err != nil {
			e.t.Errorf("failed sign-in: %v", err)
		}
		counts[i] = n
	})
	slices.Sort(counts)
	if !slices.Equal(counts, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		e.t.Fatalf("racing failures counted %v, want 1 to 10", counts)
	}
}

func testSessions(e *env) {
	s1 := &store.Session{ID: "s1", ModeratorID: "m1", Full: true, Created: e.now(), LastSeen: e.now()}
	s2 := &store.Session{ID: "s2", ModeratorID: "m1", Created: e.now(), LastSeen: e.now()}
	s3 := &store.Session{ID: "s3", ModeratorID: "m2", Full: true, Created: e.now(), LastSeen: e.now()}
	for _, s := range []*store.Session{s1, s2, s3} {
		e.ok(e.s.CreateSession(e.ctx, s), "create session")
	}
	e.same(must(e.s.Session(e.ctx, "s1")), s1, "session read back")
	e.same(must(e.s.Session(e.ctx, "s2")), s2, "half-signed-in session read back")
	_, err := e.s.Session(e.ctx, "missing")
	e.wantErr(err, store.ErrNotFound, "missing session")

	seen := e.now().Add(10 * time.Minute)
	e.ok(e.s.TouchSession(e.ctx, "s1", seen), "touch")
	if got := must(e.s.Session(e.ctx, "s1")); !got.LastSeen.Equal(seen) || !got.Created.Equal(s1.Created) {
		e.t.Fatalf("touched session: created %v, last seen %v", got.Created, got.LastSeen)
	}
	e.ok(e.s.DeleteSession(e.ctx, "s2"), "sign out")
	_, err = e.s.Session(e.ctx, "s2")
	e.wantErr(err, store.ErrNotFound, "signed-out session")
	must(e.s.Session(e.ctx, "s1"))

	e.ok(e.s.CreateSession(e.ctx, &store.Session{ID: "s4", ModeratorID: "m1", Created: e.now(), LastSeen: e.now()}), "create")
	e.ok(e.s.DeleteSessionsOf(e.ctx, "m1"), "end every session of m1")
	for _, id := range []string{"s1", "s4"} {
		_, err = e.s.Session(e.ctx, id)
		e.wantErr(err, store.ErrNotFound, "session "+id+" after DeleteSessionsOf")
	}
	e.same(must(e.s.Session(e.ctx, "s3")), s3, "another account's session")
}

func testPurgeSessions(e *env) {
	now := e.now()
	for _, s := range []store.Session{
		{ID: "fresh", ModeratorID: "m1", Created: now.Add(-time.Hour), LastSeen: now.Add(-time.Minute)},
		{ID: "idle", ModeratorID: "m1", Created: now.Add(-time.Hour), LastSeen: now.Add(-40 * time.Minute)},
		{ID: "old", ModeratorID: "m1", Created: now.Add(-13 * time.Hour), LastSeen: now},
		{ID: "edge", ModeratorID: "m1", Created: now.Add(-12 * time.Hour), LastSeen: now.Add(-30 * time.Minute)},
	} {
		e.ok(e.s.CreateSession(e.ctx, &s), "create session")
	}
	if n := must(e.s.PurgeSessions(e.ctx, now.Add(-30*time.Minute), now.Add(-12*time.Hour))); n != 2 {
		e.t.Fatalf("purged %d sessions, want 2 (idle and old)", n)
	}
	for id, kept := range map[string]bool{"fresh": true, "edge": true, "idle": false, "old": false} {
		_, err := e.s.Session(e.ctx, id)
		if kept {
			e.ok(err, "kept session "+id)
		} else {
			e.wantErr(err, store.ErrNotFound, "purged session "+id)
		}
	}
}

func testAuditLog(e *env) {
	t0 := e.now()
	var entries []store.AuditEntry
	for i, a := range []struct{ actor, action string }{
		{"ana", "sign_in"}, {"ana", "approve"}, {"ben", "sign_in"}, {"ben", "reject"}, {"ana", "approve"}, {"system", "purge"},
	} {
		en := store.AuditEntry{ID: fmt.Sprintf("e%d", i), Time: t0.Add(time.Duration(i) * time.Hour), Actor: a.actor,
			Action: a.action, Target: fmt.Sprintf("target-%d", i), Detail: "detail"}
		if i == 0 {
			en.Target, en.Detail = "", ""
		}
		e.ok(e.s.AppendAudit(e.ctx, en), "append")
		entries = append(entries, en)
	}
	pick := func(idx ...int) []store.AuditEntry {
		var out []store.AuditEntry
		for _, i := range idx {
			out = append(out, entries[i])
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    store.AuditFilter
		want []store.AuditEntry // newest first
	}{
		{"everything", store.AuditFilter{}, pick(5, 4, 3, 2, 1, 0)},
		{"by actor", store.AuditFilter{Actor: "ana"}, pick(4, 1, 0)},
		{"by action", store.AuditFilter{Action: "sign_in"}, pick(2, 0)},
		{"actor and action", store.AuditFilter{Actor: "ana", Action: "approve"}, pick(4, 1)},
		{"from (inclusive)", store.AuditFilter{From: t0.Add(3 * time.Hour)}, pick(5, 4, 3)},
		{"to (exclusive)", store.AuditFilter{To: t0.Add(2 * time.Hour)}, pick(1, 0)},
		{"from and to", store.AuditFilter{From: t0.Add(time.Hour), To: t0.Add(4 * time.Hour)}, pick(3, 2, 1)},
		{"action in a window", store.AuditFilter{Action: "approve", From: t0.Add(90 * time.Minute)}, pick(4)},
		{"skip and limit", store.AuditFilter{Skip: 1, Limit: 2}, pick(4, 3)},
		{"filtered page", store.AuditFilter{Actor: "ana", Skip: 2, Limit: 2}, pick(0)},
		{"nobody", store.AuditFilter{Actor: "nobody"}, nil},
	} {
		e.same(must(e.s.AuditLog(e.ctx, c.f)), c.want, "audit log, "+c.name)
	}
}

func testAuditLimit(e *env) {
	for i := range 120 {
		e.ok(e.s.AppendAudit(e.ctx, store.AuditEntry{ID: fmt.Sprintf("e%03d", i), Time: e.now().Add(time.Duration(i) * time.Second),
			Actor: "ana", Action: "sign_in"}), "append")
	}
	for _, c := range []struct{ skip, limit, want int }{{0, 0, 100}, {0, -1, 100}, {0, 501, 100}, {0, 500, 120}, {0, 10, 10},
		{115, 10, 5}, {120, 10, 0}} {
		got := must(e.s.AuditLog(e.ctx, store.AuditFilter{Skip: c.skip, Limit: c.limit}))
		if len(got) != c.want {
			e.t.Fatalf("skip %d, limit %d: %d entries, want %d", c.skip, c.limit, len(got), c.want)
		}
		if len(got) > 0 && got[0].ID != fmt.Sprintf("e%03d", 119-c.skip) {
			e.t.Fatalf("skip %d: first entry %s", c.skip, got[0].ID)
		}
	}
}

func testSettings(e *env) {
	_, err := e.s.Setting(e.ctx, "k")
	e.wantErr(err, store.ErrNotFound, "missing setting")
	if v := must(e.s.SettingOrCreate(e.ctx, "k", "one")); v != "one" {
		e.t.Fatalf("first SettingOrCreate = %q", v)
	}
	if v := must(e.s.SettingOrCreate(e.ctx, "k", "two")); v != "one" {
		e.t.Fatalf("second SettingOrCreate = %q, want the first value", v)
	}
	if v := must(e.s.Setting(e.ctx, "k")); v != "one" {
		e.t.Fatalf("Setting = %q", v)
	}
	e.ok(e.s.PutSetting(e.ctx, "k", "three"), "put")
	if v := must(e.s.Setting(e.ctx, "k")); v != "three" {
		e.t.Fatalf("Setting after PutSetting = %q", v)
	}
	if v := must(e.s.SettingOrCreate(e.ctx, "k", "four")); v != "three" {
		e.t.Fatalf("SettingOrCreate after PutSetting = %q", v)
	}
	e.ok(e.s.PutSetting(e.ctx, "new", ""), "put a new, empty setting")
	if v, err := e.s.Setting(e.ctx, "new"); err != nil || v != "" {
		e.t.Fatalf("empty setting = %q, %v", v, err)
	}
	// Replicas starting at once all end up with one value.
	for round := range 3 {
		key := fmt.Sprintf("race-%d", round)
		got := make([]string, 8)
		parallel(8, func(i int) {
			v, err := e.s.SettingOrCreate(e.ctx, key, fmt.Sprintf("v%d", i))
			if err != nil {
				e.t.Errorf("SettingOrCreate: %v", err)
			}
			got[i] = v
		})
		stored := must(e.s.Setting(e.ctx, key))
		for i, v := range got {
			if v != stored {
				e.t.Fatalf("racer %d got %q, stored %q: two values for one setting", i, v, stored)
			}
		}
	}
}

func testChallenges(e *env) {
	soon, later := e.now().Add(time.Minute), e.now().Add(10*time.Minute)
	if ok := must(e.s.MarkSpent(e.ctx, "a", soon)); !ok {
		e.t.Fatal("first use refused")
	}
	if ok := must(e.s.MarkSpent(e.ctx, "a", soon)); ok {
		e.t.Fatal("second use accepted")
	}
	if ok := must(e.s.MarkSpent(e.ctx, "b", later)); !ok {
		e.t.Fatal("another challenge refused")
	}
	for round := range 3 {
		var wins atomic.Int32
		challenge := fmt.Sprintf("raced-%d", round)
		parallel(8, func(int) {
			ok, err := e.s.MarkSpent(e.ctx, challenge, soon)
			if err != nil {
				e.t.Errorf("MarkSpent: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		})
		if wins.Load() != 1 {
			e.t.Fatalf("a challenge raced by 8 was accepted %d times", wins.Load())
		}
	}
	if n := must(e.s.PurgeSpentChallenges(e.ctx)); n != 0 {
		e.t.Fatalf("purged %d challenges before any expired", n)
	}
	e.clock.Advance(5 * time.Minute)
	if n := must(e.s.PurgeSpentChallenges(e.ctx)); n != 4 {
		e.t.Fatalf("purged %d challenges, want the 4 expired", n)
	}
	if ok := must(e.s.MarkSpent(e.ctx, "b", later)); ok {
		e.t.Fatal("an unexpired challenge was purged")
	}
	if ok := must(e.s.MarkSpent(e.ctx, "a", soon)); !ok {
		e.t.Fatal("an expired challenge's record was kept")
	}
}
