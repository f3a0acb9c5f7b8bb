package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// resourceMetadataParam reads resource_metadata="…" of a WWW-Authenticate challenge.
var resourceMetadataParam = regexp.MustCompile(`resource_metadata="([^"]+)"`)

// TestE2EMCPAuthorizationWalkthrough plays a Model Context Protocol client
// that knows nothing but the resource's URL: it calls the resource, follows
// the 401 to the resource's metadata (RFC 9728), finds the authorization
// server and its metadata (RFC 8414), registers itself (RFC 7591), signs
// the user in with PKCE (RFC 7636) for that resource (RFC 8707), and calls
// the resource with the token. README: "Walkthrough: the MCP profile".
func TestE2EMCPAuthorizationWalkthrough(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resourceURL := srv.URL + "/user/profile"

	// 1. The resource answers 401 and names its metadata (RFC 9728 Section 5.1)
	// and the scope to ask for (RFC 6750 Section 3).
	resp, _ := callResource(t, resourceURL, "")
	m := resourceMetadataParam.FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
	scope := scopeParam.FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
	if resp.StatusCode != http.StatusUnauthorized || m == nil || scope == nil {
		t.Fatalf("step 1, the resource without a token: got %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	// 2. The protected resource metadata names the authorization server (RFC 9728 Section 2).
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	getJSON(t, m[1], &prm)
	if len(prm.AuthorizationServers) == 0 || !slices.Contains(prm.ScopesSupported, scope[1]) {
		t.Fatalf("step 2, protected resource metadata without authorization_servers: %+v", prm)
	}

	// 3. The authorization server metadata (RFC 8414 Section 3): endpoints, PKCE, registration.
	var as struct {
		Issuer                        string   `json:"issuer"`
		AuthorizationEndpoint         string   `json:"authorization_endpoint"`
		TokenEndpoint                 string   `json:"token_endpoint"`
		RegistrationEndpoint          string   `json:"registration_endpoint"`
		CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	}
	getJSON(t, prm.AuthorizationServers[0]+"/.well-known/oauth-authorization-server", &as)
	if as.Issuer != prm.AuthorizationServers[0] || as.RegistrationEndpoint == "" || !slices.Contains(as.CodeChallengeMethodsSupported, "S256") {
		t.Fatalf("step 3, authorization server metadata: %+v", as)
	}

	// 4. Dynamic client registration (RFC 7591 Section 3): a public client on loopback.
	resp, body := sendJSON(t, http.MethodPost, as.RegistrationEndpoint, `{"client_name":"MCP client",
		"redirect_uris":["http://127.0.0.1:33418/callback"],"token_endpoint_auth_method":"none",
		"grant_types":["authorization_code","refresh_token"],"scope":"read profile"}`, "")
	var reg registration
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &reg) != nil {
		t.Fatalf("step 4, registration: %d %s", resp.StatusCode, body)
	}

	// 5. Authorization with PKCE and resource (RFC 7636, RFC 8707 Section 2.1),
	// for the scope the challenge named.
	cfg := &oauth2.Config{ClientID: reg.ClientID, RedirectURL: reg.RedirectURIs[0], Scopes: strings.Fields(scope[1]),
		Endpoint: oauth2.Endpoint{AuthURL: as.AuthorizationEndpoint, TokenURL: as.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	resource := oauth2.SetAuthURLParam("resource", prm.Resource)
	loc := newBrowser(t).Approve(cfg.AuthCodeURL("mcp-state", oauth2.S256ChallengeOption(verifier), resource))
	if loc.Query().Get("state") != "mcp-state" || loc.Query().Get("iss") != as.Issuer {
		t.Fatalf("step 5, the redirect back: %s", loc.Redacted())
	}

	// 6. The token request, for the same resource: aud = the resource (RFC 8707 Section 2.2).
	tok, err := cfg.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier), resource)
	if err != nil {
		t.Fatalf("step 6, token request: %v", err)
	}
	if aud := audOf(t, tok.AccessToken); aud != `"`+prm.Resource+`"` {
		t.Errorf("step 6, aud: got %s, want %q", aud, prm.Resource)
	}

	// 7. The resource, with the token.
	resp, body = callResource(t, resourceURL, tok.AccessToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("step 7, the resource with the token: %d %s", resp.StatusCode, body)
	}
}
