package oauth_test

import (
	"context"
	"testing"

	"github.com/oauth-reference/provider/internal/oauth"
)

// TestTokenAnswersEveryAdvertisedGrantType: each grant type the metadata
// lists reaches its grant (here, to refuse its missing parameters), and
// another is unsupported_grant_type ([RFC 6749 Section 5.2]).
func TestTokenAnswersEveryAdvertisedGrantType(t *testing.T) {
	t.Parallel()
	p, _ := newSignInProvider(t)
	client := oauth.ClientCredentials{Method: oauth.AuthClientSecretPost, ClientID: p.Config.ClientID, Secret: p.Config.ClientSecret}
	advertised := p.Metadata().GrantTypesSupported
	if len(advertised) == 0 {
		t.Fatal("the metadata lists no grant type")
	}
	for _, g := range advertised {
		_, err := p.Token(context.Background(), oauth.TokenRequest{GrantType: oauth.GrantType(g), Client: client})
		if err != nil && err.Code == oauth.ErrUnsupportedGrantType {
			t.Errorf("grant_type %s is advertised but answered unsupported_grant_type", g)
		}
	}
	_, err := p.Token(context.Background(), oauth.TokenRequest{GrantType: "password", Client: client})
	if err == nil || err.Code != oauth.ErrUnsupportedGrantType {
		t.Errorf("grant_type password: got %v, want unsupported_grant_type (RFC 6749 Section 5.2)", err)
	}
}
