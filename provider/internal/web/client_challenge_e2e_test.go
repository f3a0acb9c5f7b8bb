package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EInvalidClientChallenge: on each store, every endpoint that
// authenticates clients answers a failed client authentication, whichever
// method the client used or none, with 401 invalid_client and a Basic
// challenge: "The server generating a 401 response MUST send a
// WWW-Authenticate header field" (RFC 9110 Section 15.5.2), which names the
// HTTP authentication scheme the endpoint supports (RFC 6749 Section 5.2).
func TestE2EInvalidClientChallenge(t *testing.T) {
	t.Parallel()
	endpoints := []struct {
		path string
		form url.Values
	}{
		{"/oauth/token", url.Values{"grant_type": {"client_credentials"}}},
		{"/oauth/access_token", url.Values{"grant_type": {"client_credentials"}}},
		{"/oauth/introspect", url.Values{"token": {"x"}}},
		{"/oauth/revoke", url.Values{"token": {"x"}}},
		{"/oauth/par", pushedDemoRequest(oauth2.GenerateVerifier())},
		{"/oauth/device/code", url.Values{"scope": {"read"}}},
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		k := registerKeyClient(t, srv)
		methods := []struct {
			name  string
			apply func(form url.Values, header map[string]string)
		}{
			{"no client authentication", func(form url.Values, _ map[string]string) { form.Del("client_id") }},
			{"client_secret_basic with a wrong secret", func(_ url.Values, header map[string]string) {
				header["Authorization"] = basicAuth("testclient", "wrong")
			}},
			{"client_secret_basic that is not base64", func(_ url.Values, header map[string]string) { header["Authorization"] = "Basic !!!" }},
			{"client_secret_post with a wrong secret", func(form url.Values, _ map[string]string) {
				form.Set("client_id", "testclient")
				form.Set("client_secret", "wrong")
			}},
			{"private_key_jwt with an assertion for another server", func(form url.Values, _ map[string]string) {
				form.Del("client_id")
				form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
				form.Set("client_assertion", k.assertion(t, "https://other.example"))
			}},
		}
		for _, ep := range endpoints {
			for _, m := range methods {
				t.Run(ep.path+"/"+m.name, func(t *testing.T) {
					form, header := url.Values{}, map[string]string{}
					for name, v := range ep.form {
						form[name] = v
					}
					m.apply(form, header)
					resp, body := rawPost(t, srv.URL+ep.path, form.Encode(), header)
					var e struct{ Error string }
					_ = json.Unmarshal([]byte(body), &e)
					if resp.StatusCode != http.StatusUnauthorized || e.Error != "invalid_client" {
						t.Fatalf("got %d %s, want 401 invalid_client", resp.StatusCode, body)
					}
					if got, want := resp.Header.Get("WWW-Authenticate"), `Basic realm="oauth", charset="UTF-8"`; got != want {
						t.Errorf("WWW-Authenticate: got %q, want %q", got, want)
					}
				})
			}
		}
	})
}
