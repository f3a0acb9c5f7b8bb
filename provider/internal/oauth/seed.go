package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
)

// SeedDemo registers the demo clients (the web app of CLIENT_ID, the public
// config.SPAClientID, the device client of DEVICE_CLIENT_ID) and the demo
// user that the README's walkthroughs sign in with. It is
// idempotent: every start upserts the same records, so changing CLIENT_SECRET
// or REDIRECT_URI in the environment takes effect on the next start.
func (p *Provider) SeedDemo(ctx context.Context) error {
	c := p.Config
	origin, err := OriginOf(c.RedirectURI)
	if err != nil {
		return err
	}
	all := SupportedScopes()
	clients := []store.Client{{
		ID: c.ClientID, Name: "Demo web app", Type: store.Confidential, SecretHash: HashSecret(c.ClientSecret),
		RedirectURIs: []string{c.RedirectURI},
		GrantTypes:   stringsOf(GrantTypeAuthorizationCode, GrantTypeRefreshToken, GrantTypeClientCredentials),
		Scopes:       all, DefaultScope: ScopeRead,
		// The client's home page, where the browser returns after logout.
		PostLogoutRedirectURIs: []string{origin + "/"},
		ApplicationType:        applicationTypeWeb,
	}, {
		ID: config.SPAClientID, Name: "Demo single-page app", Type: store.Public,
		RedirectURIs: []string{origin + "/spa/callback"},
		GrantTypes:   stringsOf(GrantTypeAuthorizationCode, GrantTypeRefreshToken),
		Scopes:       all, DefaultScope: ScopeRead,
		ApplicationType: applicationTypeWeb, // it runs in the browser
	}, {
		ID: c.DeviceClientID, Name: "Demo device (CLI)", Type: store.Public,
		GrantTypes: stringsOf(GrantTypeDeviceCode, GrantTypeRefreshToken),
		Scopes:     all, DefaultScope: ScopeRead,
		ApplicationType: applicationTypeNative, // a program on the user's device, without redirect URIs
	}}
	for _, client := range clients {
		if err := p.Store.UpsertClient(ctx, client); err != nil {
			return fmt.Errorf("oauth: seed client %s: %w", client.ID, err)
		}
	}
	return p.seedUser(ctx)
}

// seedUser creates the demo user, hashing the password only when it changed
// or its hash is not Argon2id at the configured parameters (the hash is
// slow on purpose). A user name another user has already stops it
// (checkUsernameFree).
func (p *Provider) seedUser(ctx context.Context) error {
	c := p.Config
	if err := p.checkUsernameFree(ctx); err != nil {
		return err
	}
	existing, err := p.Store.GetUser(ctx, c.UserID)
	hash := existing.PasswordHash
	if match, _ := passwordMatches(hash, c.Password); err != nil || !match || p.passwordNeedsRehash(hash) {
		hash = p.hashPassword(c.Password)
	}
	user := store.User{ID: c.UserID, Username: c.Username, PasswordHash: hash, Name: "Demo User", Email: "demo@example.com"}
	if err := p.Store.UpsertUser(ctx, user); err != nil {
		return fmt.Errorf("oauth: seed user: %w", err)
	}
	return nil
}

// checkUsernameFree refuses a demo user whose user name (OAUTH_USERNAME)
// belongs to another user in the store, as when USER_ID changed after the
// first start: the user is not re-keyed or replaced, since its grants and
// tokens name its id, and the error names both settings, not the store's
// duplicate key.
func (p *Provider) checkUsernameFree(ctx context.Context) error {
	c := p.Config
	owner, err := p.Store.GetUserByUsername(ctx, c.Username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("oauth: seed user: %w", err)
	case owner.ID != c.UserID:
		return fmt.Errorf("USER_ID %s: the user name %s (OAUTH_USERNAME) already belongs to user %s in this store: keep USER_ID %s, or choose another OAUTH_USERNAME",
			c.UserID, c.Username, owner.ID, owner.ID)
	}
	return nil
}

// OriginOf returns scheme://host[:port] of an absolute URI.
func OriginOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("oauth: %q is not an absolute URI", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}
