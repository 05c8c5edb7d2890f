package main

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/api/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/webapp"
)

// webParts is the public site of a running server.
type webParts struct {
	site *webapp.Site
}

// wireWebapp registers the public pages, static files, service worker and manifest.
func (a *app) wireWebapp(ctx context.Context, opts appOptions) error {
	// The identifier key was created by newApp before the API was wired; reading it again here
	// returns the same value, so the check page and POST /api/v1/check hash alike.
	idKey, err := a.store.SettingOrCreate(ctx, "identifier_hmac_key", randomHex(32))
	if err != nil {
		return err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	rate, period, burst := 60, time.Minute, 20
	if opts.NoRateLimits {
		rate, period, burst = 1_000_000, time.Second, 1_000_000
	}
	site, err := webapp.New(webapp.Deps{
		Store:          a.store,
		Intake:         a.intake,
		Areas:          a.areas,
		Check:          checkIdentifier(a.store, []byte(idKey)),
		SiteName:       a.cfg.SiteName,
		ExitURL:        a.cfg.ExitURL,
		BaseURL:        a.cfg.BaseURL,
		VAPIDPublicKey: a.push.publicKey,
		RetentionDays:  a.cfg.RetentionDays,
		Posts:          ratelimit.New(ratelimit.Options{Rate: rate, Period: period, Burst: burst, Now: now}),
		Logger:         a.log,
		Now:            now,
	})
	if err != nil {
		return err
	}
	a.web.site = site
	site.Register(a.engine)
	return nil
}

// checkIdentifier is the lookup behind the check page: normalise, hash with the identifier
// key, and find published bad-date alerts holding that hash — the steps POST /api/v1/check
// takes, on the same store method. The value asked about is never stored or logged.
func checkIdentifier(s *store.Store, key []byte) webapp.Checker {
	return func(ctx context.Context, typ, value string) ([]report.Alert, error) {
		norm, err := report.NormalizeIdentifier(typ, value)
		if err != nil {
			return nil, err
		}
		return s.AlertsByIdentifier(ctx, report.IdentifierHMAC(key, typ, norm))
	}
}

// notFoundPage answers unknown paths outside /api/ with the site's 404 page. The engine is
// built before the site, so the handler looks the site up when a request comes.
func (a *app) notFoundPage() gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.web.site != nil {
			a.web.site.NotFound(c)
			return
		}
		c.String(http.StatusNotFound, "not found\n")
	}
}
