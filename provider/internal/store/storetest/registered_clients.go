package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// registeredClient is a client that registered itself (RFC 7591), not yet used.
func registeredClient(id string) store.Client {
	return store.Client{
		ID:                      id,
		Name:                    "Self-registered",
		Type:                    store.Public,
		RedirectURIs:            []string{"http://127.0.0.1:33418/callback"},
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		Scopes:                  []string{"openid", "read"},
		DefaultScope:            "read",
		TokenEndpointAuthMethod: "private_key_jwt",
		JWKS:                    `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
		RegistrationTokenHash:   "cmVnaXN0cmF0aW9uLWhhc2g",
		IssuedAt:                t0,
		ExpiresAt:               at(24 * time.Hour),
		// OIDC Registration Section 2.
		IDTokenSignedResponseAlg:    "EdDSA",
		TokenEndpointAuthSigningAlg: "Ed25519",
		ApplicationType:             "native",
	}
}

// registeredClientTests hold the store to clients that register themselves
// (RFC 7591) and are read or deleted with their registration access token
// (RFC 7592).
var registeredClientTests = []test{
	{"CreateClient stores every field of a registered client", func(t *testing.T, s store.Store) {
		c := registeredClient("reg-1")
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		got, err := s.GetClient(t.Context(), c.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient", got, c)
	}},
	{"CreateClient of a taken id is ErrDuplicate and changes nothing", func(t *testing.T, s store.Store) {
		c := registeredClient(demoClient.ID)
		checkErr(t, "CreateClient(demo id)", s.CreateClient(t.Context(), c), store.ErrDuplicate)
		got, err := s.GetClient(t.Context(), demoClient.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient after refused create", got, demoClient)
	}},
	{"concurrent CreateClient of one id: exactly one wins", func(t *testing.T, s store.Store) {
		errs := concurrently(contention, func(int) error {
			return s.CreateClient(t.Context(), registeredClient("reg-race"))
		})
		checkOneWinner(t, "CreateClient", errs, store.ErrDuplicate)
	}},
	{"DeleteClient removes the client and everything issued to it (RFC 7592 Section 2.3)", func(t *testing.T, s store.Store) {
		c, g := registeredClientWithGrant(t, s, "reg-del")

		must(t, "DeleteClient", s.DeleteClient(t.Context(), c.ID))
		_, err := s.GetClient(t.Context(), c.ID)
		checkErr(t, "GetClient(deleted)", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(t.Context(), "reg-del-token")
		checkErr(t, "GetRefreshToken(of deleted client)", err, store.ErrNotFound)
		_, err = s.GetAuthorizationCode(t.Context(), g.ID+"-redeemed-code")
		checkErr(t, "GetAuthorizationCode(of deleted client)", err, store.ErrNotFound)
		checkRevoked(t, s, g.ID, "reg-jti", true) // its grant is gone
		checkErr(t, "DeleteClient again", s.DeleteClient(t.Context(), c.ID), store.ErrNotFound)
		_, err = s.GetClient(t.Context(), demoClient.ID)
		checkErr(t, "GetClient(other client)", err, nil)
	}},
	{"UpdateClient replaces the metadata and secret, never the identity (RFC 7592 Section 2.2)", func(t *testing.T, s store.Store) {
		c, g := registeredClientWithGrant(t, s, "reg-upd")
		u := store.Client{ID: c.ID, Name: "Renamed", Type: store.Confidential, SecretHash: "bmV3LXNlY3JldA",
			RedirectURIs: []string{"https://app.example/cb"}, GrantTypes: []string{"client_credentials"},
			Scopes: []string{"read"}, DefaultScope: "read", TokenEndpointAuthMethod: "client_secret_basic",
			RequirePushedAuthorizationRequests: true, DPoPBoundAccessTokens: true,
			PostLogoutRedirectURIs: []string{"https://app.example/"}, IDTokenSignedResponseAlg: "RS256",
			// what an update must not change:
			RegistrationTokenHash: "b3RoZXI", IssuedAt: at(time.Hour)}
		must(t, "UpdateClient", s.UpdateClient(t.Context(), c, u))
		got, err := s.GetClient(t.Context(), c.ID)
		must(t, "GetClient", err)
		u.RegistrationTokenHash, u.IssuedAt, u.ExpiresAt = c.RegistrationTokenHash, c.IssuedAt, c.ExpiresAt
		checkEqual(t, "GetClient after UpdateClient", got, u)
		checkRevoked(t, s, g.ID, "reg-upd-jti", false) // the update keeps the client's grants
	}},
	{"UpdateClient of a deleted client is ErrNotFound and brings nothing back", func(t *testing.T, s store.Store) {
		c := registeredClient("reg-upd-del")
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		must(t, "DeleteClient", s.DeleteClient(t.Context(), c.ID))
		checkErr(t, "UpdateClient(deleted)", s.UpdateClient(t.Context(), c, c), store.ErrNotFound)
		_, err := s.GetClient(t.Context(), c.ID)
		checkErr(t, "GetClient after UpdateClient(deleted)", err, store.ErrNotFound)
	}},
	{"UpdateClient writes only if the type and secret hash are still those read; else ErrConflict, changing nothing", func(t *testing.T, s store.Store) {
		c := registeredClient("reg-upd-cas") // public, no secret
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		confidential := c
		confidential.Type, confidential.SecretHash, confidential.TokenEndpointAuthMethod = store.Confidential, "Zmlyc3Qtc2VjcmV0", "client_secret_basic"
		confidential.ApplicationType = "web"
		must(t, "UpdateClient (public to confidential)", s.UpdateClient(t.Context(), c, confidential))
		renamed := c
		renamed.Name = "Renamed"
		checkErr(t, "UpdateClient read before the type changed", s.UpdateClient(t.Context(), c, renamed), store.ErrConflict)
		newSecret := confidential
		newSecret.SecretHash = "c2Vjb25kLXNlY3JldA"
		stale := confidential
		stale.SecretHash = "b2xkLXNlY3JldA"
		checkErr(t, "UpdateClient read before the secret hash changed", s.UpdateClient(t.Context(), stale, newSecret), store.ErrConflict)
		got, err := s.GetClient(t.Context(), c.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient after the refused updates", got, confidential)
		must(t, "UpdateClient read after the change", s.UpdateClient(t.Context(), confidential, newSecret))
		got, err = s.GetClient(t.Context(), c.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient after UpdateClient", got, newSecret)
	}},
	{"concurrent UpdateClient read from one client: exactly one is written", func(t *testing.T, s store.Store) {
		c := registeredClient("reg-upd-cas-race")
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		secretHash := func(i int) string { return fmt.Sprintf("c2VjcmV0LQ%d", i) }
		errs := concurrently(contention, func(i int) error {
			u := c
			u.Type, u.SecretHash = store.Confidential, secretHash(i)
			return s.UpdateClient(t.Context(), c, u)
		})
		winner := checkOneWinner(t, "UpdateClient", errs, store.ErrConflict)
		got, err := s.GetClient(t.Context(), c.ID)
		must(t, "GetClient", err)
		if got.SecretHash != secretHash(winner) {
			t.Errorf("the stored secret hash: got %q, want the winner's %q", got.SecretHash, secretHash(winner))
		}
	}},
	{"concurrent UpdateClient and DeleteClient: the client is gone after both", func(t *testing.T, s store.Store) {
		for i := range contention {
			c := registeredClient(fmt.Sprintf("reg-upd-race-%d", i))
			must(t, "CreateClient", s.CreateClient(t.Context(), c))
			errs := concurrently(2, func(j int) error {
				if j == 0 {
					return s.DeleteClient(t.Context(), c.ID)
				}
				return s.UpdateClient(t.Context(), c, c)
			})
			checkErr(t, "DeleteClient", errs[0], nil)
			if errs[1] != nil {
				checkErr(t, "UpdateClient", errs[1], store.ErrNotFound)
			}
			_, err := s.GetClient(t.Context(), c.ID)
			checkErr(t, "GetClient after both", err, store.ErrNotFound)
		}
	}},
	{"MarkClientUsed clears the expiry, idempotently", func(t *testing.T, s store.Store) {
		c := registeredClient("reg-used")
		must(t, "CreateClient", s.CreateClient(t.Context(), c))
		must(t, "MarkClientUsed", s.MarkClientUsed(t.Context(), c.ID))
		must(t, "MarkClientUsed again", s.MarkClientUsed(t.Context(), c.ID))
		got, err := s.GetClient(t.Context(), c.ID)
		must(t, "GetClient", err)
		c.ExpiresAt = time.Time{}
		checkEqual(t, "GetClient after MarkClientUsed", got, c)
	}},
	{"PurgeExpired deletes never-used registered clients past their expiry only", func(t *testing.T, s store.Store) {
		stale := registeredClient("reg-stale")
		stale.ExpiresAt = at(-time.Second)
		fresh := registeredClient("reg-fresh")
		used := registeredClient("reg-used-long-ago")
		used.ExpiresAt = at(-time.Second)
		for _, c := range []store.Client{stale, fresh, used} {
			must(t, "CreateClient", s.CreateClient(t.Context(), c))
		}
		must(t, "MarkClientUsed", s.MarkClientUsed(t.Context(), used.ID))
		n, err := s.PurgeExpired(t.Context(), t0)
		must(t, "PurgeExpired", err)
		if n != 1 {
			t.Errorf("PurgeExpired: got %d rows deleted, want 1 (the stale client)", n)
		}
		_, err = s.GetClient(t.Context(), stale.ID)
		checkErr(t, "GetClient(stale)", err, store.ErrNotFound)
		for _, id := range []string{fresh.ID, used.ID, demoClient.ID} {
			_, err = s.GetClient(t.Context(), id)
			checkErr(t, "GetClient("+id+")", err, nil)
		}
	}},
	{"UpsertClient keeps a used client used: a refetch read before MarkClientUsed brings no expiry back", func(t *testing.T, s store.Store) {
		c := metadataDocumentClient()
		must(t, "UpsertClient", s.UpsertClient(t.Context(), c))
		must(t, "MarkClientUsed", s.MarkClientUsed(t.Context(), c.ID))
		c.MetadataStaleAt = at(2 * time.Hour) // refetched, from a read before the mark: ExpiresAt still set
		must(t, "UpsertClient (refetched)", s.UpsertClient(t.Context(), c))
		got, err := s.GetClient(t.Context(), c.ID)
		must(t, "GetClient after the refetch", err)
		c.ExpiresAt = time.Time{}
		checkEqual(t, "GetClient after the refetch", got, c)
		_, err = s.PurgeExpired(t.Context(), at(48*time.Hour))
		must(t, "PurgeExpired", err)
		_, err = s.GetClient(t.Context(), c.ID)
		checkErr(t, "GetClient after PurgeExpired past the old expiry", err, nil)
	}},
	{"UpsertClient stores a client of a metadata document, and a refetch replaces it", func(t *testing.T, s store.Store) {
		c := metadataDocumentClient()
		must(t, "UpsertClient", s.UpsertClient(t.Context(), c))
		got, err := s.GetClient(t.Context(), c.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient", got, c)
		if !got.FromMetadataDocument() || got.SelfRegistered() {
			t.Errorf("FromMetadataDocument %v, SelfRegistered %v: want true, false", got.FromMetadataDocument(), got.SelfRegistered())
		}
		g := newGrant("doc-grant")
		g.ClientID = c.ID
		must(t, "CreateAuthorizationCode", s.CreateAuthorizationCode(t.Context(), g, newCode("doc-code", g)))
		c.RedirectURIs, c.MetadataStaleAt = []string{"http://127.0.0.1:8400/new-cb"}, at(2*time.Hour)
		c.ApplicationType = "native"    // the document now names a native app, on a loopback redirect
		keyed := registeredClient(c.ID) // the document now names private_key_jwt, held to one alg
		c.TokenEndpointAuthMethod, c.JWKS, c.TokenEndpointAuthSigningAlg = keyed.TokenEndpointAuthMethod, keyed.JWKS, "EdDSA"
		must(t, "UpsertClient (refetched)", s.UpsertClient(t.Context(), c))
		got, err = s.GetClient(t.Context(), c.ID)
		must(t, "GetClient after the refetch", err)
		checkEqual(t, "GetClient after the refetch", got, c)
		checkRevoked(t, s, g.ID, "doc-jti", false) // the refetch keeps the client's grants
	}},
}

// metadataDocumentClient is a client whose client_id is the URL of its
// client ID metadata document, fetched and not yet used.
func metadataDocumentClient() store.Client {
	return store.Client{
		ID:                      "https://app.example/client.json",
		Name:                    "Documented app",
		Type:                    store.Public,
		RedirectURIs:            []string{"https://app.example/cb"},
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		Scopes:                  []string{"read"},
		DefaultScope:            "read",
		TokenEndpointAuthMethod: "none",
		ApplicationType:         "web",
		ExpiresAt:               at(24 * time.Hour),
		MetadataStaleAt:         at(time.Hour),
	}
}

// registeredClientWithGrant stores a registered client with the id given
// and a grant of it, holding the refresh token id+"-token".
func registeredClientWithGrant(t *testing.T, s store.Store, id string) (store.Client, store.Grant) {
	t.Helper()
	c := registeredClient(id)
	must(t, "CreateClient", s.CreateClient(t.Context(), c))
	g := newGrant(id + "-grant")
	g.ClientID = c.ID
	storeRefreshToken(t, s, g, newRefreshToken(id+"-token", g))
	return c, g
}
