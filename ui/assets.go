// Package ui is the presentation toolkit the public site (webapp) and the moderation pages
// share: static files served under content-hashed names, and generated pages written gzipped.
// The catalogs they translate with are package i18n. ui imports no front end.
package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Asset is one static file, ready to serve: its hashed name, and its bytes plain and gzipped,
// compressed once at start-up rather than on every request.
type Asset struct {
	Name        string // app.3f2a1b9c.css
	ContentType string
	Plain       []byte
	Gzip        []byte // nil when compressing does not pay (PNG)
}

// Assets are a front end's static files. A file's URL carries a hash of its content, so it can
// be cached for a year and a new release is still fetched at once; only hashed names are
// served, so every answer is immutable.
type Assets struct {
	prefix    string
	byLogical map[string]*Asset // app.css → asset
	byName    map[string]*Asset // app.3f2a1b9c.css → asset
}

// ReadFiles reads every file under dir of fsys, keyed by its path below dir, for NewAssets.
func ReadFiles(fsys fs.FS, dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[strings.TrimPrefix(p, dir+"/")] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ui: static files: %w", err)
	}
	return files, nil
}

// NewAssets prepares files (logical name → content) to be served under prefix, which is the
// path the front end routes to Serve ("/static/").
func NewAssets(prefix string, files map[string][]byte) *Assets {
	a := &Assets{prefix: prefix, byLogical: map[string]*Asset{}, byName: map[string]*Asset{}}
	for logical, b := range files {
		sum := sha256.Sum256(b)
		ext := path.Ext(logical)
		as := &Asset{
			Name:        strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:4]) + ext,
			ContentType: ContentType(ext),
			Plain:       b,
		}
		if compressible(as.ContentType) {
			as.Gzip = gzipBytes(b, bestCompression)
		}
		a.byLogical[logical] = as
		a.byName[as.Name] = as
	}
	return a
}

// URL is the hashed URL of a logical file name. An unknown name is a template bug; it yields a
// URL that 404s rather than a panic in the middle of a page.
func (a *Assets) URL(logical string) string {
	if as, ok := a.byLogical[logical]; ok {
		return a.prefix + as.Name
	}
	return a.prefix + "missing-" + logical
}

// Names are the hashed names of every file, sorted: together they version a release.
func (a *Assets) Names() []string {
	names := make([]string, 0, len(a.byName))
	for n := range a.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Serve answers a request for the hashed name, and reports false, having written nothing, when
// there is no such file, so that the front end answers with its own 404 page.
func (a *Assets) Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	as, ok := a.byName[name]
	if !ok {
		return false
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", as.ContentType)
	h.Set("Vary", "Accept-Encoding")
	body := as.Plain
	if as.Gzip != nil && AcceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = as.Gzip
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}

// ContentType is the media type of a file extension, with the types browsers are strict about
// spelled out rather than left to the system's MIME table.
func ContentType(ext string) string {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".webmanifest":
		return "application/manifest+json"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") || strings.Contains(ct, "svg")
}
