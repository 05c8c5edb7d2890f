package moderation_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/moderation"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/storetest"
)

// TestAuditPageInSpanish: an admin whose browser asks for Spanish reads every action of the
// audit log, the filter's choices and the details that are codes in Spanish; names and ids
// stay as recorded, and an action or detail no catalog names shows as recorded.
func TestAuditPageInSpanish(t *testing.T) {
	h := newHarness(t)
	adm := h.signUp("ad", "admin")
	h.signIn(adm)
	alertID := h.approve(adm, h.addReport("x").ID, approveForm("Alert", "Body"))
	r := h.addReport("y")
	h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, adm.cookie)
	if w := h.do("POST", "/moderation/reports/"+r.ID+"/reject", url.Values{"reason": {"insufficient"}}, adm.cookie); w.Code != http.StatusSeeOther {
		t.Fatalf("reject: %d\n%s", w.Code, w.Body)
	}
	h.do("POST", "/moderation/login", url.Values{"name": {"nobody"}, "password": {"guess"}}, "")
	// An entry of a later version, which this one has no words for.
	if err := h.store.AppendAudit(context.Background(), store.AuditEntry{ID: report.NewID(), Time: h.clock.Now(),
		Actor: "ad", Action: "alert_pin", Target: alertID, Detail: "slot=top"}); err != nil {
		t.Fatal(err)
	}

	w := h.do("GET", "/moderation/admin/audit", nil, adm.cookie, "Accept-Language", "es-MX,es;q=0.9")
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, `<html lang="es"`) {
		t.Fatalf("audit page: %d\n%s", w.Code, body)
	}
	for _, want := range []string{
		`<option value="sign_in">Inició sesión</option>`,
		`<option value="report.staff_entered">Registró un reporte por otra persona</option>`,
		`">Inició sesión</td>`,
		`">Aprobó un reporte</td>`, `">alerta: ` + alertID + `</td>`,
		`">Rechazó un reporte</td>`, `">motivo: no hay suficiente información</td>`,
		`">Inicio de sesión rechazado</td>`, `">cuenta desconocida</td>`,
		`">Tomó un reporte para revisarlo</td>`,
		`">alert_pin</td>`, `">slot=top</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the Spanish audit page lacks %s", want)
		}
	}
	for _, code := range []string{">sign_in<", ">approve<", ">reject<", "reason=", "alert=", "unknown account", "Signed in"} {
		if strings.Contains(body, code) {
			t.Errorf("the Spanish audit page shows %q", code)
		}
	}

	// The filter still takes the code, and keeps the choice labelled.
	w = h.do("GET", "/moderation/admin/audit?action="+moderation.ActionReject, nil, adm.cookie, "Accept-Language", "es")
	body = w.Body.String()
	if !strings.Contains(body, `<option value="reject" selected>Rechazó un reporte</option>`) ||
		strings.Count(body, `">Rechazó un reporte</td>`) != 1 || strings.Contains(body, `">Aprobó un reporte</td>`) {
		t.Errorf("audit page filtered to rejections, in Spanish:\n%s", body)
	}
}

// TestAuditDatesAreTheOrganisationsDays: a date filter means the day in the organisation's
// time zone, the one the page shows times in, not the day in UTC.
func TestAuditDatesAreTheOrganisationsDays(t *testing.T) {
	mx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, storetest.New(t), func(d *moderation.Deps) { d.Location = mx })
	adm := h.signUp("ad", "admin")
	// 21:00 on March 10 in Mexico City, already March 11 in UTC.
	late := time.Date(2026, 3, 11, 3, 0, 0, 0, time.UTC)
	if err := h.store.AppendAudit(context.Background(), store.AuditEntry{ID: report.NewID(), Time: late,
		Actor: "ad", Action: "alert_pin", Target: "x", Detail: "slot=late"}); err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]bool{"2026-03-10": true, "2026-03-11": false} {
		body := h.do("GET", "/moderation/admin/audit?from="+day+"&to="+day, nil, adm.cookie).Body.String()
		if got := strings.Contains(body, "slot=late"); got != want {
			t.Errorf("audit filtered to %s lists the entry of 21:00 that day in Mexico City: %v, want %v", day, got, want)
		}
	}
}
