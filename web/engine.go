// Package web is the HTTP platform every front end (the JSON API, the public pages, the
// moderation pages) registers its routes on: the Gin engine and the middleware every response
// needs — security headers, an access log without client addresses, a quiet recovery, the
// body limit and cross-origin protection — and the client key every rate limit uses. It knows
// no front end, so none of them has to import another to get it.
package web

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
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
	e.NoMethod(func(c *gin.Context) { WriteError(c, ErrMethod) })
	e.NoRoute(func(c *gin.Context) {
		if opts.NotFound != nil && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
			opts.NotFound(c)
			return
		}
		WriteError(c, ErrNotFound)
	})
	return e, nil
}
