package moderation_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/headsup/headsup/moderation"
)

// TestRefusedApprovalInSpanish: a moderator whose browser asks for Spanish reads every reason
// an approval was refused in Spanish, next to the field it is about, and no English sentence.
func TestRefusedApprovalInSpanish(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	r := badDateWithMarkers(t, h)
	h.do("POST", "/moderation/reports/"+r.ID+"/claim", url.Values{}, ana.cookie)
	form := formDefaults(t, h.do("GET", "/moderation/reports/"+r.ID, nil, ana.cookie, "Accept-Language", "es").Body.String())
	form.Set("detail_text.hair", strings.Repeat("x", 201))
	form.Set("title.en", strings.Repeat("t", 121))
	form.Set("title.es", "")
	form.Set("body.es", "Texto sin título")
	form.Set("severity", "extreme")
	form.Del("areas")
	form.Set("expires", "31/12/2026")
	w := h.do("POST", "/moderation/reports/"+r.ID+"/approve", form, ana.cookie, "Accept-Language", "es-MX,es;q=0.9")
	body := w.Body.String()
	if w.Code != http.StatusBadRequest || !strings.Contains(body, `<html lang="es"`) {
		t.Fatalf("refused approval: %d\n%s", w.Code, body)
	}
	for _, want := range []string{
		"Cada parte de la descripción puede tener como máximo 200 caracteres.",
		"El título puede tener como máximo 120 caracteres.",
		"Escribe un título para este idioma, o deja vacío también su texto.",
		"Elige la gravedad.",
		"Elige al menos una zona.",
		"Escribe el vencimiento como una fecha, por ejemplo 2026-12-31.",
		"Número de teléfono: (202) 555-0147",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the Spanish refusal lacks %q", want)
		}
	}
	for _, english := range []string{"at most", "Write a title", "Choose a severity", "Choose at least one area", "Enter the expiry", "Phone number"} {
		if strings.Contains(body, english) {
			t.Errorf("the Spanish refusal says %q", english)
		}
	}

	// Someone else's report: the refusal names who holds it, in Spanish.
	ben := h.signUp("ben", "moderator")
	w = h.do("POST", "/moderation/reports/"+r.ID+"/approve", approveForm("Alert", "Body"), ben.cookie, "Accept-Language", "es")
	if body := w.Body.String(); w.Code != http.StatusConflict || !strings.Contains(body, "Otra persona lo está revisando") ||
		!strings.Contains(body, "ana está trabajando en este reporte. No se cambió nada.") || !strings.Contains(body, "Volver a la cola") {
		t.Errorf("approving a report ana holds, in Spanish: %d\n%s", w.Code, body)
	}
}

// TestRefusedAccountInSpanish: the reasons the admin page refuses a new account are in the
// page's language too, though the same errors read English at the command line.
func TestRefusedAccountInSpanish(t *testing.T) {
	h := newHarness(t)
	admin := h.signUp("root", "admin")
	w := h.do("POST", "/moderation/admin/accounts", url.Values{"name": {"a b"}, "role": {"moderator"}}, admin.cookie, "Accept-Language", "es")
	if body := w.Body.String(); w.Code != http.StatusBadRequest || !strings.Contains(body, "El nombre de una cuenta tiene de 2 a 40 caracteres") {
		t.Errorf("a bad account name, in Spanish: %d\n%s", w.Code, body)
	}
	w = h.do("POST", "/moderation/admin/accounts", url.Values{"name": {"root"}, "role": {"moderator"}}, admin.cookie, "Accept-Language", "es")
	if body := w.Body.String(); w.Code != http.StatusBadRequest || !strings.Contains(body, "Ya hay una cuenta con este nombre.") {
		t.Errorf("a taken account name, in Spanish: %d\n%s", w.Code, body)
	}
	if got := moderation.ErrBadName.Error(); !strings.HasPrefix(got, "A moderator name is 2 to 40 characters") {
		t.Errorf("the command line's error: %q", got)
	}
}

// TestAlertPageInSpanish: an alert's page names its delivery state and counters in Spanish,
// gives the live progress script the Spanish state names, and refuses an expiry in the past
// in Spanish.
func TestAlertPageInSpanish(t *testing.T) {
	h := newHarness(t)
	ana := h.signUp("ana", "moderator")
	id := h.approve(ana, h.addReport("he did not pay").ID, approveForm("Alert", "Body"))
	body := h.do("GET", "/moderation/alerts/"+id, nil, ana.cookie, "Accept-Language", "es").Body.String()
	for _, want := range []string{`<td>en cola</td>`, `data-state-running="enviando"`, `<th scope="col" class="num">Enviadas</th>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the Spanish alert page lacks %s", want)
		}
	}
	w := h.do("POST", "/moderation/alerts/"+id+"/extend", url.Values{"expires": {"2020-01-01"}}, ana.cookie, "Accept-Language", "es")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "El vencimiento tiene que ser una fecha futura.") {
		t.Errorf("an expiry in the past, in Spanish: %d", w.Code)
	}
}
