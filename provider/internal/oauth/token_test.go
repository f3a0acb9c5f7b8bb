package oauth_test

import (
	"context"
	"net/url"
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

// TestTokenQueryCitesItsEndpoint: a revocation or introspection request
// without a token breaks the rule of its own endpoint, cited from its own
// RFC ([RFC 7009 Section 2.1], [RFC 7662 Section 2.1]).
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
func TestTokenQueryCitesItsEndpoint(t *testing.T) {
	for ref, parse := range map[string]func(context.Context, url.Values, []string) (oauth.TokenQuery, *oauth.Error){
		"RFC 7009 Section 2.1": oauth.ParseRevocationRequest,
		"RFC 7662 Section 2.1": oauth.ParseIntrospectionRequest,
	} {
		_, err := parse(t.Context(), url.Values{"client_id": {"c"}}, nil)
		if err == nil || err.Code != oauth.ErrInvalidRequest {
			t.Fatalf("%s: no token: got %v, want invalid_request", ref, err)
		}
		if rule, ok := err.BrokenRule(); !ok || rule.Ref != ref {
			t.Errorf("no token: broke %+v, want a rule of %s", rule, ref)
		}
	}
}
