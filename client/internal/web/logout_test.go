package web

import (
	"context"
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/config"
)

// TestAuthenticatedPostUsesConfsClientInBasic checks that a confidential
// config other than the configured client's authenticates as itself
// ([RFC 6749 Section 2.3.1]: the client_id and secret are form-encoded, then
// sent in Basic).
func TestAuthenticatedPostUsesConfsClientInBasic(t *testing.T) {
	a := &App{cfg: config.Config{ClientID: "configured-client", ClientSecret: "configured-secret"}}
	second := &oauth2.Config{ClientID: "second client", ClientSecret: "second:secret",
		Endpoint: oauth2.Endpoint{AuthStyle: oauth2.AuthStyleInHeader}}
	req, err := a.authenticatedPost(context.Background(), second, "https://provider.example/revoke", url.Values{"token": {"t"}})
	if err != nil {
		t.Fatal(err)
	}
	user, pass, ok := req.BasicAuth()
	if !ok {
		t.Fatal("got no Basic authorization, want one")
	}
	if want := url.QueryEscape(second.ClientID); user != want {
		t.Errorf("got user %q, want %q", user, want)
	}
	if want := url.QueryEscape(second.ClientSecret); pass != want {
		t.Errorf("got password %q, want %q", pass, want)
	}
}
