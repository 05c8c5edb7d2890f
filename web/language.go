package web

import (
	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
)

// Language is the site language a public request asks for: ?lang= when given (explicit, so
// pages carry it on in their links), else the best match for Accept-Language. Anything
// unknown or malformed falls back to the first site language rather than being refused, so
// a bad ?lang= never costs a reader the page.
func Language(c *gin.Context) (lang string, explicit bool) {
	if l := c.Query("lang"); l != "" {
		return report.MatchLanguage(l), true
	}
	return report.MatchLanguage(c.GetHeader("Accept-Language")), false
}
