package storetest

import (
	"testing"

	"github.com/oauth-reference/provider/internal/store"
)

// clientTests hold the store to RFC 6749 Section 2 client registrations,
// which the provider creates idempotently at every start.
var clientTests = []test{
	{"GetClient returns the registered client with its lists in order", func(t *testing.T, s store.Store) {
		got, err := s.GetClient(ctx(t), demoClient.ID)
		mustNot(t, "GetClient", err)
		checkEqual(t, "GetClient", got, demoClient)
	}},
	{"UpsertClient of an existing id replaces it (idempotent start-up)", func(t *testing.T, s store.Store) {
		mustNot(t, "UpsertClient again", s.UpsertClient(ctx(t), demoClient))
		changed := demoClient
		changed.Name = "Renamed"
		changed.RedirectURIs = []string{"https://app.example/cb"}
		changed.Scopes = []string{"read"}
		mustNot(t, "UpsertClient changed", s.UpsertClient(ctx(t), changed))
		got, err := s.GetClient(ctx(t), demoClient.ID)
		mustNot(t, "GetClient", err)
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
		mustNot(t, "UpsertClient", s.UpsertClient(ctx(t), device))
		got, err := s.GetClient(ctx(t), device.ID)
		mustNot(t, "GetClient", err)
		checkEqual(t, "GetClient", got, device)
	}},
	{"GetClient of an unknown id is ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetClient(ctx(t), "no-such-client")
		checkErr(t, "GetClient(unknown)", err, store.ErrNotFound)
	}},
}

// userTests hold the store to the resource owners who sign in.
var userTests = []test{
	{"GetUser and GetUserByUsername return the stored user", func(t *testing.T, s store.Store) {
		got, err := s.GetUser(ctx(t), demoUser.ID)
		mustNot(t, "GetUser", err)
		checkEqual(t, "GetUser", got, demoUser)
		got, err = s.GetUserByUsername(ctx(t), demoUser.Username)
		mustNot(t, "GetUserByUsername", err)
		checkEqual(t, "GetUserByUsername", got, demoUser)
	}},
	{"UpsertUser of an existing id replaces it (idempotent start-up)", func(t *testing.T, s store.Store) {
		mustNot(t, "UpsertUser again", s.UpsertUser(ctx(t), demoUser))
		changed := demoUser
		changed.Username = "demo2"
		changed.Email = "demo2@example.com"
		mustNot(t, "UpsertUser changed", s.UpsertUser(ctx(t), changed))
		got, err := s.GetUser(ctx(t), demoUser.ID)
		mustNot(t, "GetUser", err)
		checkEqual(t, "GetUser after second upsert", got, changed)
		_, err = s.GetUserByUsername(ctx(t), demoUser.Username)
		checkErr(t, "GetUserByUsername(old name)", err, store.ErrNotFound)
	}},
	{"a username taken by another user is ErrDuplicate", func(t *testing.T, s store.Store) {
		other := demoUser
		other.ID = "user2"
		err := s.UpsertUser(ctx(t), other)
		checkErr(t, "UpsertUser(same username, other id)", err, store.ErrDuplicate)
	}},
	{"GetUser and GetUserByUsername of an unknown key are ErrNotFound", func(t *testing.T, s store.Store) {
		_, err := s.GetUser(ctx(t), "no-such-user")
		checkErr(t, "GetUser(unknown)", err, store.ErrNotFound)
		_, err = s.GetUserByUsername(ctx(t), "nobody")
		checkErr(t, "GetUserByUsername(unknown)", err, store.ErrNotFound)
	}},
}
