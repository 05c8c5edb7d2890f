package storetest

import (
	"slices"
	"strings"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

var identifierCases = []testCase{
	{"Identifiers/Walk", testAlertsWithIdentifiers},
	{"Identifiers/Replace", testReplaceAlertIdentifiers},
}

// testAlertsWithIdentifiers walks every alert holding identifiers, whatever its status, in id
// order and in pages, and none without.
func testAlertsWithIdentifiers(e *env) {
	var want []string
	for i := range 7 {
		a := e.newAlert(report.BadDate, []string{"ward-1"}, time.Hour)
		if i%3 != 0 {
			a.Identifiers = []report.Identifier{{Type: report.IdentifierPhone, Value: "2025550100", HMAC: "h"}}
			want = append(want, a.ID)
		}
		if i == 1 {
			a.Status = report.AlertRetracted
		}
		if i == 2 {
			a.Expires = e.now().Add(-time.Hour)
		}
		e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
	}
	slices.Sort(want)
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		page := must(e.s.AlertsWithIdentifiers(e.ctx, after, 2))
		if len(page) == 0 {
			break
		}
		if len(page) > 2 || pages > 10 {
			e.t.Fatalf("page of %d alerts (limit 2), page %d", len(page), pages)
		}
		for _, a := range page {
			if len(a.Identifiers) == 0 {
				e.t.Fatalf("alert %s without identifiers in the walk", a.ID)
			}
			got = append(got, a.ID)
		}
		after = page[len(page)-1].ID
	}
	e.same(got, want, "alerts with identifiers, walked in pages of 2")
	if rest := must(e.s.AlertsWithIdentifiers(e.ctx, want[len(want)-1], 0)); len(rest) != 0 {
		e.t.Fatalf("%d alerts after the last one", len(rest))
	}
}

// testReplaceAlertIdentifiers replaces identifiers in place: the alert's version and content
// stay, /check finds the new HMAC and not the old, and the old value is gone from every record.
func testReplaceAlertIdentifiers(e *env) {
	a := e.newAlert(report.BadDate, []string{"ward-1"}, 24*time.Hour)
	a.Identifiers = []report.Identifier{
		{Type: report.IdentifierPhone, Value: "2025550177", HMAC: "h-old"},
		{Type: report.IdentifierPlate, Value: "ABC123", HMAC: "h-plate", Public: true},
	}
	e.ok(e.s.CreateAlert(e.ctx, a), "create alert")
	other := e.addAlert(report.BadDate, []string{"ward-2"}, 24*time.Hour)
	ids := []report.Identifier{
		{Type: report.IdentifierPhone, Hint: "•••0177", HMAC: "h-new"},
		{Type: report.IdentifierPlate, Value: "ABC123", HMAC: "h-plate", Public: true},
	}
	e.ok(e.s.ReplaceAlertIdentifiers(e.ctx, []store.AlertIdentifiers{{AlertID: a.ID, Identifiers: ids}, {AlertID: "missing"}}), "replace")
	want := *a
	want.Identifiers = ids
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "alert after the replacement (same version and content)")
	e.same(must(e.s.Alert(e.ctx, other.ID)), other, "an alert not listed")
	e.sameIDs(must(e.s.AlertsByIdentifier(e.ctx, "h-new")), []*report.Alert{a}, "alerts by the new HMAC")
	if got := must(e.s.AlertsByIdentifier(e.ctx, "h-old")); len(got) != 0 {
		e.t.Fatalf("the old HMAC still finds %d alerts", len(got))
	}
	for _, col := range must(e.s.Collections(e.ctx)) {
		for _, rec := range must(e.s.DumpCollection(e.ctx, col)) {
			if strings.Contains(rec, "2025550177") || strings.Contains(rec, "h-old") {
				e.t.Fatalf("the replaced identifier is still in %s: %s", col, rec)
			}
		}
	}
	// Repeating the call (a restart after a crash) changes nothing more.
	e.ok(e.s.ReplaceAlertIdentifiers(e.ctx, []store.AlertIdentifiers{{AlertID: a.ID, Identifiers: ids}}), "replace again")
	e.same(must(e.s.Alert(e.ctx, a.ID)), &want, "alert after the replacement repeated")
	e.ok(e.s.ReplaceAlertIdentifiers(e.ctx, nil), "replace nothing")
}
