package oauth

import (
	"context"

	"github.com/oauth-reference/provider/internal/store"
)

// grantClientCredentials implements the client credentials grant,
// [RFC 6749 Section 4.4]: "The client credentials grant type MUST only be
// used by confidential clients", and "A refresh token SHOULD NOT be
// included" ([RFC 6749 Section 4.4.3]). The token has no user: its "sub" is
// the client_id ([RFC 9068 Section 2.2]) and it belongs to no grant. Its
// audience is any known resource server the client names
// ([RFC 8707 Section 2]).
//
// [RFC 6749 Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
// [RFC 6749 Section 4.4.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4.3
// [RFC 9068 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func (p *Provider) grantClientCredentials(ctx context.Context, client store.Client, r TokenRequest) (*TokenResponse, *Error) {
	tr := TraceFrom(ctx)
	if err := tr.Require(ruleConfidentialOnly, client.Type == store.Confidential, ErrUnauthorizedClient,
		"the client credentials grant is for confidential clients only"); err != nil {
		return nil, err
	}
	scope, err := resolveScope(tr, r.Scope, client.Scopes, client.DefaultScope)
	if err != nil {
		return nil, err
	}
	noUser := !hasScope(scope, ScopeOpenID) && !hasScope(scope, ScopeProfile) && !hasScope(scope, ScopeEmail)
	if err := tr.Require(ruleNoUserScopes, noUser, ErrInvalidScope,
		"openid, profile and email need a user; the client credentials grant has none"); err != nil {
		return nil, err
	}
	// A client acting for itself may name any known resource server
	// ([RFC 8707 Section 2]); none is the provider's own. With no grant,
	// the known resources are what it may choose from, as they are.
	//
	// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
	audience := p.Config.ResourceAudience()
	if len(r.Resources) > 0 {
		resources, err := p.checkResources(tr, r.Resources)
		if err != nil {
			return nil, err
		}
		if audience, err = chooseAudience(tr, resources, p.Config.KnownResources()); err != nil {
			return nil, err
		}
	}
	resp, _, err := p.issueTokens(ctx, tokensToIssue{now: p.Now(), client: client, scope: scope, audience: audience, jkt: r.dpopJKT})
	return resp, err
}

// The rules of the client credentials grant ([RFC 6749 Section 4.4], [OIDC Core Section 5.4]).
//
// [RFC 6749 Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
// [OIDC Core Section 5.4]: https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
var (
	ruleConfidentialOnly = Rule{"the client credentials grant is used by a confidential client", "RFC 6749 Section 4.4"}
	// OpenID Connect scopes describe a user; this token has none.
	ruleNoUserScopes = Rule{"no scope that describes a user (openid, profile, email): this token has none", "OIDC Core Section 5.4"}
)
