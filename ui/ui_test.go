package ui

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestAssetsServeHashedNamesOnly(t *testing.T) {
	css := strings.Repeat("body { color: black; }\n", 40)
	a := NewAssets("/x/static/", map[string][]byte{"app.css": []byte(css), "icon.png": {0x89, 'P', 'N', 'G'}})
	u := a.URL("app.css")
	if !regexp.MustCompile(`^/x/static/app\.[0-9a-f]{8}\.css$`).MatchString(u) {
		t.Fatalf("URL %q is not hashed", u)
	}
	if changed := NewAssets("/x/static/", map[string][]byte{"app.css": []byte(css + " ")}); changed.URL("app.css") == u {
		t.Errorf("a changed file keeps its URL: browsers would keep the old one for a year")
	}
	if got := a.URL("nope.js"); got != "/x/static/missing-nope.js" {
		t.Errorf("unknown file: %q", got)
	}

	serve := func(name, enc string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/x/static/"+name, nil)
		r.Header.Set("Accept-Encoding", enc)
		if !a.Serve(w, r, name) {
			w.Code = http.StatusNotFound
		}
		return w
	}
	name := strings.TrimPrefix(u, "/x/static/")
	w := serve(name, "gzip")
	if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		w.Header().Get("Content-Type") != "text/css; charset=utf-8" || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("served %d %v", w.Code, w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(zr); err != nil {
		t.Fatal(err)
	} else if string(b) != css {
		t.Errorf("gzipped body differs")
	}
	if w := serve(name, ""); w.Body.String() != css || w.Header().Get("Content-Encoding") != "" {
		t.Errorf("plain body: %q %v", w.Body.String()[:20], w.Header())
	}
	for _, bad := range []string{"app.css", "app.00000000.css", "../app.css"} {
		if w := serve(bad, ""); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
	png := strings.TrimPrefix(a.URL("icon.png"), "/x/static/")
	if w := serve(png, "gzip"); w.Header().Get("Content-Encoding") != "" || w.Header().Get("Content-Type") != "image/png" {
		t.Errorf("PNG: %v", w.Header())
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip": true, "gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "gzip;q=0": false, "": false, "identity": false, "GZIP": true,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := AcceptsGzip(r); got != want {
			t.Errorf("AcceptsGzip(%q) = %v", header, got)
		}
	}
}
