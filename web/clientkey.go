package web

import (
	"net/netip"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/ratelimit"
)

// ClientKey is the rate-limit key for the client of c, the one every limiter uses wherever
// the request came in (API, forms, checks): its address as Gin resolves it (proxy headers
// believed only from HEADSUP_TRUSTED_PROXIES), with IPv6 grouped by /64 because one household
// or phone gets a whole /64, so keying on the full address would let one client rotate
// through endless keys. It is hashed inside the limiter and never stored.
func ClientKey(c *gin.Context) string {
	addr, err := netip.ParseAddr(c.ClientIP())
	if err != nil {
		return c.ClientIP()
	}
	return ratelimit.AddrKey(addr)
}
