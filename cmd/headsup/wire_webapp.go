package main

import (
	"context"

	"github.com/gin-gonic/gin"
)

// webParts is the public site of a running server.
type webParts struct{}

// wireWebapp registers the public pages, static files, service worker and manifest.
func (a *app) wireWebapp(ctx context.Context, opts appOptions) error {
	return nil
}

// notFoundPage answers unknown paths outside /api/ with the site's 404 page.
func (a *app) notFoundPage() gin.HandlerFunc { return nil }
