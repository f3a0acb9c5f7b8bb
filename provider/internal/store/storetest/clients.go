package storetest

import (
	"testing"

	"github.com/oauth-reference/provider/internal/store"
)

// clientTests hold the store to RFC 6749 Section 2 client registrations,
// which the provider creates idempotently at every start.
var clientTests = []test{
	{"GetClient returns the registered client with its lists in order", func(t *testing.T, s store.Store) {
		got, err := s.GetClient(t.Context(), demoClient.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient", got, demoClient)
	}},
	{"UpsertClient of an existing id replaces it (idempotent start-up)", func(t *testing.T, s store.Store) {
		must(t, "UpsertClient again", s.UpsertClient(t.Context(), demoClient))
		changed := demoClient
		changed.Name = "Renamed"
		changed.RedirectURIs = []string{"https://app.example/cb"}
		changed.Scopes = []string{"read"}
		changed.RequirePushedAuthorizationRequests = true
		changed.DPoPBoundAccessTokens = true
		changed.PostLogoutRedirectURIs = []string{"https://app.example/", "https://app.example/signed-out"}
		must(t, "UpsertClient changed", s.UpsertClient(t.Context(), changed))
		got, err := s.GetClient(t.Context(), demoClient.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient after second upsert", got, changed)
	}},
	{"a public client with no secret and no redirect URIs round-trips", func(t *testing.T, s store.Store) {
		device := store.Client{
			ID:         "device-client",
			Name:       "Device",
			Type:       store.Public,
			GrantTypes: []string{"urn:ietf:params:oauth:grant-type:device_code", "refresh_token"},
			Scopes:     []string{"openid", "read"},
		}
		must(t, "UpsertClient", s.UpsertClient(t.Context(), device))
		got, err := s.GetClient(t.Context(), device.ID)
		must(t, "GetClient", err)
		checkEqual(t, "GetClient", got, device)
	}},
	{"GetClient of an unknown id is ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetClient(t.Context(), "no-such-client")
		checkErr(t, "GetClient(unknown)", err, store.ErrNotFound)
	}},
}

// userTests hold the store to the resource owners who sign in.
var userTests = []test{
	{"GetUser and GetUserByUsername return the stored user", func(t *testing.T, s store.Store) {
		got, err := s.GetUser(t.Context(), demoUser.ID)
		must(t, "GetUser", err)
		checkEqual(t, "GetUser", got, demoUser)
		got, err = s.GetUserByUsername(t.Context(), demoUser.Username)
		must(t, "GetUserByUsername", err)
		checkEqual(t, "GetUserByUsername", got, demoUser)
	}},
	{"UpsertUser of an existing id replaces it (idempotent start-up)", func(t *testing.T, s store.Store) {
		must(t, "UpsertUser again", s.UpsertUser(t.Context(), demoUser))
		changed := demoUser
		changed.Username = "demo2"
		changed.Email = "demo2@example.com"
		must(t, "UpsertUser changed", s.UpsertUser(t.Context(), changed))
		got, err := s.GetUser(t.Context(), demoUser.ID)
		must(t, "GetUser", err)
		checkEqual(t, "GetUser after second upsert", got, changed)
		_, err = s.GetUserByUsername(t.Context(), demoUser.Username)
		checkErr(t, "GetUserByUsername(old name)", err, store.ErrNotFound)
	}},
	{"ReplacePasswordHash replaces only the hash it was given", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		must(t, "ReplacePasswordHash", s.ReplacePasswordHash(ctx, demoUser.ID, demoUser.PasswordHash, "new-hash"))
		got, err := s.GetUser(ctx, demoUser.ID)
		must(t, "GetUser", err)
		want := demoUser
		want.PasswordHash = "new-hash"
		checkEqual(t, "GetUser after ReplacePasswordHash", got, want)
		err = s.ReplacePasswordHash(ctx, demoUser.ID, demoUser.PasswordHash, "stale-hash")
		checkErr(t, "ReplacePasswordHash(stale old hash)", err, store.ErrNotFound)
		err = s.ReplacePasswordHash(ctx, "no-such-user", "new-hash", "other-hash")
		checkErr(t, "ReplacePasswordHash(unknown user)", err, store.ErrNotFound)
		got, err = s.GetUser(ctx, demoUser.ID)
		must(t, "GetUser", err)
		checkEqual(t, "GetUser after refused replacements", got, want)
	}},
	{"a username taken by another user is ErrDuplicate", func(t *testing.T, s store.Store) {
		other := demoUser
		other.ID = "user2"
		err := s.UpsertUser(t.Context(), other)
		checkErr(t, "UpsertUser(same username, other id)", err, store.ErrDuplicate)
	}},
	{"GetUser and GetUserByUsername of an unknown key are ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetUser(t.Context(), "no-such-user")
		checkErr(t, "GetUser(unknown)", err, store.ErrNotFound)
		_, err = s.GetUserByUsername(t.Context(), "nobody")
		checkErr(t, "GetUserByUsername(unknown)", err, store.ErrNotFound)
	}},
}
