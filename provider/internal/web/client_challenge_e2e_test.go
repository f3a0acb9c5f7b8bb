package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// clientAuthEndpoints are the endpoints that authenticate clients, each with
// a request it would answer but for the client's authentication.
var clientAuthEndpoints = []struct {
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

// TestE2EInvalidClientChallenge: on each store, every endpoint that
// authenticates clients answers a failed client authentication, whichever
// method the client used or none, with 401 invalid_client and a Basic
// challenge: "The server generating a 401 response MUST send a
// WWW-Authenticate header field" (RFC 9110 Section 15.5.2), which names the
// HTTP authentication scheme the endpoint supports (RFC 6749 Section 5.2).
func TestE2EInvalidClientChallenge(t *testing.T) {
	t.Parallel()
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
		for _, ep := range clientAuthEndpoints {
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

// TestE2ETwoAuthorizationHeaders: on each store, every endpoint that
// authenticates clients refuses a request with two Authorization headers,
// a valid one and a wrong one in either order, as invalid_request: it
// "utilizes more than one mechanism for authenticating the client, or is
// otherwise malformed" (RFC 6749 Section 5.2), and Authorization is no list
// whose two field lines make one value (RFC 9110 Section 5.3). Reading only
// the first, the endpoints answered by the order of the headers. The trace
// ends with the rule, failed.
func TestE2ETwoAuthorizationHeaders(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		valid, wrong := basicAuth("testclient", "testsecret"), basicAuth("testclient", "wrong")
		for _, ep := range clientAuthEndpoints {
			for order, headers := range map[string][2]string{"valid, then wrong": {valid, wrong}, "wrong, then valid": {wrong, valid}} {
				t.Run(ep.path+"/"+order, func(t *testing.T) {
					resp, body := sendBadRequest(t, srv, badRequest{method: http.MethodPost, path: ep.path, body: ep.form.Encode(),
						header: map[string]string{"Authorization": headers[0]}, moreHeader: http.Header{"Authorization": {headers[1]}}})
					if resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != "invalid_request" ||
						!strings.Contains(jsonField(body, "error_description"), "more than one Authorization header") {
						t.Fatalf("got %d %s, want 400 invalid_request, more than one Authorization header", resp.StatusCode, body)
					}
					got, _ := traceOf(t, srv, resp)
					checkEndsWith(t, "the trace", got, "RFC 6749 Section 5.2", "invalid_request")
					if n := len(got.Checks); n > 0 && got.Checks[n-1].Rule != "a client's request has at most one Authorization header, so it carries one set of client credentials" {
						t.Errorf("the trace's failed rule: got %q, want the one about Authorization headers", got.Checks[n-1].Rule)
					}
				})
			}
		}
	})
}
