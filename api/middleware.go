package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/api/ratelimit"
)

// MaxBody is the largest request body accepted anywhere; a report is at most a few KiB.
const MaxBody = 64 << 10

// EngineOptions configures the shared HTTP engine.
type EngineOptions struct {
	Logger         *slog.Logger
	TrustedProxies []string
	// NotFound answers unknown paths outside /api/ (the public pages' 404); nil answers JSON.
	NotFound gin.HandlerFunc
	// Observe, if set, is told the method, route pattern, status and duration of every request
	// (metrics).
	Observe func(method, route string, status int, d time.Duration)
}

// NewEngine builds the Gin engine every HTTP package registers its routes on, with the
// middleware every response needs. It is gin.New, not gin.Default, because Default's logger
// prints client addresses and its recovery prints request headers.
func NewEngine(opts EngineOptions) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// Without trusted proxies Gin would believe any X-Forwarded-For; the address only feeds
	// rate limits, but a forged one would let a flood dodge them.
	if err := e.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("HEADSUP_TRUSTED_PROXIES: %w", err)
	}
	e.RemoteIPHeaders = []string{"X-Forwarded-For"}
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	e.Use(logRequests(log, opts.Observe), recoverQuietly(log), setSecurityHeaders, refuseCrossOrigin(), limitBody)
	e.NoMethod(func(c *gin.Context) { writeError(c, errMethod) })
	e.NoRoute(func(c *gin.Context) {
		if opts.NotFound != nil && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
			opts.NotFound(c)
			return
		}
		writeError(c, errNotFound)
	})
	return e, nil
}

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
					writeError(c, errInternal)
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
// which readJSON turns into a 413 (and the site's forms into their own).
func limitBody(c *gin.Context) {
	if c.Request.ContentLength > MaxBody {
		writeError(c, errTooLarge)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody)
	c.Next()
}

// isTooLarge reports whether err came from reading past the body limit.
func isTooLarge(err error) bool {
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
			writeError(c, errCrossOrigin)
			return
		}
		c.Next()
	}
}

// ClientKey is the rate-limit key for the client of c: its address as Gin resolves it (proxy
// headers believed only from HEADSUP_TRUSTED_PROXIES), with IPv6 grouped by /64 because one
// household or phone gets a whole /64. It is hashed inside the limiter and never stored.
func ClientKey(c *gin.Context) string {
	addr, err := netip.ParseAddr(c.ClientIP())
	if err != nil {
		return c.ClientIP()
	}
	return ratelimit.AddrKey(addr)
}
