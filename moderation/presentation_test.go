package moderation_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/headsup/headsup/moderation"
)

// stylesheetName is the hashed name of the stylesheet, as a page links it.
func stylesheetName() string {
	return strings.TrimPrefix(moderation.StaticURL("moderation.css"), "/moderation/static/")
}

// TestStaticFilesHaveHashedNames: the pages link their files under content-hashed names, which
// are cached for good; any other name is unknown, so a stale file can never be served.
func TestStaticFilesHaveHashedNames(t *testing.T) {
	h := newHarness(t)
	login := h.do("GET", "/moderation/login", nil, "")
	css := regexp.MustCompile(`href="(/moderation/static/moderation\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(login.Body.String())
	if css == nil {
		t.Fatalf("the sign-in page links no hashed stylesheet")
	}
	w := h.do("GET", css[1], nil, "")
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %v", w.Code, w.Header())
	}
	for _, path := range []string{"/moderation/static/moderation.css", "/moderation/static/moderation.00000000.css"} {
		if w := h.do("GET", path, nil, ""); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
}

// TestPagesFollowTheBrowsersLanguage: a moderator whose browser asks for Spanish reads the
// pages in Spanish; anyone else in English.
func TestPagesFollowTheBrowsersLanguage(t *testing.T) {
	h := newHarness(t)
	for _, tt := range []struct{ header, lang, heading, button string }{
		{"", "en", "<h1>Sign in</h1>", ">Sign in</button>"},
		{"es-MX,es;q=0.9", "es", "<h1>Iniciar sesión</h1>", ">Entrar</button>"},
		{"fr", "en", "<h1>Sign in</h1>", ">Sign in</button>"},
	} {
		var w = h.do("GET", "/moderation/login", nil, "", "Accept-Language", tt.header)
		body := w.Body.String()
		if !strings.Contains(body, fmt.Sprintf(`<html lang="%s">`, tt.lang)) || !strings.Contains(body, tt.heading) || !strings.Contains(body, tt.button) {
			t.Errorf("Accept-Language %q: %s", tt.header, body)
		}
	}
	mod := h.signUp("mo", "moderator")
	h.addReport("something happened")
	body := h.do("GET", "/moderation/queue", nil, mod.cookie, "Accept-Language", "es").Body.String()
	for _, want := range []string{"<h1>Cola de revisión</h1>", "1 pendientes:", "Mal cliente", ">Revisar<", "Cerrar sesión"} {
		if !strings.Contains(body, want) {
			t.Errorf("Spanish queue has no %q", want)
		}
	}
}
