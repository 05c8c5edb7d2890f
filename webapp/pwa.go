package webapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

// shellAssets are the static files the service worker keeps from its install, so that a page
// opened offline still has its styles and scripts.
var shellAssets = []string{"app.css", "app.js", "report.js", "pow.js", "icon.svg", "icon-192.png"}

// buildServiceWorker fills the service worker's placeholders: the checksummed URLs of the shell
// and a version derived from every asset, so that a release changes the worker's bytes and
// browsers install the new one (and drop the old caches).
func (s *Site) buildServiceWorker() ([]byte, error) {
	src, err := staticFS.ReadFile("static/sw.js")
	if err != nil {
		return nil, fmt.Errorf("webapp: service worker: %w", err)
	}
	var shell []string
	for _, name := range shellAssets {
		shell = append(shell, s.assets.URL(name))
	}
	sum := sha256.New()
	for _, n := range s.assets.Names() {
		sum.Write([]byte(n))
	}
	shellJSON, _ := json.Marshal(shell)
	out := bytes.Replace(src, []byte(`"__SHELL__"`), shellJSON, 1)
	out = bytes.Replace(out, []byte("__VERSION__"), []byte(hex.EncodeToString(sum.Sum(nil))[:12]), 1)
	if bytes.Contains(out, []byte("__SHELL__")) || bytes.Contains(out, []byte("__VERSION__")) {
		return nil, fmt.Errorf("webapp: service worker placeholders not filled")
	}
	return out, nil
}

// serveServiceWorker serves /sw.js. It lives at the root so that its scope is the whole site,
// and it is never cached by HTTP so that an update reaches browsers at their next visit.
func (s *Site) serveServiceWorker(c *gin.Context) {
	c.Header("Service-Worker-Allowed", "/")
	c.Header("Cache-Control", "no-cache")
	writeBody(c, http.StatusOK, "text/javascript; charset=utf-8", s.sw)
}

type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// buildManifests encodes the web app manifest once per language at start-up: it describes the
// installed app with the configured name, which an organisation may make neutral, and the
// neutral icon, none of which changes while the server runs.
func (s *Site) buildManifests() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, lang := range report.Languages {
		m := map[string]any{
			"id":               "/",
			"name":             s.deps.SiteName,
			"short_name":       s.deps.SiteName,
			"description":      s.catalog.Text(lang, "manifest.description"),
			"lang":             lang,
			"start_url":        "/",
			"scope":            "/",
			"display":          "standalone",
			"background_color": "#f7f5f0",
			"theme_color":      "#1f3d4d",
			"icons": []manifestIcon{
				{Src: s.assets.URL("icon.svg"), Sizes: "any", Type: "image/svg+xml"},
				{Src: s.assets.URL("icon-192.png"), Sizes: "192x192", Type: "image/png", Purpose: "any"},
				{Src: s.assets.URL("icon-512.png"), Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
			},
		}
		body, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("webapp: manifest %s: %w", lang, err)
		}
		out[lang] = body
	}
	return out, nil
}

// serveManifest serves the manifest in the visitor's language.
func (s *Site) serveManifest(c *gin.Context) {
	p := s.newPage(c, "")
	c.Header("Cache-Control", "no-cache")
	writeBody(c, http.StatusOK, "application/manifest+json; charset=utf-8", s.manifests[p.Lang])
}
