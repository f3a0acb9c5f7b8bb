package oauth_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// storeURLs makes the DATABASE_URL of a fresh store of each kind.
var storeURLs = map[string]func(t *testing.T) string{
	"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "provider.db") },
	"postgres": func(t *testing.T) string { return providertest.PostgresURL(t) },
}

// passwordStores runs a test on the real provider with cheap password
// hashing, once on SQLite and once on PostgreSQL.
func passwordStores(t *testing.T, test func(t *testing.T, p *oauth.Provider)) {
	passwordStoresWith(t, func(*config.Config) {}, test)
}

// passwordStoresWith is passwordStores with the configuration changed first.
func passwordStoresWith(t *testing.T, change func(*config.Config), test func(t *testing.T, p *oauth.Provider)) {
	for name, url := range storeURLs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := config.Default()
			cfg.DatabaseURL = url(t)
			providertest.CheapPasswordHash(&cfg)
			change(&cfg)
			test(t, providertest.NewProvider(t, cfg, nil))
		})
	}
}

// setDemoHash stores hash as the demo user's password hash.
func setDemoHash(t *testing.T, p *oauth.Provider, hash string) {
	t.Helper()
	user, err := p.Store.GetUserByUsername(t.Context(), providertest.DemoUsername)
	if err != nil {
		t.Fatal(err)
	}
	user.PasswordHash = hash
	if err := p.Store.UpsertUser(t.Context(), user); err != nil {
		t.Fatal(err)
	}
}

// setDemoBcrypt stores a bcrypt hash of the demo user's password, as an
// older install has, and returns it.
func setDemoBcrypt(t *testing.T, p *oauth.Provider) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(providertest.DemoPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	setDemoHash(t, p, string(hash))
	return string(hash)
}

// demoHash is the demo user's stored password hash.
func demoHash(t *testing.T, p *oauth.Provider) string {
	t.Helper()
	user, err := p.Store.GetUserByUsername(t.Context(), providertest.DemoUsername)
	if err != nil {
		t.Fatal(err)
	}
	return user.PasswordHash
}

func TestPasswordSeededAsArgon2id(t *testing.T) {
	t.Parallel()
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		if got, want := demoHash(t, p), "$argon2id$v=19$m=8,t=1,p=1$"; !strings.HasPrefix(got, want) {
			t.Fatalf("seeded hash %q, want prefix %q", got, want)
		}
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, providertest.DemoPassword); err != nil {
			t.Fatalf("right password: %v", err)
		}
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, "Demo"); !errors.Is(err, oauth.ErrBadCredentials) {
			t.Fatalf("wrong password: got %v, want ErrBadCredentials", err)
		}
		if _, err := p.AuthenticateUser(t.Context(), "nobody", providertest.DemoPassword); !errors.Is(err, oauth.ErrBadCredentials) {
			t.Fatalf("unknown user: got %v, want ErrBadCredentials", err)
		}
	})
}

// TestPasswordBcryptUpgraded: a bcrypt hash from an older install still
// verifies, a wrong password leaves it, and the first right one replaces it
// with an Argon2id hash that verifies too.
func TestPasswordBcryptUpgraded(t *testing.T) {
	t.Parallel()
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		old := setDemoBcrypt(t, p)
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, "wrong"); !errors.Is(err, oauth.ErrBadCredentials) {
			t.Fatalf("wrong password against bcrypt: got %v, want ErrBadCredentials", err)
		}
		if got := demoHash(t, p); got != old {
			t.Fatalf("a wrong password changed the hash to %q", got)
		}
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, providertest.DemoPassword); err != nil {
			t.Fatalf("right password against bcrypt: %v", err)
		}
		upgraded := demoHash(t, p)
		if !strings.HasPrefix(upgraded, "$argon2id$v=19$m=8,t=1,p=1$") {
			t.Fatalf("after sign-in the hash is %q, want Argon2id", upgraded)
		}
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, providertest.DemoPassword); err != nil {
			t.Fatalf("right password against the upgraded hash: %v", err)
		}
		if got := demoHash(t, p); got != upgraded {
			t.Fatalf("a current hash was hashed again: %q, then %q", upgraded, got)
		}
	})
}

// TestPasswordLongerThanBcryptReads: Argon2id reads the whole of a
// password up to config.MaxPasswordBytes, so a passphrase longer than
// bcrypt's 72 bytes signs in, and its first 72 bytes alone do not; a
// longer one is refused. A bcrypt hash of an older install holds at most
// 72 bytes: a longer password sharing them does not match it.
func TestPasswordLongerThanBcryptReads(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("correct-horse-battery-staple-", 4) // 116 bytes
	passwordStoresWith(t, func(c *config.Config) { c.Password = long }, func(t *testing.T, p *oauth.Provider) {
		for _, tc := range []struct {
			name, password string
			right          bool
		}{
			{"the 116-byte passphrase", long, true},
			{"its first 72 bytes", long[:72], false},
			{"a password over config.MaxPasswordBytes", strings.Repeat("p", config.MaxPasswordBytes+1), false},
		} {
			if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, tc.password); (err == nil) != tc.right {
				t.Errorf("%s against Argon2id: got %v, want right %v", tc.name, err, tc.right)
			}
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(long[:72]), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		setDemoHash(t, p, string(hash))
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, long); !errors.Is(err, oauth.ErrBadCredentials) {
			t.Errorf("116 bytes against a bcrypt hash of its first 72: got %v, want ErrBadCredentials", err)
		}
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, long[:72]); err != nil {
			t.Errorf("the 72 bytes hashed with bcrypt: got %v, want signed in", err)
		}
	})
}

// TestPasswordParametersRaised: an Argon2id hash at other parameters than
// the configured ones is replaced at sign-in too.
func TestPasswordParametersRaised(t *testing.T) {
	t.Parallel()
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		before := demoHash(t, p)
		p.Config.PasswordHashMemoryKiB = 16
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, providertest.DemoPassword); err != nil {
			t.Fatalf("right password: %v", err)
		}
		if got := demoHash(t, p); got == before || !strings.HasPrefix(got, "$argon2id$v=19$m=16,t=1,p=1$") {
			t.Fatalf("hash after sign-in %q, want m=16", got)
		}
	})
}

// TestPasswordMalformedHash: a stored hash that cannot be read, or whose
// parameters are out of bounds, fails sign-in with an error (not
// ErrBadCredentials, not a panic) and is left alone.
func TestPasswordMalformedHash(t *testing.T) {
	t.Parallel()
	salt, key := "c2FsdHNhbHRzYWx0c2FsdA", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	withParams := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }
	bad := []string{
		"",
		"plain-text",
		"$2a$04$short",
		"$argon2id$",
		"$argon2id$v=19$m=8,t=1,p=1$" + salt,
		"$argon2id$v=16$m=8,t=1,p=1$" + salt + "$" + key,
		withParams("m=8,t=1"),
		withParams("t=1,m=8,p=1"),
		withParams("m=8,t=1,p=1,x=1"),
		withParams("m=4,t=1,p=1"),
		withParams("m=4294967295,t=1,p=1"),
		withParams("m=99999999999,t=1,p=1"),
		withParams("m=8,t=0,p=1"),
		withParams("m=8,t=1000,p=1"),
		withParams("m=8,t=1,p=0"),
		withParams("m=1024,t=1,p=255"),
		withParams("m=8,t=-1,p=1"),
		"$argon2id$v=19$m=8,t=1,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key + "!",
		"$argon2id$v=19$m=8,t=1,p=1$$" + key,
		"$argon2id$v=19$m=8,t=1,p=1$" + salt + "$YQ",
		"$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + strings.Repeat("A", 300),
	}
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		for _, hash := range bad {
			setDemoHash(t, p, hash)
			_, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, providertest.DemoPassword)
			if err == nil || errors.Is(err, oauth.ErrBadCredentials) {
				t.Errorf("stored hash %q: got %v, want an error about the hash", hash, err)
			}
			if got := demoHash(t, p); got != hash {
				t.Errorf("stored hash %q was replaced by %q", hash, got)
			}
		}
	})
}

// TestPasswordUpgradeKeepsConcurrentChange: a password changed between the
// check and the upgrade is not overwritten by the upgrade.
func TestPasswordUpgradeKeepsConcurrentChange(t *testing.T) {
	t.Parallel()
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		setDemoBcrypt(t, p)
		p.Store = &changeBeforeReplace{Store: p.Store, newHash: "changed-meanwhile"}
		if _, err := p.AuthenticateUser(t.Context(), providertest.DemoUsername, providertest.DemoPassword); err != nil {
			t.Fatalf("right password: %v", err)
		}
		if got := demoHash(t, p); got != "changed-meanwhile" {
			t.Fatalf("hash %q, want the concurrent change kept", got)
		}
	})
}

// changeBeforeReplace is a store in which another process sets the user's
// hash just before ReplacePasswordHash runs.
type changeBeforeReplace struct {
	store.Store
	newHash string
}

func (s *changeBeforeReplace) ReplacePasswordHash(ctx context.Context, id, oldHash, newHash string) error {
	if err := s.Store.ReplacePasswordHash(ctx, id, oldHash, s.newHash); err != nil {
		return err
	}
	return s.Store.ReplacePasswordHash(ctx, id, oldHash, newHash)
}
