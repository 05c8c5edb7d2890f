package main

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/webapp"
)

// webParts is the public site of a running server.
type webParts struct {
	site *webapp.Site
}

// wireWebapp registers the public pages, static files, service worker and manifest.
func (a *app) wireWebapp(opts appOptions) error {
	site, err := webapp.New(webapp.Deps{
		Store:          a.public,
		Intake:         a.intake,
		Areas:          a.areas,
		SiteName:       a.cfg.SiteName,
		ExitURL:        a.cfg.ExitURL,
		BaseURL:        a.cfg.BaseURL,
		VAPIDPublicKey: a.push.publicKey,
		RetentionDays:  a.cfg.RetentionDays,
		Posts:          a.limiter(opts)(60, time.Minute, 20),
		Logger:         a.log,
		Now:            a.now,
		Resources:      a.help,
	})
	if err != nil {
		return err
	}
	a.web.site = site
	site.Register(a.engine)
	return nil
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
