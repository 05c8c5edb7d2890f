package webapp

import (
	"embed"
	"fmt"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/ui"
)

//go:embed static
var staticFS embed.FS

// loadAssets reads every embedded static file and the generated icons, to be served under
// hashed names by the toolkit's one asset pipeline.
func loadAssets() (*ui.Assets, error) {
	files, err := ui.ReadFiles(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	for _, size := range iconSizes {
		files[fmt.Sprintf("icon-%d.png", size)] = drawIcon(size)
	}
	delete(files, "sw.js") // served at /sw.js under a fixed name: a worker's URL must not change
	return ui.NewAssets("/static/", files), nil
}

// serveStatic answers /static/NAME. Only hashed names exist, so every answer is immutable.
func (s *Site) serveStatic(c *gin.Context) {
	if !s.assets.Serve(c.Writer, c.Request, c.Param("name")) {
		s.NotFound(c)
	}
}

// writeBody sends a generated text response, gzipped when the client accepts it.
func writeBody(c *gin.Context, status int, contentType string, body []byte) {
	ui.WriteBody(c.Writer, c.Request, status, contentType, body)
}
