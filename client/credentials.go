package main

import (
	"context"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/resource"
)

// runCredentials runs `client credentials`: the client credentials grant
// ([RFC 6749 Section 4.4]) with CLIENT_ID and CLIENT_SECRET and scope "read",
// then GET /protected/resource with the token. A refused token request
// returns an *OAuthError (invalid_client for a wrong secret).
//
// [RFC 6749 Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
func runCredentials(ctx context.Context, cfg config.Config, out terminal) error {
	client := cliHTTPClient()
	md, err := cliMetadata(ctx, client, cfg, out)
	if err != nil {
		return err
	}
	cc := clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     md.TokenEndpoint,
		Scopes:       []string{"read"},
		AuthStyle:    md.Endpoint().AuthStyle,
	}
	out.line("Client credentials grant (RFC 6749 Section 4.4)")
	out.line("POST %s as client %q, scope %q", cc.TokenURL, cc.ClientID, "read")
	tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, client))
	if err != nil {
		return oauthError("token request", err)
	}
	now := time.Now()
	printExpiry(out, tok, now)
	printToken(out, "Access token", tok.AccessToken, now)
	return getResource(ctx, client, tok, cfg.BackChannelURL(resource.ProtectedResourcePath), out)
}
