package config

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzClientConfig: any environment is read and validated without
// panicking; a valid one derives parseable, fragment-free redirect URIs
// without userinfo at the origin of REDIRECT_URI, and issuer URLs.
func FuzzClientConfig(f *testing.F) {
	f.Add("AUTH_SERVER=http://localhost:8080\nREDIRECT_URI=http://localhost:3000/callback")
	f.Add("AUTH_SERVER=https://id.example/t/\nAUTH_SERVER_INTERNAL=http://provider:8080\nREDIRECT_URI=https://app.example:8443/cb?x=1\nTEACHING_MODE=auto\nDPOP=on")
	f.Add("AUTH_SERVER=http://[::1]:8080\nREDIRECT_URI=http://u@h/#x\nCLIENT_ADDR=:99999\nSESSION_SECRET=short")
	f.Fuzz(func(t *testing.T, env string) {
		vars := map[string]string{}
		for line := range strings.Lines(env) {
			if name, value, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "="); ok {
				vars[name] = value
			}
		}
		c := FromEnv(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
		_ = c.Teaching()
		if c.Validate() != nil {
			return
		}
		origin, _ := url.Parse(c.RedirectURI)
		for _, uri := range []string{c.SPARedirectURI(), c.MCPRedirectURI(), c.PostLogoutRedirectURI()} {
			u, err := url.Parse(uri)
			if err != nil || u.Fragment != "" || u.Host != origin.Host || u.Scheme != origin.Scheme || u.User != nil {
				t.Fatalf("REDIRECT_URI %q derives %q (%v)", c.RedirectURI, uri, err)
			}
		}
		if c.IssuerURL("/protected/resource") == "" || c.BackChannelURL("/oauth/token") == "" {
			t.Fatalf("AUTH_SERVER %q gives no URL", c.AuthServer)
		}
	})
}
