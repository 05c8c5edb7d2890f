package moderation_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/store"
)

var outreachCode = regexp.MustCompile(`id="receipt-code">([^<]+)<`)

// An outreach worker signs in like a moderator, lands on the outreach page, files a report for
// the person with them and gets the receipt code to hand over. The report waits in the queue
// marked as entered by staff, without a proof of work and without the staff member's name;
// the audit log names them. The queue, reports and alerts stay closed to the outreach account.
func TestOutreachStaffFileReportsAndSeeNothingElse(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	out := h.signUp("rosa-outreach", "outreach")
	mod := h.signUp("mo-moderator", "moderator")

	w := h.do("GET", "/moderation", nil, out.cookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/moderation/outreach" {
		t.Fatalf("home of an outreach account: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = h.do("GET", "/moderation/outreach?kind=bad_date", nil, out.cookie)
	body := w.Body.String()
	for _, want := range []string{`name="details"`, `name="harms"`, `value="robbery_theft"`, `<option value="ward-6"`, "What happened"} {
		if w.Code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("outreach form (%d) lacks %q", w.Code, want)
		}
	}
	if strings.Contains(body, `href="/moderation/queue"`) {
		t.Error("the outreach account's navigation offers the queue")
	}

	// A form with a missing answer comes back with what was typed.
	w = h.do("POST", "/moderation/outreach", url.Values{"kind": {"bad_date"}, "details": {"Grey van, took my bag."}}, out.cookie)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), ">Grey van, took my bag.</textarea>") || !strings.Contains(w.Body.String(), `class="field-error"`) {
		t.Fatalf("incomplete outreach report: %d", w.Code)
	}

	// Four reports in a row from the same tablet: no proof, no per-address limit.
	var ids []string
	for i := range 4 {
		w = h.do("POST", "/moderation/outreach", url.Values{
			"kind": {"bad_date"}, "date": {"2026-03-09"}, "area": {"ward-6"}, "details": {"Grey van, took my bag."},
			"harms": {"robbery_theft"}, "phones": {"202 555 0147"},
		}, out.cookie)
		m := outreachCode.FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || m == nil {
			t.Fatalf("outreach report %d: %d\n%s", i+1, w.Code, w.Body)
		}
		st, err := (&intake.Service{Store: h.store, Receipts: intake.ReceiptKey("receipt key for the moderation tests"), Now: h.clock.Now}).Status(ctx, m[1])
		if err != nil || st.Status != "pending" {
			t.Fatalf("the code handed over finds %+v, %v", st, err)
		}
	}
	pending, err := h.store.PendingReports(ctx, 0, 50)
	if err != nil || len(pending) != 4 {
		t.Fatalf("pending %d reports, %v", len(pending), err)
	}
	for _, r := range pending {
		if !r.StaffEntered || r.Verified || r.ClaimedBy != "" {
			t.Errorf("stored report %+v: want staff-entered, without a proof", r)
		}
		ids = append(ids, r.ID)
	}
	log, err := h.store.AuditLog(ctx, store.AuditFilter{Action: intake.ActionStaffEntered})
	if err != nil || len(log) != 4 || log[0].Actor != out.name {
		t.Fatalf("audit entries %+v, %v: want 4 by %s", log, err, out.name)
	}

	// The outreach account cannot read what it filed, or anything else.
	for _, path := range []string{"/moderation/queue", "/moderation/reports/" + ids[0], "/moderation/alerts", "/moderation/admin/accounts"} {
		w := h.do("GET", path, nil, out.cookie)
		if w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "Grey van") {
			t.Errorf("outreach account GET %s: %d, want 403 without report text", path, w.Code)
		}
	}
	if w := h.do("POST", "/moderation/reports/"+ids[0]+"/claim", url.Values{}, out.cookie); w.Code != http.StatusForbidden {
		t.Errorf("outreach account claims a report: %d", w.Code)
	}

	// Moderators see the mark in the queue and on the report, and can use the page too.
	w = h.do("GET", "/moderation/queue", nil, mod.cookie)
	if n := strings.Count(w.Body.String(), "entered by staff"); n != 4 || strings.Contains(w.Body.String(), "anti-spam check") {
		t.Errorf("queue marks %d reports as entered by staff (want 4), or calls them unchecked", n)
	}
	w = h.do("GET", "/moderation/reports/"+ids[0], nil, mod.cookie)
	if !strings.Contains(w.Body.String(), "entered by staff for someone") || strings.Contains(w.Body.String(), out.name) {
		t.Errorf("report page (%d) lacks the staff mark or names the staff member", w.Code)
	}
	if w := h.do("GET", "/moderation/outreach", nil, mod.cookie); w.Code != http.StatusOK {
		t.Errorf("moderator opens the outreach page: %d", w.Code)
	}
}

// Admins create outreach accounts on the accounts page.
func TestAdminCreatesOutreachAccount(t *testing.T) {
	h := newHarness(t)
	adm := h.signUp("ada-admin", "admin")
	w := h.do("GET", "/moderation/admin/accounts", nil, adm.cookie)
	if !strings.Contains(w.Body.String(), `value="outreach"`) {
		t.Fatal("the accounts page offers no outreach role")
	}
	w = h.do("POST", "/moderation/admin/accounts", url.Values{"name": {"tablet-1"}, "role": {"outreach"}}, adm.cookie)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `class="otp"`) {
		t.Fatalf("adding an outreach account: %d", w.Code)
	}
	m, err := h.store.ModeratorByName(context.Background(), "tablet-1")
	if err != nil || m.Role != store.RoleOutreach {
		t.Fatalf("stored %+v, %v", m, err)
	}
	if _, err := h.accounts.Add(context.Background(), "test", "x-boss", "boss"); err == nil {
		t.Error("a made-up role was accepted")
	}
}
