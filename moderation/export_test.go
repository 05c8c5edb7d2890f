package moderation

// StaticURL exposes the hashed URL of a static file to the external tests, which request
// the stylesheet as a browser would.
func StaticURL(name string) string { return assets.URL(name) }
