package web

import (
	"net/netip"

	"github.com/gin-gonic/gin"
)

// clientAddr is the address of who is entering user codes or passwords, or
// registering a client, for the limits of package oauth (which count an
// IPv6 address by its /64 and /48). The address is the connection's,
// unless the connection comes from a proxy in TRUSTED_PROXIES: then it is
// the one that proxy appended to X-Forwarded-For (see trustProxies).
// Anyone can send X-Forwarded-For, and a believed spoof would give each
// guess a fresh budget.
func clientAddr(c *gin.Context) netip.Addr {
	addr, _ := netip.ParseAddr(c.ClientIP())
	return addr
}
