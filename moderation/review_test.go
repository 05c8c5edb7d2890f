package moderation_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/internal/testkit"
	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

func TestQueueAndReportPage(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	ben := h.signUp("ben", "moderator")
	old := h.addReport("Call me at 202-555-0199, my name is Rosa. He drove off on 1500 Massachusetts Ave NW.")
	old.Followups = nil
	h.clock.Advance(48 * time.Hour)
	ana.cookie = h.signIn(ana)
	ben.cookie = h.signIn(ben)
	h.addReport("newer")
	drug := &report.Report{ID: report.NewID(), ReceiptHash: report.NewID(), Kind: report.DrugAlert, Status: report.StatusPending,
		SubmittedDay: report.Day(h.clock.Now()), Verified: true,
		DrugAlert: &report.DrugAlertFields{Common: report.Common{Date: "2026-03-09", Area: "ward-1", Details: "blue pills"}, SoldAs: "pressed_oxy"}}
	if err := h.store.CreateReport(context.Background(), drug); err != nil {
		t.Fatal(err)
	}

	w := h.do("GET", "/moderation/queue", nil, ana.cookie)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "3 pending") || !strings.Contains(body, "2 Bad date") || !strings.Contains(body, "1 Bad batch") {
		t.Fatalf("queue counts missing: %d\n%s", w.Code, body)
	}
	if strings.Index(body, old.ID) > strings.Index(body, drug.ID) {
		t.Error("queue is not oldest first")
	}
	if strings.Count(body, "sent without the anti-spam check (e.g. JavaScript off)</span>") != 2 {
		t.Errorf("unverified reports not marked twice:\n%s", body)
	}

	// Ana opens (claims) the old one; Ben sees who holds it and cannot act on it.
	if w := h.do("POST", "/moderation/reports/"+old.ID+"/claim", url.Values{}, ana.cookie); w.Code != http.StatusSeeOther {
		t.Fatal(w.Code)
	}
	w = h.do("GET", "/moderation/reports/"+old.ID, nil, ben.cookie)
	if !strings.Contains(w.Body.String(), "ana is working on this report") {
		t.Fatalf("holder not shown:\n%s", w.Body)
	}
	if !strings.Contains(h.do("GET", "/moderation/queue", nil, ben.cookie).Body.String(), "held by ana") {
		t.Error("queue does not show the holder")
	}
	if w := h.do("POST", "/moderation/reports/"+old.ID+"/reject", url.Values{"reason": {"duplicate"}}, ben.cookie); w.Code != http.StatusConflict {
		t.Fatalf("decision on someone else's report = %d", w.Code)
	}

	// The report page: raw fields escaped, PII marked, identifiers offered.
	w = h.do("GET", "/moderation/reports/"+old.ID, nil, ana.cookie)
	body = w.Body.String()
	for _, want := range []string{
		`<mark class="hint">202-555-0199<span class="hint-kind">phone</span></mark>`,
		`<mark class="hint">Rosa<span class="hint-kind">name</span></mark>`,
		`<span class="hint-kind">address</span>`,
		"You hold this report until",
		"Phone number: (202) 555-0147",
		"License plate: ABC 1234",
		`value="Bad date: physical violence, robbery or theft (Ward 6)"`,
		// The alert starts from the answers as ticked parts, never from the reporter's words.
		`name="detail" value="harms" checked> What they did: Physical violence, Robbery or theft</label>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("report page lacks %s", want)
		}
	}
	// The lease runs out: Ben may take over.
	h.clock.Advance(moderation.ClaimLease + time.Second)
	ben.cookie = h.signIn(ben)
	if w := h.do("POST", "/moderation/reports/"+old.ID+"/reject", url.Values{"reason": {"duplicate"}}, ben.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("decision after the lease ran out = %d", w.Code)
	}
}

// TestApprovePublishesAlertAndDelivery runs on every engine: approving writes several records,
// in one transaction on one and in steps on the other.
func TestApprovePublishesAlertAndDelivery(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) { testApprovePublishesAlertAndDelivery(t, newHarnessOn(t, eng.New(t))) })
	}
}

func testApprovePublishesAlertAndDelivery(t *testing.T, h *harness) {
	a := h.signUp("ana", "moderator")
	r := h.addReport("He hit me and took my phone.")
	ctx := context.Background()

	// Invalid forms are refused with the fields named, and nothing is published.
	bad := approveForm("", "x")
	bad.Set("severity", "apocalyptic")
	bad.Set("expires", "2020-01-01")
	bad["areas"] = []string{"atlantis"}
	_ = h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie)
	w := h.do("POST", "/moderation/reports/"+r.ID+"/approve", bad, a.cookie)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("invalid approval = %d", w.Code)
	}
	for _, want := range []string{"Choose a severity.", "Choose areas from the list.", "The expiry must be in the future."} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("error %q not shown", want)
		}
	}
	if list, err := h.store.ModerationAlerts(ctx, store.AlertsActive, "", 0, 10); err != nil || len(list) != 0 {
		t.Fatalf("an invalid approval published %d alerts (err %v)", len(list), err)
	}

	id := h.approve(a, r.ID, approveForm("Violent client near the station", "Tall man, grey sedan.\nTook a phone."))
	alert, err := h.store.Alert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if alert.Version != 1 || alert.Status != report.AlertPublished || alert.ReportCount != 1 || alert.Severity != report.SeverityDanger ||
		len(alert.Areas) != 2 || alert.IncidentDay.Format(time.DateOnly) != "2026-03-08" || alert.TimeBand != "night" ||
		!alert.Expires.Equal(time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("alert = %+v", alert)
	}
	want := []report.Identifier{
		{Type: "phone", Hint: "•••0147", HMAC: report.IdentifierHMAC(h.key, "phone", "+12025550147"), Public: false},
		{Type: "plate", Value: "ABC1234", Public: true},
	}
	if len(alert.Identifiers) != 2 || alert.Identifiers[0] != want[0] || alert.Identifiers[1] != want[1] {
		t.Fatalf("identifiers = %+v, want %+v", alert.Identifiers, want)
	}
	got, err := h.store.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != report.StatusApproved || got.AlertID != id || got.DecidedAt.IsZero() || got.Note == "" {
		t.Fatalf("report after approval = %+v", got)
	}
	ds, err := h.store.DeliveriesForAlert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].AlertVersion != 1 || ds[0].Retraction {
		t.Fatalf("deliveries = %+v", ds)
	}
	// A second approval (a double click) publishes nothing more.
	if w := h.do("POST", "/moderation/reports/"+r.ID+"/approve", approveForm("t", "b"), a.cookie); w.Code != http.StatusConflict {
		t.Fatalf("second approval = %d", w.Code)
	}
	// The audit log has the decision and none of the report's words.
	log, err := h.store.AuditLog(ctx, store.AuditFilter{Action: moderation.ActionApprove})
	if err != nil || len(log) != 1 || log[0].Actor != "ana" || log[0].Target != r.ID {
		t.Fatalf("audit = %+v", log)
	}
	docs, err := h.store.DumpCollection(ctx, "audit")
	if err != nil || len(docs) == 0 {
		t.Fatalf("audit dump: %d entries, %v", len(docs), err)
	}
	for _, d := range docs {
		if strings.Contains(d, "phone") && strings.Contains(d, "took") || strings.Contains(d, "Ward") || strings.Contains(d, "555") {
			t.Fatalf("report content in the audit log: %s", d)
		}
	}
}

// TestRejectAndMerge runs on every engine, as approving does.
func TestRejectAndMerge(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) { testRejectAndMerge(t, newHarnessOn(t, eng.New(t))) })
	}
}

func testRejectAndMerge(t *testing.T, h *harness) {
	a := h.signUp("ana", "moderator")
	ctx := context.Background()

	r := h.addReport("x")
	_ = h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, a.cookie)
	if w := h.do("POST", "/moderation/reports/"+r.ID+"/reject", url.Values{"reason": {"other"}}, a.cookie); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "Write it in your own words") {
		t.Fatalf("'other' without a note = %d", w.Code)
	}
	w := h.do("POST", "/moderation/reports/"+r.ID+"/reject", url.Values{"reason": {"other"}, "note": {"We need the <b>date</b>."}}, a.cookie)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("reject = %d", w.Code)
	}
	got, err := h.store.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != report.StatusRejected || got.Note != "We need the date." {
		t.Fatalf("rejected report = %+v", got)
	}

	target := h.approve(a, h.addReport("first").ID, approveForm("Alert", "Body"))
	second := h.addReport("second")
	second.BadDate.Area = "ward-8"
	_ = h.do("POST", "/moderation/reports/"+second.ID+"/claim", url.Values{}, a.cookie)
	// Without the confirmation the merge only asks, showing the alert, and changes nothing.
	w = h.do("POST", "/moderation/reports/"+second.ID+"/merge", url.Values{"alert": {target}, "add_area": {"1"}}, a.cookie)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "I checked this is the same incident or person") {
		t.Fatalf("unconfirmed merge = %d, want the confirmation page", w.Code)
	}
	if rep, err := h.store.Report(ctx, second.ID); err != nil || rep.Status != report.StatusPending {
		t.Fatalf("an unconfirmed merge decided the report: %+v %v", rep, err)
	}
	// (the stored report is in ward-6; merging adds it to the alert's ward-6/ward-7: no change)
	w = h.do("POST", "/moderation/reports/"+second.ID+"/merge", url.Values{"alert": {target}, "add_area": {"1"}, "confirm": {"yes"}}, a.cookie)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("merge = %d %s", w.Code, w.Body)
	}
	al, err := h.store.Alert(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := h.store.Report(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if al.ReportCount != 2 || len(al.Areas) != 2 || rep.Status != report.StatusMerged || rep.AlertID != target {
		t.Fatalf("after merge: alert %+v report %+v", al, rep)
	}
	third := h.addReport("third")
	_ = h.do("POST", "/moderation/reports/"+third.ID+"/claim", url.Values{}, a.cookie)
	if w := h.do("POST", "/moderation/reports/"+third.ID+"/merge", url.Values{"alert": {report.NewID()}, "confirm": {"yes"}}, a.cookie); w.Code != http.StatusBadRequest {
		t.Fatalf("merge into a missing alert = %d", w.Code)
	}
}

func TestAlertEditRetractExtend(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	ctx := context.Background()
	id := h.approve(a, h.addReport("x").ID, approveForm("Alert", "Body"))

	page := h.do("GET", "/moderation/alerts/"+id, nil, a.cookie)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `id="progress"`) || !strings.Contains(page.Body.String(), moderation.StaticURL("progress.js")) {
		t.Fatalf("alert page: %d", page.Code)
	}
	var progress struct {
		Deliveries []moderation.Progress `json:"deliveries"`
	}
	w := h.do("GET", "/moderation/alerts/"+id+"/progress", nil, a.cookie)
	if err := json.Unmarshal(w.Body.Bytes(), &progress); err != nil || len(progress.Deliveries) != 1 || progress.Deliveries[0].State != "queued" {
		t.Fatalf("progress = %s", w.Body)
	}

	edit := approveForm("Alert, updated", "New body")
	edit.Set("version", "1")
	edit.Set("repush", "1")
	if w := h.do("POST", "/moderation/alerts/"+id+"/edit", edit, a.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d %s", w.Code, w.Body)
	}
	// The same form again is stale now: version 1 is gone.
	if w := h.do("POST", "/moderation/alerts/"+id+"/edit", edit, a.cookie); w.Code != http.StatusConflict {
		t.Fatalf("stale edit = %d", w.Code)
	}
	edit.Set("version", "2")
	edit.Del("repush")
	_ = h.do("POST", "/moderation/alerts/"+id+"/edit", edit, a.cookie)
	al, err := h.store.Alert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := h.store.DeliveriesForAlert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if al.Version != 3 || al.Title != "Alert, updated" || len(ds) != 2 {
		t.Fatalf("after edits: version %d, %d deliveries", al.Version, len(ds))
	}

	if w := h.do("POST", "/moderation/alerts/"+id+"/extend", url.Values{"expires": {"2026-08-01"}}, a.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("extend = %d", w.Code)
	}
	if al, err = h.store.Alert(ctx, id); err != nil {
		t.Fatal(err)
	} else if !al.Expires.Equal(time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC)) || al.Version != 3 {
		t.Fatalf("after extend: %+v", al)
	}

	// Retraction asks first; the confirmation page changes nothing.
	w = h.do("GET", "/moderation/alerts/"+id+"/retract", nil, a.cookie)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Yes, retract it") {
		t.Fatalf("confirmation: %d", w.Code)
	}
	if al, err = h.store.Alert(ctx, id); err != nil {
		t.Fatal(err)
	} else if al.Status != report.AlertPublished {
		t.Fatal("the confirmation page retracted")
	}
	if w := h.do("POST", "/moderation/alerts/"+id+"/retract", url.Values{}, a.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("retract = %d", w.Code)
	}
	al, err = h.store.Alert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ds, err = h.store.DeliveriesForAlert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var retraction bool
	for _, d := range ds {
		retraction = retraction || (d.Retraction && d.AlertVersion == al.Version)
	}
	if al.Status != report.AlertRetracted || !retraction {
		t.Fatalf("after retraction: %+v %+v", al, ds)
	}
	if w := h.do("GET", "/moderation/alerts?list=retracted", nil, a.cookie); !strings.Contains(w.Body.String(), id) {
		t.Fatal("retracted list lacks the alert")
	}
	log, err := h.store.AuditLog(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range log {
		actions[e.Action]++
	}
	if actions[moderation.ActionAlertEdit] != 2 || actions[moderation.ActionAlertRetract] != 1 || actions[moderation.ActionAlertExtend] != 1 {
		t.Fatalf("audit actions = %v", actions)
	}
}

var owaspVectors = testkit.XSSVectors

// tagLike is anything a browser or a careless consumer could read as the start of markup.
var tagLike = regexp.MustCompile(`<[a-zA-Z!/?]`)

func TestXSSVectorsNeverReachAlertsAsMarkup(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	ctx := context.Background()
	for i, v := range owaspVectors {
		r := h.addReport(v)
		// The raw report page shows the vector as text.
		page := h.do("GET", "/moderation/reports/"+r.ID, nil, a.cookie).Body.String()
		if strings.Contains(v, "<") && strings.Contains(page, v) {
			t.Errorf("vector %d reached the report page unescaped", i)
		}
		id := h.approve(a, r.ID, approveForm("Alert "+v, "Words first. "+v+" and more words"))
		al, err := h.store.Alert(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{al.Title, al.Body} {
			if tagLike.MatchString(text) || strings.ContainsAny(text, "\x00") {
				t.Errorf("vector %d stored as markup: %q", i, text)
			}
		}
		// What the alert page sends to a browser: the text, escaped once, no live tag.
		out := h.do("GET", "/moderation/alerts/"+id, nil, a.cookie).Body.String()
		start := strings.Index(out, "<h1>")
		end := strings.Index(out, `<h2 id="delivery">`)
		section := out[start+4 : end]
		for _, tag := range regexp.MustCompile(`<([a-zA-Z]+)`).FindAllStringSubmatch(section, -1) {
			switch strings.ToLower(tag[1]) {
			case "p", "span", "strong", "dl", "dt", "dd", "br", "a", "h1":
			default:
				t.Errorf("vector %d produced a <%s> on the alert page", i, tag[1])
			}
		}
		if strings.Contains(strings.ToLower(html.UnescapeString(section)), "<script") {
			t.Errorf("vector %d: script tag survives on the alert page", i)
		}
	}
}

func TestAdminPages(t *testing.T) {
	h := newHarness(t)
	adm := h.signUp("ad", "admin")
	h.approve(adm, h.addReport("x").ID, approveForm("Alert", "Body"))
	r := h.addReport("y")
	_ = h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, adm.cookie)
	_ = h.do("POST", "/moderation/reports/"+r.ID+"/reject", url.Values{"reason": {"duplicate"}}, adm.cookie)

	w := h.do("GET", "/moderation/admin/stats", nil, adm.cookie)
	body := w.Body.String()
	if w.Code != http.StatusOK || strings.Count(body, "<svg") != 2 || !strings.Contains(body, `class="bar-bad_date"`) || !strings.Contains(body, "<title>Mar 9: 2 Bad date</title>") {
		t.Fatalf("stats page: %d\n%s", w.Code, body)
	}
	if strings.Contains(body, "style=") {
		t.Fatal("inline style on the stats page: the CSP forbids it")
	}

	w = h.do("GET", "/moderation/admin/audit?action=reject&actor=ad", nil, adm.cookie)
	if w.Code != http.StatusOK || strings.Count(w.Body.String(), ">Rejected a report</td>") != 1 || strings.Contains(w.Body.String(), ">Approved a report</td>") {
		t.Fatalf("filtered audit page: %d\n%s", w.Code, w.Body)
	}
	if w := h.do("GET", "/moderation/admin/audit?from=2026-03-11", nil, adm.cookie); strings.Contains(w.Body.String(), ">Rejected a report</td>") {
		t.Fatal("date filter ignored")
	}
	if w := h.do("GET", "/moderation/admin/audit?from=yesterday", nil, adm.cookie); w.Code != http.StatusBadRequest {
		t.Fatalf("bad date = %d", w.Code)
	}

	w = h.do("POST", "/moderation/admin/accounts", url.Values{"name": {"newbie"}, "role": {"moderator"}}, adm.cookie)
	if w.Code != http.StatusOK || !regexp.MustCompile(`class="otp">[a-z0-9]{5}-`).MatchString(w.Body.String()) ||
		!strings.Contains(w.Body.String(), "http://localhost:8080/moderation/login") {
		t.Fatalf("account creation: %d", w.Code)
	}
	if w := h.do("POST", "/moderation/admin/accounts", url.Values{"name": {"newbie"}, "role": {"moderator"}}, adm.cookie); w.Code != http.StatusBadRequest {
		t.Fatalf("duplicate account = %d", w.Code)
	}
	if w := h.do("POST", "/moderation/admin/accounts", url.Values{"name": {"<b>"}, "role": {"boss"}}, adm.cookie); w.Code != http.StatusBadRequest {
		t.Fatalf("bad account = %d", w.Code)
	}
}

// TestPagesHaveNoInlineCode checks what the CSP would otherwise break silently: no inline
// script, no style attribute, no event handler, on every page a moderator sees.
func TestPagesHaveNoInlineCode(t *testing.T) {
	h := newHarness(t)
	adm := h.signUp("ad", "admin")
	r := h.addReport("x")
	id := h.approve(adm, h.addReport("y").ID, approveForm("Alert", "Body"))
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]|\sstyle=|\son[a-z]+=|javascript:`)
	for _, path := range []string{"/moderation/login", "/moderation/queue", "/moderation/reports/" + r.ID, "/moderation/alerts",
		"/moderation/alerts/" + id, "/moderation/alerts/" + id + "/retract", "/moderation/admin/accounts", "/moderation/admin/audit", "/moderation/admin/stats"} {
		w := h.do("GET", path, nil, adm.cookie)
		if m := inline.FindString(w.Body.String()); m != "" {
			t.Errorf("%s has inline code: %q", path, m)
		}
		if w.Header().Get("Cache-Control") != "no-store" && path != "/moderation/login" {
			t.Errorf("%s may be cached: %q", path, w.Header().Get("Cache-Control"))
		}
	}
}

func TestPurger(t *testing.T) {
	h := newHarness(t)
	a := h.signUp("ana", "moderator")
	ctx := context.Background()
	r := h.addReport("raw words to be purged")
	h.approve(a, r.ID, approveForm("Alert", "Body"))
	p := &moderation.Purger{Store: h.store, Retention: 30 * 24 * time.Hour, Now: h.clock.Now}
	if res, err := p.Once(ctx); err != nil || res.Reports != 0 {
		t.Fatalf("purge before retention: %+v %v", res, err)
	}
	h.clock.Advance(31 * 24 * time.Hour)
	res, err := p.Once(ctx)
	if err != nil || res.Reports != 1 || res.Sessions == 0 {
		t.Fatalf("purge after retention: %+v %v", res, err)
	}
	got, err := h.store.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Purged || got.BadDate != nil || got.Status != report.StatusApproved || got.AlertID == "" {
		t.Fatalf("purged report = %+v", got)
	}
}
