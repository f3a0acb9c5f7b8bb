package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// documentHost is the web site of clients that describe themselves in
// client ID metadata documents (CIMD Section 4.1): a TLS server on
// 127.0.0.1 answering each path as a test sets it, counting the fetches.
type documentHost struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string]documentAnswer
	fetches map[string]int
	accept  string // the Accept header of the last fetch
}

// documentAnswer is how documentHost answers one path.
type documentAnswer struct {
	status       int    // 0: 200
	contentType  string // "": application/json
	cacheControl string
	location     string
	delay        time.Duration
	hold         <-chan struct{} // nil, or no answer until it is closed
	body         string
}

func newDocumentHost(t *testing.T) *documentHost {
	h := &documentHost{answers: map[string]documentAnswer{}, fetches: map[string]int{}}
	h.Server = httptest.NewTLSServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

func (h *documentHost) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	a, ok := h.answers[r.URL.Path]
	h.fetches[r.URL.Path]++
	h.accept = r.Header.Get("Accept")
	h.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	select {
	case <-time.After(a.delay):
	case <-r.Context().Done():
		panic(http.ErrAbortHandler) // an answer cut short is no answer, not an empty 200
	}
	if a.hold != nil {
		select {
		case <-a.hold:
		case <-r.Context().Done():
			panic(http.ErrAbortHandler)
		}
	}
	w.Header().Set("Content-Type", cmp.Or(a.contentType, "application/json"))
	if a.cacheControl != "" {
		w.Header().Set("Cache-Control", a.cacheControl)
	}
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	w.WriteHeader(cmp.Or(a.status, http.StatusOK))
	io.WriteString(w, a.body)
}

// set makes path answer a, and returns its URL.
func (h *documentHost) set(path string, a documentAnswer) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answers[path] = a
	return h.URL + path
}

// document serves at path the document of a public MCP client on a
// loopback redirect URI, its client_id its own URL, with fields changed
// (a nil value drops the field), and returns that URL.
func (h *documentHost) document(t testing.TB, path, cacheControl string, fields map[string]any) string {
	doc := map[string]any{"client_id": h.URL + path, "client_name": "MCP doc client",
		"redirect_uris": []string{mcpDocRedirectURI}, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"}, "scope": "read profile"}
	maps.Copy(doc, fields)
	maps.DeleteFunc(doc, func(_ string, v any) bool { return v == nil })
	body, err := json.Marshal(doc)
	if err != nil {
		panic(err) // maps of strings and lists marshal
	}
	return h.set(path, documentAnswer{cacheControl: cacheControl, body: string(body)})
}

// fetched is how many times path was fetched.
func (h *documentHost) fetched(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fetches[path]
}

// mcpDocRedirectURI is the loopback redirect URI of documentHost's
// documents; a request may name it with any port (RFC 8252 Section 7.3).
const mcpDocRedirectURI = "http://127.0.0.1:33418/callback"

// documentOptions let the provider fetch from h: its transport trusts h's
// certificate and reaches 127.0.0.1, which the production one refuses. All
// of h's documents are on one site, so it may name documentsPerSite new
// ones an hour (REGISTRATIONS_PER_HOUR), more than the tests use.
func documentOptions(h *documentHost) providertest.Options {
	return providertest.Options{MetadataDocumentTransport: h.Client().Transport, MetadataDocumentTimeout: 500 * time.Millisecond,
		Configure: func(c *config.Config) { c.RegistrationsPerHour = documentsPerSite }}
}

// documentsPerSite is the budget of new documents documentOptions gives a site.
const documentsPerSite = 1000

// documentConfig is an MCP client whose client_id is the URL of its
// metadata document, coming back on another loopback port than the
// document's.
func documentConfig(srv *providertest.Server, clientID string) *oauth2.Config {
	return &oauth2.Config{ClientID: clientID, RedirectURL: "http://127.0.0.1:40123/callback", Scopes: []string{"read", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
}

// TestE2EClientIDMetadataDocument plays an MCP client of the 2025-11-25
// authorization specification that never registers: the provider's
// metadata says client_id_metadata_document_supported (CIMD Section 5);
// the client's client_id is the https URL of its metadata document, which
// the provider fetches with Accept: application/json (CIMD Section 4) and
// shows on the consent page, name and host (CIMD Section 6.4); PKCE, the
// token for the resource, a refresh and a revocation follow, on one fetch
// of the document. Without PKCE the public client is refused. On SQLite
// and PostgreSQL.
func TestE2EClientIDMetadataDocument(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		srv := newServer(documentOptions(docs))
		for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
			var m struct {
				Supported *bool `json:"client_id_metadata_document_supported"`
			}
			getJSON(t, srv.URL+path, &m)
			if m.Supported == nil || !*m.Supported {
				t.Errorf("%s: client_id_metadata_document_supported %v, want true (CIMD Section 5)", path, m.Supported)
			}
		}
		cfg := documentConfig(srv, docs.document(t, "/mcp/client.json", "max-age=3600", nil))
		verifier := oauth2.GenerateVerifier()
		resource := oauth2.SetAuthURLParam("resource", srv.Issuer)
		b := newBrowser(t)
		resp, page := b.Get(cfg.AuthCodeURL("doc-state", oauth2.S256ChallengeOption(verifier), resource))
		host := strings.TrimPrefix(docs.URL, "https://")
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "<strong>MCP doc client</strong>") ||
			!strings.Contains(page, "<strong>"+host+"</strong>") || !strings.Contains(page, "describes itself") {
			t.Fatalf("consent page: got %d, want the document's client_name and the host %s: %s", resp.StatusCode, host, page)
		}
		if docs.accept != "application/json" {
			t.Errorf("the fetch sent Accept %q, want application/json", docs.accept)
		}
		resp, page = b.Decide(resp, page, "allow")
		loc := providertest.RedirectOf(t, resp, page)
		if loc.Host != "127.0.0.1:40123" || loc.Query().Get("state") != "doc-state" || loc.Query().Get("iss") != srv.Issuer {
			t.Fatalf("the redirect back: %s", loc.Redacted())
		}
		tok, err := cfg.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier), resource)
		if err != nil {
			t.Fatalf("token request: %v", err)
		}
		if status, body := callResource(t, srv.URL+"/user/profile", tok.AccessToken); status.StatusCode != http.StatusOK {
			t.Fatalf("the resource with the token: %d %s", status.StatusCode, body)
		}
		refreshed, err := refresh(cfg, tok.RefreshToken)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		revoke(t, srv, refreshed.RefreshToken, clientAuth{id: cfg.ClientID})
		if _, err := refresh(cfg, refreshed.RefreshToken); err == nil {
			t.Error("a revoked refresh token still works")
		}
		if n := docs.fetched("/mcp/client.json"); n != 1 {
			t.Errorf("the document was fetched %d times, want once (stored for its max-age, CIMD Section 4.4)", n)
		}
		resp, page = newBrowser(t).Get(cfg.AuthCodeURL("no-pkce"))
		if loc = providertest.RedirectOf(t, resp, page); loc.Query().Get("error") != "invalid_request" {
			t.Errorf("without PKCE: redirected to %s, want error=invalid_request (RFC 7636 Section 4.4.1)", loc.Redacted())
		}
	})
}

// documentRefusal is a client_id whose document the provider must refuse:
// the authorization endpoint shows an error page naming the broken rule,
// never redirects, and the token endpoint answers invalid_client.
type documentRefusal struct {
	name     string
	clientID func(h *documentHost) string
	want     string // in the error description
	ref      string // of the broken rule, last in the trace
	fetches  int    // of the path, after the two requests
}

// documentRefusals are the documents CIMD refuses, one rule each.
var documentRefusals = []documentRefusal{
	{"client_id is another URL (CIMD Section 4.1)", func(h *documentHost) string {
		return h.document(nil, "/mismatch", "", map[string]any{"client_id": h.URL + "/other"})
	}, "must have a client_id equal to its own URL", "CIMD Section 4.1", 2},
	{"client_id differs in case (CIMD Section 4.1: simple string comparison)", func(h *documentHost) string {
		return h.document(nil, "/case", "", map[string]any{"client_id": h.URL + "/CASE"})
	}, "must have a client_id equal to its own URL", "CIMD Section 4.1", 2},
	{"an http URL (CIMD Section 3)", func(h *documentHost) string {
		return "http" + strings.TrimPrefix(h.document(nil, "/plain", "", nil), "https")
	}, "is not an absolute https URL", "CIMD Section 3", 0},
	{"a URL with a fragment (CIMD Section 3)", func(h *documentHost) string {
		return h.document(nil, "/fragment", "", nil) + "#x"
	}, "has a fragment", "CIMD Section 3", 0},
	{"a URL with a dot segment (CIMD Section 3)", func(h *documentHost) string {
		h.document(nil, "/dots", "", nil)
		return h.URL + "/x/../dots"
	}, "has a . or .. path segment", "CIMD Section 3", 0},
	{"a document over 5 KiB (CIMD Section 6.6)", func(h *documentHost) string {
		return h.document(nil, "/big", "", map[string]any{"padding": strings.Repeat("x", 5*1024)})
	}, "is larger than 5120 bytes", "CIMD Section 6.6", 2},
	{"a document that does not arrive in time (CIMD Section 4.3)", func(h *documentHost) string {
		return h.set("/slow", documentAnswer{delay: 3 * time.Second, body: "{}"})
	}, "did not arrive in time", "CIMD Section 4.3", 2},
	{"a redirect, not followed (CIMD Section 4)", func(h *documentHost) string {
		target := h.document(nil, "/target", "", nil)
		return h.set("/moved", documentAnswer{status: http.StatusFound, location: target})
	}, "answered HTTP 302, not 200 OK", "CIMD Section 4", 2},
	{"a 404 (CIMD Section 4)", func(h *documentHost) string { return h.URL + "/missing" },
		"answered HTTP 404", "CIMD Section 4", 2},
	{"an HTML page (CIMD Section 4.1)", func(h *documentHost) string {
		return h.set("/html", documentAnswer{contentType: "text/html", body: "<html>hi</html>"})
	}, "is not served as application/json", "CIMD Section 4.1", 2},
	{"JSON that is not an object (CIMD Section 4.1)", func(h *documentHost) string {
		return h.set("/array", documentAnswer{body: `["not", "an", "object"]`})
	}, "is not a JSON object of client metadata", "CIMD Section 4.1", 2},
	{"client_id twice (RFC 8259 Section 4)", func(h *documentHost) string {
		id := `"client_id":"` + h.URL + `/twice"`
		return h.set("/twice", documentAnswer{body: `{` + id + `,` + id + `,"token_endpoint_auth_method":"none"}`})
	}, "each member named once", "CIMD Section 4.1", 2},
	{"no redirect_uris (RFC 7591 Section 2)", func(h *documentHost) string {
		return h.document(nil, "/no-redirects", "", map[string]any{"redirect_uris": nil})
	}, "redirect_uris is required", "RFC 7591 Section 2", 2},
	{"no client_name (MCP Authorization, Implementation Requirements)", func(h *documentHost) string {
		return h.document(nil, "/no-name", "", map[string]any{"client_name": nil})
	}, "must have a client_name", "MCP Authorization, Implementation Requirements", 2},
	{"a client_name of spaces (MCP Authorization, Implementation Requirements)", func(h *documentHost) string {
		return h.document(nil, "/blank-name", "", map[string]any{"client_name": "  "})
	}, "must have a client_name", "MCP Authorization, Implementation Requirements", 2},
	{"client_secret_basic, a shared secret (CIMD Section 4.1)", func(h *documentHost) string {
		return h.document(nil, "/basic", "", map[string]any{"token_endpoint_auth_method": "client_secret_basic"})
	}, "must name token_endpoint_auth_method 'none' or 'private_key_jwt'", "CIMD Section 4.1", 2},
	{"no token_endpoint_auth_method: RFC 7591's default is a shared secret (CIMD Section 4.1)", func(h *documentHost) string {
		return h.document(nil, "/default-method", "", map[string]any{"token_endpoint_auth_method": nil})
	}, "must name token_endpoint_auth_method 'none' or 'private_key_jwt'", "CIMD Section 4.1", 2},
	{"a client_secret (CIMD Section 4.1)", func(h *documentHost) string {
		return h.document(nil, "/secret", "", map[string]any{"client_secret": "s3cret"})
	}, "and no client_secret", "CIMD Section 4.1", 2},
	{"the client_credentials grant (CIMD Section 4.1)", func(h *documentHost) string {
		return h.document(nil, "/credentials", "", map[string]any{"grant_types": []string{"authorization_code", "client_credentials"}})
	}, "may name only the grant types authorization_code and refresh_token", "CIMD Section 4.1", 2},
	{"jwks_uri, never fetched (RFC 7591 Section 2)", func(h *documentHost) string {
		return h.document(nil, "/jwks-uri", "", map[string]any{"token_endpoint_auth_method": "private_key_jwt", "jwks_uri": h.URL + "/jwks"})
	}, "jwks_uri is not supported", "RFC 7591 Section 2", 2},
	{"an RSA key with e = 2^31-1, costly to verify with", func(h *documentHost) string {
		rsaKey := `{"kty":"RSA","kid":"k","e":"f____w","n":"w` + strings.Repeat("A", 339) + `AQ"}` // 2048 bits, odd
		return h.document(nil, "/large-exponent", "", map[string]any{"token_endpoint_auth_method": "private_key_jwt",
			"jwks": json.RawMessage(`{"keys":[` + rsaKey + `]}`)})
	}, "exponent e must be odd, from 3 to 65537", "RFC 7591 Section 2", 2},
	{"two keys under one kid (RFC 7517 Section 4.5)", func(h *documentHost) string {
		edKey := `{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
		return h.document(nil, "/one-kid", "", map[string]any{"token_endpoint_auth_method": "private_key_jwt",
			"jwks": json.RawMessage(`{"keys":[` + edKey + `,` + edKey + `]}`)})
	}, "the kid 'k' is on more than one key", "RFC 7591 Section 2", 2},
	{"assertions signed with none (OIDC Registration Section 2)", func(h *documentHost) string {
		edKey := `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
		return h.document(nil, "/alg-none", "", map[string]any{"token_endpoint_auth_method": "private_key_jwt",
			"jwks": json.RawMessage(`{"keys":[` + edKey + `]}`), "token_endpoint_auth_signing_alg": "none"})
	}, "token_endpoint_auth_signing_alg 'none' is not supported", "OIDC Registration Section 2", 2},
	{"a native app on an https redirect URI (OIDC Registration Section 2)", func(h *documentHost) string {
		return h.document(nil, "/native-https", "", map[string]any{"application_type": "native", "redirect_uris": []string{"https://app.example/cb"}})
	}, "of a native client must use http on a loopback host", "OIDC Registration Section 2", 2},
}

// TestE2EClientIDMetadataDocumentRefusals holds the provider to each rule
// of a client_id URL and its document: the authorization endpoint shows an
// error page with the reason and the broken rule, never a redirect
// (RFC 6749 Section 4.1.2.1), and the trace ends with that rule; the token
// endpoint answers 401 invalid_client; a refused document is not stored
// (CIMD Section 4.4: "MUST NOT cache error responses"), so the second
// request fetches it again. Never a 500. On SQLite and PostgreSQL.
func TestE2EClientIDMetadataDocumentRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		srv := newServer(documentOptions(docs))
		for _, tc := range documentRefusals {
			t.Run(tc.name, func(t *testing.T) {
				clientID := tc.clientID(docs)
				path := strings.TrimPrefix(clientID, strings.SplitN(clientID, "/", 4)[0]+"//"+docs.Listener.Addr().String())
				cfg := documentConfig(srv, clientID)
				resp, page := newBrowser(t).Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
				wantDocumentRefused(t, srv, resp, page, tc.want, tc.ref)
				status, tr := rawToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {"x"},
					"redirect_uri": {cfg.RedirectURL}, "code_verifier": {oauth2.GenerateVerifier()}}, clientAuth{id: clientID})
				if status != http.StatusUnauthorized || tr.Error != "invalid_client" || !strings.Contains(tr.ErrorDescription, tc.want) {
					t.Errorf("token endpoint: got %d %s %q, want 401 invalid_client %q", status, tr.Error, tr.ErrorDescription, tc.want)
				}
				if n := docs.fetched(path); n != tc.fetches {
					t.Errorf("%s fetched %d times, want %d", path, n, tc.fetches)
				}
			})
		}
	})
}

// wantDocumentRefused checks that an authorization request was answered
// with an error page, not a redirect: 400, the description, and a trace
// that ends with the rule of ref, failed.
func wantDocumentRefused(t *testing.T, srv *providertest.Server, resp *http.Response, page, want, ref string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(html.UnescapeString(page), want) {
		t.Fatalf("authorization request: got %d Location %q, want a 400 error page saying %q: %s",
			resp.StatusCode, resp.Header.Get("Location"), want, page)
	}
	_, body := callResource(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), "")
	var got trace
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Checks) == 0 {
		t.Fatalf("trace: %v: %s", err, body)
	}
	if last := got.Checks[len(got.Checks)-1]; last.Ref != ref || last.Passed {
		t.Errorf("the trace ends with %+v, want the failed rule of %s", last, ref)
	}
}

// TestE2EClientIDMetadataDocumentPrivateAddress: with the production
// transport, a document on a loopback address is never fetched
// (CIMD Section 6.5: no special-use addresses of RFC 6890), whatever the
// name: the check is made on the address dialled. The authorization
// endpoint shows the refusal, the token endpoint answers invalid_client.
// On SQLite and PostgreSQL.
func TestE2EClientIDMetadataDocumentPrivateAddress(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		srv := newServer(providertest.Options{})
		_, port, _ := strings.Cut(docs.Listener.Addr().String(), ":")
		for _, clientID := range []string{docs.document(t, "/private", "", nil), "https://localhost:" + port + "/private"} {
			cfg := documentConfig(srv, clientID)
			resp, page := newBrowser(t).Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			wantDocumentRefused(t, srv, resp, page, "special-use address", "CIMD Section 6.5")
			status, tr := rawToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, clientAuth{id: clientID})
			if status != http.StatusUnauthorized || tr.Error != "invalid_client" {
				t.Errorf("%s at the token endpoint: got %d %s, want 401 invalid_client", clientID, status, tr.Error)
			}
		}
		if n := docs.fetched("/private"); n != 0 {
			t.Errorf("the document on 127.0.0.1 was fetched %d times, want never", n)
		}
	})
}

// TestE2EClientIDMetadataDocumentRefetch: the stored document is used for
// its max-age (CIMD Section 4.4, Cache-Control max-age=120), then fetched
// again, and what changed in it takes effect: a redirect URI removed is
// refused, one added is accepted; a document broken since makes the token
// endpoint answer invalid_client, and a document no longer served, too. A
// redirect_uri the document does not list is an error page, never a
// redirect. On SQLite and PostgreSQL.
func TestE2EClientIDMetadataDocumentRefetch(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		clock := newFakeClock()
		opts := documentOptions(docs)
		opts.Now = clock.Now
		srv := newServer(opts)
		const first, second = "https://app.example/first", "https://app.example/second"
		clientID := docs.document(t, "/changing", "max-age=120", map[string]any{"redirect_uris": []string{first}})
		cfg := documentConfig(srv, clientID)
		cfg.RedirectURL = first
		b := newBrowser(t)
		tok := b.tokens(srv, cfg)

		docs.document(t, "/changing", "max-age=120", map[string]any{"redirect_uris": []string{second}})
		wantRedirectURI(t, srv, cfg, first, true)
		wantRedirectURI(t, srv, cfg, second, false)
		if n := docs.fetched("/changing"); n != 1 {
			t.Fatalf("fetched %d times within max-age, want once", n)
		}
		clock.Advance(121 * time.Second)
		wantRedirectURI(t, srv, cfg, second, true)
		wantRedirectURI(t, srv, cfg, first, false)
		if n := docs.fetched("/changing"); n != 2 {
			t.Fatalf("fetched %d times after max-age, want twice", n)
		}
		if c, err := srv.Provider.Store.GetClient(t.Context(), clientID); err != nil || !c.ExpiresAt.IsZero() {
			t.Errorf("after the refetch: expires at %v (%v), want never: the client was used", c.ExpiresAt, err)
		}
		tok, err := refresh(cfg, tok.RefreshToken)
		if err != nil {
			t.Fatalf("refresh after the refetch: %v", err)
		}

		docs.document(t, "/changing", "max-age=120", map[string]any{"client_id": docs.URL + "/elsewhere"})
		clock.Advance(121 * time.Second)
		_, err = refresh(cfg, tok.RefreshToken)
		if code, status := oauthErrorCode(t, err); code != "invalid_client" || status != http.StatusUnauthorized {
			t.Errorf("refresh with a broken document: got %s %d, want invalid_client 401", code, status)
		}
		docs.set("/changing", documentAnswer{status: http.StatusGone})
		_, err = refresh(cfg, tok.RefreshToken)
		if code, _ := oauthErrorCode(t, err); code != "invalid_client" {
			t.Errorf("refresh with the document gone: got %s, want invalid_client", code)
		}
	})
}

// wantRedirectURI checks that an authorization request of cfg naming
// redirectURI shows the consent page (ok) or the error page of a
// redirect_uri not registered, without a redirect.
func wantRedirectURI(t *testing.T, srv *providertest.Server, cfg *oauth2.Config, redirectURI string, ok bool) {
	t.Helper()
	c := *cfg
	c.RedirectURL = redirectURI
	resp, page := newBrowser(t).Get(c.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if ok && (resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page)) {
		t.Fatalf("%s: got %d, want the consent page: %s", redirectURI, resp.StatusCode, page)
	}
	if !ok {
		wantDocumentRefused(t, srv, resp, page, "redirect_uri is not registered for this client", "RFC 9700 Section 2.1")
	}
}

// TestE2EClientIDMetadataDocumentTrust: a client described by its document
// is not vetted (RFC 9700 Section 4.11.2): an error bound for an https
// redirect URI it lists shows the page that asks first, naming the app as
// described by a document; and it is never approved without the user, even
// a confidential one that signs with its key (private_key_jwt, its jwks in
// the document, CIMD Section 6.2) and that the user approved before:
// prompt=none answers consent_required. On SQLite and PostgreSQL.
func TestE2EClientIDMetadataDocumentTrust(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		srv := newServer(documentOptions(docs))
		web := documentConfig(srv, docs.document(t, "/web", "", map[string]any{"redirect_uris": []string{"https://app.example/cb"}}))
		web.RedirectURL = "https://app.example/cb"
		pkce := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
		resp, page := newBrowser(t).Get(web.AuthCodeURL("s-1", pkce, oauth2.SetAuthURLParam("scope", "bogus")))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(page, "describes itself") ||
			!continueLink.MatchString(page) {
			t.Fatalf("an error bound for the document's https redirect URI: got %d Location %q, want the page that asks first: %s",
				resp.StatusCode, resp.Header.Get("Location"), page)
		}
		checkLastRule(t, srv, resp, "RFC 9700 Section 4.11.2")

		key := keyClient{key: newEd25519Key(t)}
		key.ClientID = docs.document(t, "/keyed", "", map[string]any{"token_endpoint_auth_method": "private_key_jwt",
			"jwks": json.RawMessage(publicJWKS(t, key.key))})
		cfg := documentConfig(srv, key.ClientID)
		cfg.RedirectURL = mcpDocRedirectURI // a confidential client's loopback port is exact (RFC 8252 Section 8.4)
		b := newBrowser(t)
		verifier := oauth2.GenerateVerifier()
		loc := b.Approve(cfg.AuthCodeURL("s-2", oauth2.S256ChallengeOption(verifier)))
		resp, body := key.post(t, srv, "/oauth/token", srv.Issuer+"/oauth/token", url.Values{"grant_type": {"authorization_code"},
			"code": {loc.Query().Get("code")}, "redirect_uri": {cfg.RedirectURL}, "code_verifier": {verifier}})
		if resp.StatusCode != http.StatusOK || jsonField(body, "access_token") == "" {
			t.Fatalf("private_key_jwt token request of a document's client: %d %s", resp.StatusCode, body)
		}
		resp, page = b.Get(cfg.AuthCodeURL("s-3", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
		if loc := providertest.RedirectOf(t, resp, page); loc.Query().Get("error") != "consent_required" {
			t.Errorf("prompt=none after an approval: redirected to %s, want error=consent_required", loc.Redacted())
		}
	})
}

// TestE2EClientIDMetadataDocumentsOff: with CLIENT_ID_METADATA_DOCUMENTS=off
// the metadata says so and a client_id URL is refused without a fetch.
func TestE2EClientIDMetadataDocumentsOff(t *testing.T) {
	docs := newDocumentHost(t)
	opts := documentOptions(docs)
	opts.Configure = func(c *config.Config) { c.ClientIDMetadataDocuments = config.MetadataDocumentsOff }
	srv := providertest.New(t, opts)
	var m struct {
		Supported *bool `json:"client_id_metadata_document_supported"`
	}
	getJSON(t, srv.URL+"/.well-known/oauth-authorization-server", &m)
	if m.Supported == nil || *m.Supported {
		t.Errorf("client_id_metadata_document_supported %v, want false", m.Supported)
	}
	cfg := documentConfig(srv, docs.document(t, "/off", "", nil))
	resp, page := newBrowser(t).Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	wantDocumentRefused(t, srv, resp, page, "does not fetch client ID metadata documents", "CIMD Section 5")
	if n := docs.fetched("/off"); n != 0 {
		t.Errorf("fetched %d times, want never", n)
	}
}

// TestE2EClientIDMetadataDocumentConcurrentFirstUse: requests that name a
// client_id URL never seen before, at once, share one fetch of its
// document, one admission and one store write (the server takes 300 ms to
// answer, so they overlap): every one gets the sign-in page, none an
// error, and the trace of each shows the document's checks. The document
// counts once against its site's REGISTRATIONS_PER_HOUR (here 2), as a
// registration would (RFC 7591 Section 3): a second new document of the
// site is still admitted, a third is not. On SQLite and PostgreSQL.
func TestE2EClientIDMetadataDocumentConcurrentFirstUse(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		opts := documentOptions(docs)
		opts.Configure = func(c *config.Config) { c.RegistrationsPerHour = 2 }
		// The answer's 300 ms are for the requests to overlap; the fetch
		// may take far longer on a loaded machine without failing them.
		opts.MetadataDocumentTimeout = 10 * time.Second
		srv := newServer(opts)
		clientID := docs.document(t, "/concurrent", "", nil)
		answer := docs.answers["/concurrent"]
		answer.delay = 300 * time.Millisecond
		docs.set("/concurrent", answer)
		cfg := documentConfig(srv, clientID)
		const n = 8
		answers := make(chan *http.Response, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				resp, err := http.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
				if err != nil {
					resp = &http.Response{Status: err.Error()}
				} else {
					resp.Body.Close()
				}
				answers <- resp
			})
		}
		wg.Wait()
		close(answers)
		for resp := range answers {
			if resp.StatusCode != http.StatusOK {
				t.Errorf("a concurrent first request: got %d %s, want 200 (the sign-in page)", resp.StatusCode, resp.Status)
				continue
			}
			var got trace
			getJSON(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), &got)
			for _, ref := range []string{"CIMD Section 4.3", "CIMD Section 4.1", "RFC 7591 Section 3"} {
				if !slices.ContainsFunc(got.Checks, func(c traceCheck) bool { return c.Ref == ref && c.Passed }) {
					t.Errorf("the trace of a concurrent first request: got %+v, want the shared check of %s, passed", got.Checks, ref)
				}
			}
		}
		if got := docs.fetched("/concurrent"); got != 1 {
			t.Errorf("fetched %d times, want once for all %d requests", got, n)
		}
		if resp, page := authorizeDocument(t, srv, docs.document(t, "/second", "", nil)); resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
			t.Errorf("a second new document of the site: got %d, want the sign-in page (the first counted once): %s", resp.StatusCode, page)
		}
		resp, page := authorizeDocument(t, srv, docs.document(t, "/third", "", nil))
		wantDocumentRefused(t, srv, resp, page, "too many new client ID metadata documents", "RFC 7591 Section 3")
	})
}

// TestE2EClientIDMetadataDocumentCallerHangsUp: the shared fetch of a
// document is not the first request's own: when the caller of the request
// that started it hangs up mid-fetch, a request waiting for the same
// document still gets the sign-in page, on the same single fetch. A
// refusal says what is wrong with the document (CIMD Section 4.3), never
// that another caller left. On SQLite and PostgreSQL.
func TestE2EClientIDMetadataDocumentCallerHangsUp(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		opts := documentOptions(docs)
		opts.MetadataDocumentTimeout = 5 * time.Second
		srv := newServer(opts)
		clientID := docs.document(t, "/shared", "", nil)
		answer := docs.answers["/shared"]
		answer.delay = 600 * time.Millisecond
		docs.set("/shared", answer)
		authURL := documentConfig(srv, clientID).AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

		ctx, hangUp := context.WithCancel(t.Context())
		first, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		firstDone := make(chan struct{})
		go func() {
			defer close(firstDone)
			if resp, err := http.DefaultClient.Do(first); err == nil {
				resp.Body.Close()
			}
		}()
		for deadline := time.Now().Add(5 * time.Second); docs.fetched("/shared") == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the first request never fetched the document")
			}
		}
		time.AfterFunc(100*time.Millisecond, hangUp) // while the second request waits for the fetch
		resp, page := newBrowser(t).Get(authURL)
		<-firstDone
		if resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
			t.Errorf("a request waiting for the fetch the hung-up request started: got %d, want the sign-in page: %s", resp.StatusCode, page)
		}
		if n := docs.fetched("/shared"); n != 1 {
			t.Errorf("fetched %d times, want once, the second request waiting for the first one's fetch", n)
		}
	})
}

// authorizeDocument sends a new browser to the authorization endpoint as
// the client of the document clientID names, with PKCE.
func authorizeDocument(t *testing.T, srv *providertest.Server, clientID string) (*http.Response, string) {
	cfg := documentConfig(srv, clientID)
	return newBrowser(t).Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
}

// TestE2EClientIDMetadataDocumentFetchesAtOnce: while 32 documents are
// being fetched (their host holds every answer), a request that names a
// 33rd is refused without a fetch, temporarily_unavailable
// (CIMD Section 6.5: the fetches are made for anyone who names a URL, and
// outlive a caller that hangs up); once they end, it is fetched. On
// SQLite and PostgreSQL.
func TestE2EClientIDMetadataDocumentFetchesAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		opts := documentOptions(docs)
		opts.MetadataDocumentTimeout = 30 * time.Second // held, not timed out
		srv := newServer(opts)
		release := make(chan struct{})
		held := make(chan int, 32)
		for i := range 32 {
			clientID := docs.set(fmt.Sprintf("/held-%d", i), documentAnswer{hold: release, body: "{}"})
			go func() {
				resp, _ := authorizeDocument(t, srv, clientID)
				held <- resp.StatusCode
			}()
		}
		waitForFetches(t, docs, "/held-", 32)
		next := docs.document(t, "/next", "", nil)
		resp, page := authorizeDocument(t, srv, next)
		wantDocumentRefused(t, srv, resp, page, "fetching too many client ID metadata documents at once", "CIMD Section 6.5")
		if n := docs.fetched("/next"); n != 0 {
			t.Errorf("the 33rd document was fetched %d times, want none", n)
		}
		close(release)
		for range 32 {
			<-held
		}
		if resp, page := authorizeDocument(t, srv, next); resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
			t.Errorf("once the fetches ended: got %d, want the sign-in page: %s", resp.StatusCode, page)
		}
	})
}

// waitForFetches waits until the paths of h that start with prefix were
// fetched n times in all.
func waitForFetches(t *testing.T, h *documentHost, prefix string, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		h.mu.Lock()
		got := 0
		for path, count := range h.fetches {
			if strings.HasPrefix(path, prefix) {
				got += count
			}
		}
		h.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d fetches of %s… arrived, want %d", got, prefix, n)
		}
	}
}

// TestE2EClientIDMetadataDocumentsPerSite: a site (here 127.0.0.1) may name
// REGISTRATIONS_PER_HOUR new documents an hour, as it may register that many
// clients (RFC 7591 Section 3); past that a new document is refused and not
// stored, and a document stored before still works. Documents that could not
// be fetched count for nothing: anyone could name them. On SQLite and
// PostgreSQL.
func TestE2EClientIDMetadataDocumentsPerSite(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		docs := newDocumentHost(t)
		opts := documentOptions(docs)
		opts.Configure = func(c *config.Config) { c.RegistrationsPerHour = 2 }
		srv := newServer(opts)
		for _, missing := range []string{"/gone-1", "/gone-2", "/gone-3"} {
			resp, page := authorizeDocument(t, srv, docs.URL+missing)
			wantDocumentRefused(t, srv, resp, page, "answered HTTP 404", "CIMD Section 4")
		}
		first := docs.document(t, "/first", "", nil)
		for _, clientID := range []string{first, docs.document(t, "/second", "", nil), first} {
			if resp, page := authorizeDocument(t, srv, clientID); resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
				t.Fatalf("%s within the budget: got %d, want the sign-in page: %s", clientID, resp.StatusCode, page)
			}
		}
		resp, page := authorizeDocument(t, srv, docs.document(t, "/third", "", nil))
		wantDocumentRefused(t, srv, resp, page, "too many new client ID metadata documents", "RFC 7591 Section 3")
		if _, err := srv.Provider.Store.GetClient(t.Context(), docs.URL+"/third"); err == nil {
			t.Error("the document over the budget was stored, want it refused")
		}
		if resp, page := authorizeDocument(t, srv, first); resp.StatusCode != http.StatusOK || !providertest.AsksPassword(page) {
			t.Errorf("the stored document after the budget: got %d, want the sign-in page", resp.StatusCode)
		}
	})
}
