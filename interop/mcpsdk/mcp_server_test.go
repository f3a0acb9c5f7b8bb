package mcpsdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// The scopes the MCP server asks for: read for any call, and write as
// well for the tool that changes something.
const (
	scopeRead  = "read"
	scopeWrite = "write"
)

// mcpEndpoint is one MCP server: its URL, which is also its resource
// identifier ([RFC 8707 Section 2]), and where its protected resource
// metadata is ([RFC 9728 Section 3.1]: the well-known string inserted
// between the host and the path).
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
// [RFC 9728 Section 3.1]: https://www.rfc-editor.org/rfc/rfc9728#section-3.1
type mcpEndpoint struct {
	path string
	URL  string
}

// newEndpoint names the MCP server at path on the listener ln.
func newEndpoint(ln net.Listener, path string) mcpEndpoint {
	return mcpEndpoint{path: path, URL: "http://" + ln.Addr().String() + path}
}

// metadataPath is where the endpoint's protected resource metadata is served.
func (e mcpEndpoint) metadataPath() string { return "/.well-known/oauth-protected-resource" + e.path }

// metadataURL is the endpoint's resource_metadata ([RFC 9728 Section 5.1]).
//
// [RFC 9728 Section 5.1]: https://www.rfc-editor.org/rfc/rfc9728#section-5.1
func (e mcpEndpoint) metadataURL() string {
	return strings.TrimSuffix(e.URL, e.path) + e.metadataPath()
}

// serveMCP serves each endpoint on ln as a third party's MCP server would,
// built with the SDK: tools over streamable HTTP, each request's bearer
// token an access token issuer signed for that endpoint (checked against
// the issuer's JWKS), its protected resource metadata naming issuer as
// its authorization server.
func serveMCP(t *testing.T, ln net.Listener, issuer string, endpoints ...mcpEndpoint) {
	t.Helper()
	keys := fetchJWKS(t, issuer)
	mux := http.NewServeMux()
	for _, e := range endpoints {
		mux.Handle(e.metadataPath(), auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
			Resource:               e.URL,
			AuthorizationServers:   []string{issuer},
			ScopesSupported:        []string{scopeRead, scopeWrite},
			BearerMethodsSupported: []string{"header"},
		}))
		bearer := auth.RequireBearerToken(accessTokenVerifier(keys, issuer, e.URL), &auth.RequireBearerTokenOptions{
			ResourceMetadataURL: e.metadataURL(),
			Scopes:              []string{scopeRead},
		})
		mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return newMCPServer() }, nil)
		mux.Handle(e.path, bearer(requireToolScope(e.metadataURL(), mcpHandler)))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// whoAmI is the read tool's answer.
type whoAmI struct {
	Subject string   `json:"subject"`
	Scopes  []string `json:"scopes"`
}

// note is the write tool's input.
type note struct {
	Text string `json:"text"`
}

// newMCPServer returns the MCP server: whoami (scope read) says whose
// token called it; add_note (scope write as well) takes a note.
func newMCPServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "interop-mcp-server", Version: "v0.0.1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "Whose token is this?"},
		func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, whoAmI, error) {
			info := req.Extra.TokenInfo
			return nil, whoAmI{Subject: info.UserID, Scopes: info.Scopes}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "add_note", Description: "Keep a note."},
		func(_ context.Context, _ *mcp.CallToolRequest, in note) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "noted: " + in.Text}}}, nil, nil
		})
	return s
}

// fetchJWKS reads the issuer's authorization server metadata
// ([RFC 8414 Section 3]) and the key set its jwks_uri names.
//
// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
func fetchJWKS(t *testing.T, issuer string) *jose.JSONWebKeySet {
	t.Helper()
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, issuer+"/.well-known/oauth-authorization-server", &meta)
	var keys jose.JSONWebKeySet
	getJSON(t, meta.JWKSURI, &keys)
	if len(keys.Keys) == 0 {
		t.Fatalf("%s: no keys", meta.JWKSURI)
	}
	return &keys
}

// getJSON fetches u and decodes its JSON body into v.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET %s: got %d (%v), want 200 with JSON", u, resp.StatusCode, err)
	}
}

// accessTokenVerifier checks a JWT access token as [RFC 9068 Section 4]
// has a resource server do: typ at+jwt, signed by one of the issuer's
// keys, its iss the issuer, its aud this resource, not expired. The scope
// claim gives the token's scopes, sub its user.
//
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
func accessTokenVerifier(keys *jose.JSONWebKeySet, issuer, resource string) auth.TokenVerifier {
	algs := []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.ES384, jose.EdDSA}
	return func(_ context.Context, raw string, _ *http.Request) (*auth.TokenInfo, error) {
		tok, err := jwt.ParseSigned(raw, algs)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		if typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(strings.TrimPrefix(typ, "application/"), "at+jwt") {
			return nil, fmt.Errorf("%w: typ %q is not at+jwt", auth.ErrInvalidToken, typ)
		}
		var claims jwt.Claims
		var scope struct {
			Scope string `json:"scope"`
		}
		if err := tok.Claims(keys, &claims, &scope); err != nil {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		if err := claims.Validate(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{resource}, Time: time.Now()}); err != nil {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		return &auth.TokenInfo{Scopes: strings.Fields(scope.Scope), Expiration: claims.Expiry.Time(), UserID: claims.Subject}, nil
	}
}

// toolScopes are the scopes a tool needs beyond the endpoint's.
var toolScopes = map[string]string{"add_note": scopeWrite}

// requireToolScope refuses a tools/call of a tool whose scope the token
// lacks with 403 insufficient_scope, and names the scopes to ask for
// ([RFC 6750 Section 3.1]), so the client can step up. The SDK's
// RequireBearerToken checks the endpoint's scopes, but its 403 names no
// error code, without which the SDK's client does not step up.
//
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func requireToolScope(metadataURL string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var call struct {
			Method string `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		needed, ok := "", false
		if json.Unmarshal(body, &call) == nil && call.Method == "tools/call" {
			needed, ok = toolScopes[call.Params.Name]
		}
		if granted := auth.TokenInfoFromContext(r.Context()).Scopes; ok && !slices.Contains(granted, needed) {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope="%s %s", resource_metadata="%s"`, scopeRead, needed, metadataURL))
			http.Error(w, "insufficient scope", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
