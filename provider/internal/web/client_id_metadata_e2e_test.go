package web_test

import (
	"cmp"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

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
		return
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
func (h *documentHost) document(t *testing.T, path, cacheControl string, fields map[string]any) string {
	t.Helper()
	doc := map[string]any{"client_id": h.URL + path, "client_name": "MCP doc client",
		"redirect_uris": []string{mcpDocRedirectURI}, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"}, "scope": "read profile"}
	maps.Copy(doc, fields)
	maps.DeleteFunc(doc, func(_ string, v any) bool { return v == nil })
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
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
// certificate and reaches 127.0.0.1, which the production one refuses.
func documentOptions(h *documentHost) providertest.Options {
	return providertest.Options{MetadataDocumentTransport: h.Client().Transport, MetadataDocumentTimeout: 500 * time.Millisecond}
}

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
		if loc = providertest.RedirectOf(t, resp, page);  loc.Query().Get("error") != "invalid_request" {
			t.Errorf("without PKCE: redirected to %s, want error=invalid_request (RFC 7636 Section 4.4.1)", loc.Redacted())
		}
	})
}
