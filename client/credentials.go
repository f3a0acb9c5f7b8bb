package main

import (
	"context"
	"fmt"
	"io"
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
func runCredentials(ctx context.Context, cfg config.Config, w io.Writer) error {
	client := cliHTTPClient()
	md, err := cliMetadata(ctx, client, cfg, w)
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
	fmt.Fprintf(w, "Client credentials grant (RFC 6749 Section 4.4)\nPOST %s as client %q, scope %q\n", cc.TokenURL, cc.ClientID, "read")
	tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, client))
	if err != nil {
		return oauthError("token request", err)
	}
	now := time.Now()
	printExpiry(w, tok, now)
	printToken(w, "Access token", tok.AccessToken, now)
	return getResource(ctx, client, tok, cfg.BackChannel()+resource.ProtectedResourcePath, w)
}
