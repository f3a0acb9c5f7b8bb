package web

import (
	"net/netip"

	"github.com/gin-gonic/gin"
)

// trustProxies makes c.ClientIP() believe X-Forwarded-For only on
// connections from the given proxies: gin then reads the header from the
// right, skipping addresses of trusted proxies, and takes the first one
// that is not. With no proxies it is always the connection's address.
// Nothing else comes from forwarded headers: the issuer, the metadata and
// every redirect are built from ISSUER alone.
func trustProxies(r *gin.Engine, proxies []netip.Prefix) {
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	cidrs := make([]string, len(proxies))
	for i, p := range proxies {
		cidrs[i] = p.String()
	}
	if err := r.SetTrustedProxies(cidrs); err != nil {
		panic("web: TRUSTED_PROXIES were parsed by config, yet gin refused them: " + err.Error())
	}
}

// clientAddr is the address of who is entering user codes or passwords, or
// registering a client, for the limits of package oauth (which count an
// IPv6 address by its /64 and /48). The address is the connection's,
// unless the connection comes from a proxy in TRUSTED_PROXIES: then it is
// the one that proxy appended to X-Forwarded-For (trustProxies, above).
// Anyone can send X-Forwarded-For, and a believed spoof would give each
// guess a fresh budget.
func clientAddr(c *gin.Context) netip.Addr {
	addr, _ := netip.ParseAddr(c.ClientIP())
	return addr
}
