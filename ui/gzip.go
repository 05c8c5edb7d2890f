package ui

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// minGzip is the size under which compressing costs more than it saves.
const minGzip = 512

// bestCompression is for static files, compressed once at start-up; pages use the default
// level, as they are compressed on every request.
const bestCompression = gzip.BestCompression

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

// WriteBody sends a generated text response, gzipped when the client accepts it: a page on a
// bad phone connection is a third of the bytes that way.
func WriteBody(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	writeBody(w, r, status, contentType, body, nil)
}

// Compress returns body compressed exactly as WriteBody would send it to a client that accepts
// gzip, or nil when WriteBody would send it as is (too small to be worth it). A response served
// many times can be compressed once with it and sent with WriteCompressed.
func Compress(body []byte) []byte {
	if len(body) < minGzip {
		return nil
	}
	return gzipBytes(body, gzip.DefaultCompression)
}

// WriteCompressed is WriteBody with the compression already done: gz must be Compress(body).
// The headers and bytes sent are the same as WriteBody's.
func WriteCompressed(w http.ResponseWriter, r *http.Request, status int, contentType string, body, gz []byte) {
	writeBody(w, r, status, contentType, body, gz)
}

func writeBody(w http.ResponseWriter, r *http.Request, status int, contentType string, body, gz []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
		h.Add("Vary", "Accept-Encoding")
	}
	if len(body) >= minGzip && AcceptsGzip(r) {
		if gz == nil {
			gz = gzipBytes(body, gzip.DefaultCompression)
		}
		body = gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// AcceptsGzip reads Accept-Encoding well enough: gzip listed and not refused with q=0.
func AcceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
