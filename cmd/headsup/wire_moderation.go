package main

import "context"

// moderationParts is the moderation side of a running server.
type moderationParts struct{}

// wireModeration registers the moderation pages and starts the purge loop.
func (a *app) wireModeration(ctx context.Context, opts appOptions, identifierKey []byte) error {
	return nil
}
