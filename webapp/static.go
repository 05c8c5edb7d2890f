package webapp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, ready to serve: its checksummed name, and its bytes plain and
// gzipped, compressed once at start-up rather than on every request.
type asset struct {
	name        string // app.3f2a1b9c.css
	contentType string
	plain       []byte
	gz          []byte // nil when compressing does not pay (PNG)
}

type assets struct {
	byLogical map[string]*asset // app.css → asset
	byName    map[string]*asset // app.3f2a1b9c.css → asset
}

// loadAssets reads every embedded static file and the generated icons. A file's URL carries a
// hash of its content, so it can be cached for a year and a new release is still fetched at once.
func loadAssets() (*assets, error) {
	a := &assets{byLogical: map[string]*asset{}, byName: map[string]*asset{}}
	files := map[string][]byte{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		files[strings.TrimPrefix(p, "static/")] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webapp: static files: %w", err)
	}
	for _, size := range iconSizes {
		files[fmt.Sprintf("icon-%d.png", size)] = drawIcon(size)
	}
	for logical, b := range files {
		if logical == "sw.js" {
			continue // served at /sw.js under a fixed name: a worker's URL must not change
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(logical)
		as := &asset{
			name:        strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:4]) + ext,
			contentType: contentType(ext),
			plain:       b,
		}
		if compressible(as.contentType) {
			as.gz = gzipBytes(b, gzip.BestCompression)
		}
		a.byLogical[logical] = as
		a.byName[as.name] = as
	}
	return a, nil
}

func contentType(ext string) string {
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

// url is the checksummed URL of a logical file name. An unknown name is a template bug; it
// yields a URL that 404s rather than a panic in the middle of a page.
func (a *assets) url(logical string) string {
	if as, ok := a.byLogical[logical]; ok {
		return "/static/" + as.name
	}
	return "/static/missing-" + logical
}

// serveStatic answers /static/NAME. Only checksummed names exist, so every answer is immutable.
func (s *Site) serveStatic(c *gin.Context) {
	as, ok := s.assets.byName[c.Param("name")]
	if !ok {
		s.NotFound(c)
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", as.contentType)
	h.Set("Vary", "Accept-Encoding")
	body := as.plain
	if as.gz != nil && acceptsGzip(c.Request) {
		h.Set("Content-Encoding", "gzip")
		body = as.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
}

// minGzip is the size under which compressing costs more than it saves.
const minGzip = 512

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return w
}}

func gzipBytes(b []byte, level int) []byte {
	var buf bytes.Buffer
	if level == gzip.DefaultCompression {
		w := gzipWriters.Get().(*gzip.Writer)
		w.Reset(&buf)
		_, _ = w.Write(b)
		_ = w.Close()
		gzipWriters.Put(w)
		return buf.Bytes()
	}
	w, _ := gzip.NewWriterLevel(&buf, level)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// writeBody sends a generated text response, gzipped when the client accepts it: a page on a
// bad phone connection is a third of the bytes that way.
func writeBody(c *gin.Context, status int, contentType string, body []byte) {
	h := c.Writer.Header()
	h.Set("Content-Type", contentType)
	if !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
		h.Add("Vary", "Accept-Encoding")
	}
	if len(body) >= minGzip && acceptsGzip(c.Request) {
		body = gzipBytes(body, gzip.DefaultCompression)
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Status(status)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
}

// acceptsGzip reads Accept-Encoding well enough: gzip listed and not refused with q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
