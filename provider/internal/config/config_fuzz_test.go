package config

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzFromEnv: any environment (NAME=value lines) is read and validated
// without panicking; the proxies read are masked prefixes, and a
// configuration that validates has an absolute ISSUER without userinfo,
// query or fragment, and a REDIRECT_URI without fragment.
func FuzzFromEnv(f *testing.F) {
	f.Add("ISSUER=http://127.0.0.1:8080\nPROVIDER_ADDR=127.0.0.1:8080")
	f.Add("ISSUER=https://id.example/tenant\nRESOURCES=https://mcp.example/mcp,urn:x\nTRUSTED_PROXIES=10.0.0.0/8, ::1\nDPOP_NONCE=on")
	f.Add("ISSUER=https://id.example\nCODE_TTL=1m\nACCESS_TOKEN_TTL=-5s\nDEVICE_POLL_INTERVAL=0\nREGISTRATION=open\nREGISTRATIONS_PER_HOUR=99999999999999999999")
	f.Add("DATABASE_URL=host=db password=x\nSESSION_SECRET=short\nPASSWORD_HASH_MEMORY_KIB=1\nPASSWORD_HASH_TIME=0")
	f.Add("ISSUER=http://localhost:8080/\nREDIRECT_URI=http://localhost:3000/callback#x\nACCESS_TOKEN_SIGNING_ALG=none\nLOG_LEVEL=trace")
	f.Fuzz(func(t *testing.T, env string) {
		vars := map[string]string{}
		for _, line := range strings.Split(env, "\n") {
			if name, value, ok := strings.Cut(line, "="); ok {
				vars[name] = value
			}
		}
		c, err := FromEnv(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
		if err != nil {
			return
		}
		for _, p := range c.TrustedProxies {
			if p != p.Masked() {
				t.Fatalf("TRUSTED_PROXIES %q gave the unmasked prefix %v", vars["TRUSTED_PROXIES"], p)
			}
		}
		if c.Validate() != nil {
			return
		}
		u, err := url.Parse(c.Issuer)
		if err != nil || !u.IsAbs() || u.User != nil || strings.ContainsAny(c.Issuer, "?#") {
			t.Fatalf("validated ISSUER %q (%v)", c.Issuer, err)
		}
		if strings.Contains(c.RedirectURI, "#") {
			t.Fatalf("validated REDIRECT_URI %q", c.RedirectURI)
		}
	})
}
