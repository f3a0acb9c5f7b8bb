package oauth

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store/sqlite"
	"github.com/oauth-reference/provider/internal/token"
)

// FuzzCheckMetadataDocument: a client ID metadata document is whatever
// the host of its URL serves (CIMD Section 4.1); one accepted names its
// own URL as client_id, has no client_secret, authenticates with none or
// private_key_jwt, asks for the authorization code and refresh token
// grants only, has a client name, and has redirect URIs that are https or
// loopback http, without a fragment.
func FuzzCheckMetadataDocument(f *testing.F) {
	st, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "keys.db"))
	if err != nil {
		f.Fatal(err)
	}
	kek, err := token.NewKEK(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	keys, err := token.LoadKeys(f.Context(), st, kek, "", time.Hour, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	p := &Provider{Keys: keys}
	const id = "https://app.example/client.json"
	f.Add(`{"client_id":"https://app.example/client.json","client_name":"App","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}`)
	f.Add(`{"client_id":"https://app.example/client.json","client_name":" ","redirect_uris":["http://127.0.0.1/cb"],"grant_types":["authorization_code","refresh_token"],"scope":"openid read"}`)
	f.Add(`{"client_id":"https://app.example/client.json","client_name":"A","redirect_uris":["https://a/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}}`)
	f.Add(`{"client_id":"https://app.example/client.json","client_name":"A","redirect_uris":["https://a/cb"],"client_secret":"x","grant_types":["client_credentials"]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := p.checkMetadataDocument(nil, id, []byte(doc))
		if err != nil {
			return
		}
		method := ClientAuthMethod(c.TokenEndpointAuthMethod)
		bad := c.ID != id || c.SecretHash != "" || hasMember(doc, "client_secret") ||
			!(method == "" || method == AuthNone || method == AuthPrivateKeyJWT) || strings.TrimSpace(c.Name) == ""
		for _, g := range c.GrantTypes {
			bad = bad || !slices.Contains(metadataDocumentGrants, GrantType(g))
		}
		for _, u := range c.RedirectURIs {
			_, loopback := withoutLoopbackPort(u)
			bad = bad || strings.Contains(u, "#") || !(strings.HasPrefix(u, "https://") || loopback)
		}
		if bad {
			t.Fatalf("accepted document %q as %+v", doc, c)
		}
	})
}

// hasMember reports whether the JSON object doc has a member named name,
// exactly.
func hasMember(doc, name string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &m) != nil {
		return false
	}
	_, ok := m[name]
	return ok
}

// FuzzDocumentMaxAge: whatever Cache-Control a document comes with, it is
// kept from minMetadataDocumentAge to maxMetadataDocumentAge.
func FuzzDocumentMaxAge(f *testing.F) {
	for _, s := range []string{"max-age=60", "no-store", `max-age="99999999999999999999999"`, "max-age=-1, max-age=5", "public,max-age=0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cacheControl string) {
		h := http.Header{}
		for _, v := range strings.Split(cacheControl, "\n") {
			h.Add("Cache-Control", v)
		}
		if age := documentMaxAge(h); age < minMetadataDocumentAge || age > maxMetadataDocumentAge {
			t.Fatalf("documentMaxAge(%q) = %v", cacheControl, age)
		}
	})
}
