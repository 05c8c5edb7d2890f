package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// logRequests writes one line per request with the method, the route pattern (never the
// path: it can hold a receipt code), the status and the duration. Nothing that identifies the
// client — address, User-Agent, query string — is ever logged.
func logRequests(log *slog.Logger, observe func(string, string, int, time.Duration)) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		status := c.Writer.Status()
		if observe != nil {
			observe(c.Request.Method, route, status, d)
		}
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("method", c.Request.Method), slog.String("route", route),
			slog.Int("status", status), slog.Duration("duration", d))
	}
}

// recoverQuietly turns a panic into a 500 and logs the panic value and stack only: Gin's own
// recovery dumps the request headers, which may carry addresses set by proxies.
func recoverQuietly(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic in handler", "route", c.FullPath(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					WriteError(c, ErrInternal)
				} else {
					c.Abort()
				}
			}
		}()
		c.Next()
	}
}

// ContentSecurityPolicy allows only the site's own scripts, styles, images and connections:
// no inline script, no third party, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func setSecurityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// limitBody caps every request body; reading past the cap fails with *http.MaxBytesError,
// which IsTooLarge recognises so the API and the forms can each answer it their own way.
func limitBody(c *gin.Context) {
	if c.Request.ContentLength > MaxBody {
		WriteError(c, ErrTooLarge)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody)
	c.Next()
}

// IsTooLarge reports whether err came from reading past the body limit.
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// refuseCrossOrigin refuses state-changing requests that a browser marks as coming from another
// site (Sec-Fetch-Site, Origin), so no page elsewhere can post a form or act for a signed-in
// moderator. Requests without those headers (curl, other servers) are not from a browser and
// carry no ambient credentials, so they pass.
func refuseCrossOrigin() gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			WriteError(c, ErrCrossOrigin)
			return
		}
		c.Next()
	}
}
