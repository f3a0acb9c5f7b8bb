package dpop_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/client/internal/dpop"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ETransportAgainstTheProvider runs the Transport against the real
// provider with server nonces on: the token comes back bound to the key
// (token_type DPoP, cnf.jkt = the key's thumbprint), the resource accepts it
// with DPoP, and each use_dpop_nonce is answered by one retry.
func TestE2ETransportAgainstTheProvider(t *testing.T) {
	srv := providertest.New(t, providertest.Options{DPoPNonce: true})
	key, err := dpop.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingTransport{}
	client := &http.Client{Transport: &dpop.Transport{Key: key, Base: counting}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret", Scopes: []string{"read"},
		TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("token request with DPoP: %v", err)
	}
	if tok.Type() != "DPoP" {
		t.Errorf("token_type: got %q, want DPoP", tok.TokenType)
	}
	if jkt := cnfJKT(t, tok.AccessToken); jkt != key.Thumbprint() {
		t.Errorf("cnf.jkt: got %q, want the key's thumbprint %q (RFC 7638)", jkt, key.Thumbprint())
	}
	if counting.requests != 2 {
		t.Errorf("token endpoint: got %d requests, want 2 (use_dpop_nonce, then the retry with the nonce)", counting.requests)
	}
	resp, err := oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok)).Get(srv.URL + "/protected/resource")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "This page is secured.") {
		t.Errorf("resource with Authorization: DPoP: got %d %.200s", resp.StatusCode, body)
	}
	if counting.requests != 3 {
		t.Errorf("after the resource call: got %d requests, want 3 (the nonce of the token response served the resource at once)", counting.requests)
	}
}

// countingTransport counts the requests that reach the network.
type countingTransport struct{ requests int }

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.requests++
	return http.DefaultTransport.RoundTrip(req)
}

// cnfJKT reads the cnf.jkt claim of a JWT access token.
func cnfJKT(t *testing.T, jwt string) string {
	t.Helper()
	var claims struct {
		Cnf struct{ JKT string } `json:"cnf"`
	}
	jwttest.Decode(t, jwt, jwttest.Claims, &claims)
	return claims.Cnf.JKT
}
