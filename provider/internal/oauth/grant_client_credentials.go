package oauth

import (
	"context"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
)

// clientCredentials implements the client credentials grant, [RFC 6749
// Section 4.4]: "The client credentials grant type MUST only be used by
// confidential clients" (Section 4.4), and "A refresh token SHOULD NOT be
// included" (Section 4.4.3). The token has no user: its "sub" is the
// client_id ([RFC 9068 Section 2.2]) and it belongs to no grant.
//
// [RFC 6749 Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
// [RFC 9068 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func (p *Provider) clientCredentials(ctx context.Context, client store.Client, r TokenRequest) (*TokenResponse, *Error) {
	if client.Type != store.Confidential {
		return nil, NewError(ErrUnauthorizedClient, "the client credentials grant is for confidential clients only")
	}
	scope, err := resolveScope(r.Scope, client.Scopes, client.DefaultScope)
	if err != nil {
		return nil, err
	}
	// OpenID Connect scopes describe a user; this token has none.
	if hasScope(scope, ScopeOpenID) || hasScope(scope, "profile") || hasScope(scope, "email") {
		return nil, NewError(ErrInvalidScope, "openid, profile and email need a user; the client credentials grant has none")
	}
	// A client acting for itself may name any known resource server
	// ([RFC 8707 Section 2]); none is the provider's own.
	audience := p.Config.ResourceAudience()
	if len(r.Resources) > 0 {
		if audience, err = p.audienceFor(r.Resources, strings.Join(p.Config.KnownResources(), " ")); err != nil {
			return nil, err
		}
	}
	resp, _, err := p.issueTokens(ctx, issuedTokens{client: client, scope: scope, audience: audience})
	return resp, err
}
