package mcpsdk

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EMCPGoSDKSignsInAndCallsATool has the MCP Go SDK's client, which
// knows only the MCP server's URL, meet its 401, discover the server's
// protected resource metadata (RFC 9728) and the provider's metadata
// (RFC 8414), register (RFC 7591), send the user to the provider with
// PKCE S256 (RFC 7636) for that resource (RFC 8707), exchange the code
// and call a tool with the token.
func TestE2EMCPGoSDKSignsInAndCallsATool(t *testing.T) {
	eachStore(t, func(t *testing.T, postgres bool) {
		w, c, cs := connected(t, providertest.Options{Postgres: postgres})
		mcpURL := w.endpoints[0].URL

		res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami"})
		if err != nil || res.IsError {
			t.Fatalf("whoami: got %+v, %v", res, err)
		}
		got, _ := res.StructuredContent.(map[string]any)
		if subject, _ := got["subject"].(string); subject == "" || fmt.Sprint(got["scopes"]) != "[read]" {
			t.Fatalf("whoami: got %v, want the user's subject and scope read", got)
		}
		if len(c.user.authorizations) != 1 {
			t.Fatalf("got %d authorization requests, want 1", len(c.user.authorizations))
		}
		q := c.user.authorizations[0].Query()
		for param, want := range map[string]string{"response_type": "code", "code_challenge_method": "S256", "resource": mcpURL, "scope": scopeRead} {
			if q.Get(param) != want {
				t.Errorf("authorization request: %s=%q, want %q", param, q.Get(param), want)
			}
		}
		c.wire.expect(t,
			exchange{"POST", mcpURL, http.StatusUnauthorized},
			exchange{"GET", w.endpoints[0].metadataURL(), http.StatusOK},
			exchange{"GET", w.at("/.well-known/oauth-authorization-server"), http.StatusOK},
			exchange{"POST", w.at("/oauth/register"), http.StatusCreated},
			exchange{"POST", w.at("/oauth/token"), http.StatusOK},
			exchange{"POST", mcpURL, http.StatusOK},
		)
		token := c.wire.first(t, "POST", w.at("/oauth/token")).form
		if token.Get("grant_type") != "authorization_code" || token.Get("resource") != mcpURL || token.Get("code_verifier") == "" {
			t.Errorf("token request: grant_type %q, resource %q, code_verifier set %t; want authorization_code, %s, set",
				token.Get("grant_type"), token.Get("resource"), token.Get("code_verifier") != "", mcpURL)
		}
	})
}

// TestE2EMCPGoSDKStepsUpForAToolsScope has the SDK's client call a tool
// that needs scope write with a token for read: the MCP server answers
// 403 insufficient_scope naming "read write" (RFC 6750 Section 3.1), and
// the client signs the user in again for both and calls the tool again.
func TestE2EMCPGoSDKStepsUpForAToolsScope(t *testing.T) {
	eachStore(t, func(t *testing.T, postgres bool) {
		w, c, cs := connected(t, providertest.Options{Postgres: postgres})
		mcpURL := w.endpoints[0].URL

		var res *mcp.CallToolResult
		err := c.user.during(t, func() (err error) {
			res, err = cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "add_note", Arguments: note{Text: "hello"}})
			return err
		})
		if err != nil || res.IsError || len(res.Content) != 1 {
			t.Fatalf("add_note: got %+v, %v", res, err)
		}
		if text, _ := res.Content[0].(*mcp.TextContent); text == nil || text.Text != "noted: hello" {
			t.Fatalf("add_note: got %+v, want noted: hello", res.Content[0])
		}
		calls := c.wire.to("POST", mcpURL)
		if i := slices.IndexFunc(calls, func(r recorded) bool { return r.status == http.StatusForbidden }); i < 0 || !strings.Contains(calls[i].challenge, `error="insufficient_scope"`) {
			t.Errorf("add_note with a read token: got %v, want a 403 insufficient_scope", calls)
		}
		if n := len(c.user.authorizations); n != 2 {
			t.Fatalf("got %d authorization requests, want 2 (sign-in, then step-up)", n)
		}
		if scope := strings.Fields(c.user.authorizations[1].Query().Get("scope")); !slices.Contains(scope, scopeRead) || !slices.Contains(scope, scopeWrite) {
			t.Errorf("step-up authorization request: scope %q, want read and write", scope)
		}
	})
}

// TestE2EMCPGoSDKRefusesATokenForAnotherResource gives the SDK's client
// for one MCP server the token issued for another: the server refuses it
// (its aud is not this resource, RFC 9068 Section 4) with 401 naming its
// own metadata, and the client signs the user in for this resource.
func TestE2EMCPGoSDKRefusesATokenForAnotherResource(t *testing.T) {
	eachStore(t, func(t *testing.T, postgres bool) {
		w := newWorld(t, providertest.Options{Postgres: postgres}, "/mcp", "/other/mcp")
		first, other := w.endpoints[0], w.endpoints[1]
		signedIn := w.newClient(t, newUser(t), nil)
		signedIn.connect(t, first.URL)
		tokens, err := signedIn.handler.TokenSource(t.Context())
		if err != nil {
			t.Fatal(err)
		}

		c := w.newClient(t, signedIn.user, func(cfg *auth.AuthorizationCodeHandlerConfig) { cfg.InitialTokenSource = tokens })
		cs := c.connect(t, other.URL)
		if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami"}); err != nil || res.IsError {
			t.Fatalf("whoami at the other server: got %+v, %v", res, err)
		}
		refused := c.wire.first(t, "POST", other.URL)
		if refused.status != http.StatusUnauthorized || !refused.authorization || !strings.Contains(refused.challenge, `resource_metadata="`+other.metadataURL()+`"`) {
			t.Errorf("the other server, given the first one's token: got %d, WWW-Authenticate %q (token sent %t), want 401 naming its resource_metadata",
				refused.status, refused.challenge, refused.authorization)
		}
		if n := len(signedIn.user.authorizations); n != 2 || signedIn.user.authorizations[1].Query().Get("resource") != other.URL {
			t.Fatalf("got %d authorization requests, want a second one for resource %s", n, other.URL)
		}
	})
}

// TestE2EMCPGoSDKSignsInWithAClientIDMetadataDocument has the SDK's
// client use the URL of its client ID metadata document as its client_id
// instead of registering, as the provider's metadata allows
// (client_id_metadata_document_supported, CIMD Section 5): the provider
// fetches the document from a TLS server on 127.0.0.1 through a transport
// that trusts it (README, "Client ID metadata documents"). The SDK leaves
// the token request's client authentication to golang.org/x/oauth2's
// auto-detection for such a client, which tries HTTP Basic with an empty
// secret first: the provider refuses it (401 invalid_client, a public
// client presents no secret, RFC 6749 Section 2.1) without spending the
// code, and the retry with client_id in the body gets the token.
func TestE2EMCPGoSDKSignsInWithAClientIDMetadataDocument(t *testing.T) {
	eachStore(t, func(t *testing.T, postgres bool) {
		u := newUser(t)
		site := serveClientMetadata(t, u.redirectURI)
		clientID := site.URL + "/mcp/client.json"
		w := newWorld(t, providertest.Options{Postgres: postgres, MetadataDocumentTransport: site.Client().Transport}, "/mcp")
		mcpURL := w.endpoints[0].URL
		c := w.newClient(t, u, func(cfg *auth.AuthorizationCodeHandlerConfig) {
			cfg.ClientIDMetadataDocumentConfig = &auth.ClientIDMetadataDocumentConfig{URL: clientID}
		})
		cs := c.connect(t, mcpURL)

		if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami"}); err != nil || res.IsError {
			t.Fatalf("whoami: got %+v, %v", res, err)
		}
		if len(u.authorizations) != 1 || u.authorizations[0].Query().Get("client_id") != clientID {
			t.Fatalf("authorization requests %v, want one with client_id %s", u.authorizations, clientID)
		}
		c.wire.expect(t,
			exchange{"POST", mcpURL, http.StatusUnauthorized},
			exchange{"GET", w.at("/.well-known/oauth-authorization-server"), http.StatusOK},
			exchange{"POST", w.at("/oauth/token"), http.StatusOK},
			exchange{"POST", mcpURL, http.StatusOK},
		)
		tokens := c.wire.to("POST", w.at("/oauth/token"))
		exchanged := tokens[len(tokens)-1] // expect found one
		if exchanged.status != http.StatusOK || exchanged.form.Get("client_id") != clientID {
			t.Errorf("token request: got %d, client_id %q; want 200, %s", exchanged.status, exchanged.form.Get("client_id"), clientID)
		}
		for _, basic := range tokens[:len(tokens)-1] {
			if basic.status != http.StatusUnauthorized || !basic.authorization || basic.form.Get("code") != exchanged.form.Get("code") {
				t.Errorf("token request before the exchange: got %d (Authorization sent %t), want a refused HTTP Basic attempt with the same code", basic.status, basic.authorization)
			}
		}
		if n := len(c.wire.to("POST", w.at("/oauth/register"))); n != 0 {
			t.Errorf("the client registered %d times, want it to use its client ID metadata document", n)
		}
		if n := site.fetches.Load(); n != 1 {
			t.Errorf("the document was fetched %d times, want 1", n)
		}
	})
}

// TestE2EMCPGoSDKRefreshesItsToken gives access tokens a 5-second life,
// shorter than the 10 seconds before expiry at which golang.org/x/oauth2
// (the SDK's token source) renews one, so each request of the SDK's
// client refreshes its token (RFC 6749 Section 6), without resource: the
// provider gives the new token the one resource the user granted
// (RFC 8707 Section 2.2), and the MCP server takes it.
func TestE2EMCPGoSDKRefreshesItsToken(t *testing.T) {
	eachStore(t, func(t *testing.T, postgres bool) {
		w, c, cs := connected(t, providertest.Options{Postgres: postgres, AccessTokenTTL: 5 * time.Second})
		mcpURL := w.endpoints[0].URL

		if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami"}); err != nil || res.IsError {
			t.Fatalf("whoami: got %+v, %v", res, err)
		}
		tokens := c.wire.to("POST", w.at("/oauth/token"))
		if len(tokens) < 2 {
			t.Fatalf("got %d token requests, want the code's exchange and refreshes", len(tokens))
		}
		for _, refresh := range tokens[1:] {
			if refresh.status != http.StatusOK || refresh.form.Get("grant_type") != "refresh_token" || refresh.form.Has("resource") {
				t.Errorf("refresh: got %d, grant_type %q, resource %q; want 200, refresh_token, none", refresh.status, refresh.form.Get("grant_type"), refresh.form.Get("resource"))
			}
		}
		if calls := c.wire.to("POST", mcpURL); calls[len(calls)-1].status != http.StatusOK || len(c.user.authorizations) != 1 {
			t.Errorf("got %v after %d sign-ins, want the tool called after one", calls, len(c.user.authorizations))
		}
	})
}

// TestE2EMCPGoSDKSignsInOnAnyLoopbackPort has a desktop MCP client that
// registered a loopback redirect URI (RFC 7591, the SDK's own
// registration call) sign in later on whichever port is free then, as
// RFC 8252 Section 7.3 lets it: "The authorization server MUST allow any
// port to be specified at the time of the request for loopback IP
// redirect URIs". The SDK's client, given the client_id it keeps, sends
// the user to the provider with the redirect URI of that fresh port, and
// exchanges the code with it. The shapes are those of desktop clients:
// http://127.0.0.1:PORT without a path (VS Code-style, registered on
// another port), http://localhost:PORT/callback (Claude Code-style,
// registered on another port), and a URI registered without a port
// (README, "Clients that register themselves").
func TestE2EMCPGoSDKSignsInOnAnyLoopbackPort(t *testing.T) {
	for _, shape := range []struct {
		name             string
		registered, used func(port int) string
	}{
		{"127.0.0.1 without a path",
			func(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", anotherPort(port)) },
			func(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }},
		{"localhost with a path",
			func(port int) string { return fmt.Sprintf("http://localhost:%d/callback", anotherPort(port)) },
			func(port int) string { return fmt.Sprintf("http://localhost:%d/callback", port) }},
		{"registered without a port",
			func(int) string { return "http://127.0.0.1/callback" },
			func(port int) string { return fmt.Sprintf("http://127.0.0.1:%d/callback", port) }},
	} {
		t.Run(shape.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, postgres bool) {
				w := newWorld(t, providertest.Options{Postgres: postgres}, "/mcp")
				u := newUserAt(t, shape.used)
				registered := shape.registered(u.port)
				clientID := register(t, w, registered)
				c := w.newClient(t, u, func(cfg *auth.AuthorizationCodeHandlerConfig) {
					cfg.DynamicClientRegistrationConfig = nil
					cfg.PreregisteredClient = &oauthex.ClientCredentials{ClientID: clientID}
					cfg.RedirectURL = u.redirectURI
				})
				cs := c.connect(t, w.endpoints[0].URL)

				if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami"}); err != nil || res.IsError {
					t.Fatalf("whoami: got %+v, %v", res, err)
				}
				if len(u.authorizations) != 1 || u.authorizations[0].Query().Get("redirect_uri") != u.redirectURI {
					t.Fatalf("authorization requests %v, want one with redirect_uri %s (registered: %s)", u.authorizations, u.redirectURI, registered)
				}
				exchanged := c.wire.first(t, "POST", w.at("/oauth/token"))
				if exchanged.status != http.StatusOK || exchanged.form.Get("redirect_uri") != u.redirectURI {
					t.Errorf("token request: got %d, redirect_uri %q; want 200, %s", exchanged.status, exchanged.form.Get("redirect_uri"), u.redirectURI)
				}
			})
		})
	}
}

// TestE2EMCPGoSDKSignsInForTheProvidersOwnResource has the SDK's OAuth
// handler, outside MCP, meet the provider's own resource, GET
// /user/profile (README, "Walkthrough: the MCP profile"): its 401 names
// the metadata of the resource ISSUER, only a path prefix of the URL
// called, which the SDK refuses (RFC 9728 Section 3.3: identical); it
// then tries the metadata at the URL's path (not found) and at the root,
// where it expects the origin as the resource, which ISSUER is here, and
// takes it. It registers, signs the user in for resource ISSUER
// (RFC 8707 Section 2), and the provider answers the token with 200.
func TestE2EMCPGoSDKSignsInForTheProvidersOwnResource(t *testing.T) {
	eachStore(t, func(t *testing.T, postgres bool) {
		w := newWorld(t, providertest.Options{Postgres: postgres})
		c := w.newClient(t, newUser(t), nil)
		profile, metadata := w.at("/user/profile"), w.at("/.well-known/oauth-protected-resource")
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, profile, nil)
		if err != nil {
			t.Fatal(err)
		}
		challenged, err := c.wire.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.user.during(t, func() error { return c.handler.Authorize(t.Context(), req, challenged) }); err != nil {
			t.Fatalf("authorize for %s: %v", profile, err)
		}
		tokens, err := c.handler.TokenSource(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		tok, err := tokens.Token()
		if err != nil {
			t.Fatal(err)
		}
		tok.SetAuthHeader(req)
		if resp, err := c.wire.client().Do(req); err != nil || resp.Body.Close() != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s with the token: got %v, %v; want 200", profile, resp, err)
		}
		if len(c.user.authorizations) != 1 || c.user.authorizations[0].Query().Get("resource") != w.provider.Issuer {
			t.Fatalf("authorization requests %v, want one for resource %s", c.user.authorizations, w.provider.Issuer)
		}
		c.wire.expect(t,
			exchange{"GET", profile, http.StatusUnauthorized},
			exchange{"GET", metadata, http.StatusOK},
			exchange{"GET", metadata + "/user/profile", http.StatusNotFound},
			exchange{"GET", metadata, http.StatusOK},
			exchange{"GET", w.at("/.well-known/oauth-authorization-server"), http.StatusOK},
			exchange{"POST", w.at("/oauth/register"), http.StatusCreated},
			exchange{"POST", w.at("/oauth/token"), http.StatusOK},
			exchange{"GET", profile, http.StatusOK},
		)
		if token := c.wire.first(t, "POST", w.at("/oauth/token")).form; token.Get("resource") != w.provider.Issuer {
			t.Errorf("token request: resource %q, want %s", token.Get("resource"), w.provider.Issuer)
		}
	})
}

// register registers a public client on redirectURI with the SDK's own
// registration call ([RFC 7591 Section 3]), as a desktop MCP client did
// on an earlier day, and returns its client_id.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
func register(t *testing.T, w *world, redirectURI string) string {
	t.Helper()
	registered, err := oauthex.RegisterClient(t.Context(), w.at("/oauth/register"), publicClient(redirectURI), http.DefaultClient)
	if err != nil {
		t.Fatalf("register %s: %v", redirectURI, err)
	}
	return registered.ClientID
}

// anotherPort returns a port from 1 to 65535 other than port.
func anotherPort(port int) int { return port%65535 + 1 }

// eachStore runs test once with the provider on SQLite and once on
// PostgreSQL (skipped without TEST_DATABASE_URL, except in CI).
func eachStore(t *testing.T, test func(t *testing.T, postgres bool)) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) { test(t, store == "postgres") })
	}
}

// world is the provider and the MCP servers it issues tokens for, each
// named in RESOURCES (README, "Resource indicators").
type world struct {
	provider  *providertest.Server
	endpoints []mcpEndpoint
}

// connected starts the provider with opts and an MCP server at /mcp, and
// connects a new client to it, the user signing in.
func connected(t *testing.T, opts providertest.Options) (*world, *client, *mcp.ClientSession) {
	t.Helper()
	w := newWorld(t, opts, "/mcp")
	c := w.newClient(t, newUser(t), nil)
	return w, c, c.connect(t, w.endpoints[0].URL)
}

// at returns the URL of path at the provider.
func (w *world) at(path string) string { return w.provider.Issuer + path }

// newWorld starts the provider with opts and an MCP server at each path,
// on a listener of their own.
func newWorld(t *testing.T, opts providertest.Options, paths ...string) *world {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{}
	var resources []string
	for _, p := range paths {
		w.endpoints = append(w.endpoints, newEndpoint(ln, p))
		resources = append(resources, w.endpoints[len(w.endpoints)-1].URL)
	}
	opts.Resources = resources
	w.provider = providertest.New(t, opts)
	serveMCP(t, ln, w.provider.Issuer, w.endpoints...)
	return w
}

// clientMetadataSite is the web site of the MCP client, a TLS server on
// 127.0.0.1 serving its client ID metadata document (CIMD Section 4.1)
// at any path, counting the fetches.
type clientMetadataSite struct {
	*httptest.Server
	fetches atomic.Int32
}

// serveClientMetadata starts the site: the document at a path names that
// URL as its client_id, a public client on redirectURI.
func serveClientMetadata(t *testing.T, redirectURI string) *clientMetadataSite {
	site := &clientMetadataSite{}
	site.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"client_id":                  "https://" + r.Host + r.URL.Path,
			"client_name":                "MCP Go SDK interop",
			"redirect_uris":              []string{redirectURI},
			"token_endpoint_auth_method": "none",
			"grant_types":                []string{"authorization_code", "refresh_token"},
			"response_types":             []string{"code"},
		})
	}))
	t.Cleanup(site.Close)
	return site
}

// client is the SDK's MCP client with its OAuth handler, the user it
// signs in, and what went over the wire.
type client struct {
	handler *auth.AuthorizationCodeHandler
	user    *user
	wire    *wireLog
}

// newClient returns the SDK's authorization code handler for u, which
// registers itself (RFC 7591) as a public client on u's loopback redirect
// URI (RFC 8252 Section 7.3); configure, if set, changes its configuration
// before use.
func (w *world) newClient(t *testing.T, u *user, configure func(*auth.AuthorizationCodeHandlerConfig)) *client {
	t.Helper()
	c := &client{user: u, wire: &wireLog{}}
	cfg := &auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: publicClient(u.redirectURI)},
		AuthorizationCodeFetcher:        u.fetchCode,
		Client:                          c.wire.client(),
	}
	if configure != nil {
		configure(cfg)
	}
	h, err := auth.NewAuthorizationCodeHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.handler = h
	return c
}

// publicClient is the metadata the MCP client registers itself with
// ([RFC 7591 Section 2]): a public client on redirectURI.
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func publicClient(redirectURI string) *oauthex.ClientRegistrationMetadata {
	return &oauthex.ClientRegistrationMetadata{
		ClientName:              "MCP Go SDK interop",
		RedirectURIs:            []string{redirectURI},
		TokenEndpointAuthMethod: "none",
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
	}
}

// connect opens an MCP session with the server at mcpURL, the user
// signing in whenever the SDK sends them to the provider.
func (c *client) connect(t *testing.T, mcpURL string) *mcp.ClientSession {
	t.Helper()
	transport := &mcp.StreamableClientTransport{Endpoint: mcpURL, HTTPClient: c.wire.client(), OAuthHandler: c.handler}
	var cs *mcp.ClientSession
	err := c.user.during(t, func() (err error) {
		cs, err = mcp.NewClient(&mcp.Implementation{Name: "interop-mcp-client", Version: "v0.0.1"}, nil).Connect(t.Context(), transport, nil)
		return err
	})
	if err != nil {
		t.Fatalf("connect to %s: %v", mcpURL, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}
