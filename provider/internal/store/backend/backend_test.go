package backend_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/backend"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/internal/token"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// kekA and kekB are two different configured key-encryption keys.
var (
	kekA = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'a'}, 32))
	kekB = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'b'}, 32))
)

// databases are the stores the at-rest tests run on: a SQLite file, and
// PostgreSQL when TEST_DATABASE_URL is set (always in CI).
func databases(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "provider.db") },
		"postgres": func(t *testing.T) string {
			return pgtest.NewSchemas(t).Create(t)
		},
	}
}

func open(t *testing.T, url string) store.Store {
	t.Helper()
	st, err := backend.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func loadKeys(t *testing.T, st store.Store, url, configured string) (*token.Keys, error) {
	t.Helper()
	kek, err := backend.KeyEncryptionKey(url, configured)
	if err != nil {
		t.Fatalf("KeyEncryptionKey: %v", err)
	}
	return token.LoadKeys(t.Context(), st, kek, t0)
}

// publishedKey returns the kid and RSA modulus of the first JWKS key. A
// PKCS #8 RSA private key contains the modulus, so a row that does not
// holds no cleartext key.
func publishedKey(t *testing.T, keys *token.Keys) (kid string, modulus []byte) {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(keys.JWKS(), &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("JWKS: %v (%d keys)", err, len(set.Keys))
	}
	pub, ok := set.Keys[0].Key.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("JWKS key is %T, want RSA", set.Keys[0].Key)
	}
	return set.Keys[0].KeyID, pub.N.Bytes()
}

func TestSigningKeysAtRest(t *testing.T) {
	for name, newURL := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("a new key is stored sealed: no key material in the row", func(t *testing.T) {
				url := newURL(t)
				st := open(t, url)
				keys, err := loadKeys(t, st, url, kekA)
				if err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
				kid, modulus := publishedKey(t, keys)
				rows, err := st.ListSigningKeys(t.Context())
				if err != nil || len(rows) != 1 || rows[0].ID != kid {
					t.Fatalf("ListSigningKeys: got %d rows, %v; want the one key %q", len(rows), err, kid)
				}
				if !rows[0].Encrypted {
					t.Error("got Encrypted false, want true")
				}
				if bytes.Contains(rows[0].PrivateKey, modulus) {
					t.Error("the stored bytes contain the key's modulus, want ciphertext")
				}
			})
			t.Run("a cleartext key of an older version is sealed at start and keeps signing", func(t *testing.T) {
				url := newURL(t)
				st := open(t, url)
				der := storeCleartextKey(t, st, "old-kid")
				keys, err := loadKeys(t, st, url, kekA)
				if err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
				if kid, _ := publishedKey(t, keys); kid != "old-kid" {
					t.Errorf("got signing kid %q, want the existing old-kid", kid)
				}
				rows, err := st.ListSigningKeys(t.Context())
				if err != nil || len(rows) != 1 {
					t.Fatalf("ListSigningKeys: got %d rows, %v; want 1", len(rows), err)
				}
				if !rows[0].Encrypted || bytes.Contains(rows[0].PrivateKey, der[len(der)-64:]) {
					t.Errorf("got Encrypted %t and the key's bytes in the row; want it sealed", rows[0].Encrypted)
				}
			})
			t.Run("the wrong key-encryption key stops the start with a clear error", func(t *testing.T) {
				url := newURL(t)
				st := open(t, url)
				if _, err := loadKeys(t, st, url, kekA); err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
				_, err := loadKeys(t, st, url, kekB)
				if err == nil || !strings.Contains(err.Error(), "key-encryption key") {
					t.Errorf("got error %v, want one naming the key-encryption key", err)
				}
			})
		})
	}
}

// storeCleartextKey stores an RSA key as versions before encryption at rest
// did, and returns its PKCS #8 DER.
func storeCleartextKey(t *testing.T, st store.Store, kid string) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	rec := store.SigningKey{ID: kid, Algorithm: "RS256", PrivateKey: der, CreatedAt: t0}
	if err := st.CreateSigningKey(t.Context(), rec); err != nil {
		t.Fatalf("CreateSigningKey: %v", err)
	}
	return der
}

func TestKeyEncryptionKey(t *testing.T) {
	t.Run("SQLite without one: created beside the database, mode 0600, the same on the next start", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "provider.db")
		first, err := backend.KeyEncryptionKey(db, "")
		if err != nil {
			t.Fatalf("KeyEncryptionKey: %v", err)
		}
		info, err := os.Stat(filepath.Join(dir, "kek"))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("kek file: %v, mode %v; want mode 0600", err, info.Mode().Perm())
		}
		again, err := backend.KeyEncryptionKey(db, "")
		if err != nil {
			t.Fatalf("KeyEncryptionKey again: %v", err)
		}
		st := open(t, db)
		if _, err := token.LoadKeys(t.Context(), st, first, t0); err != nil {
			t.Fatalf("LoadKeys with the first: %v", err)
		}
		if _, err := token.LoadKeys(t.Context(), st, again, t0); err != nil {
			t.Errorf("LoadKeys with the key read back: %v, want the same key", err)
		}
	})
	t.Run("a kek file others can read is refused", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "kek"), []byte(kekA), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := backend.KeyEncryptionKey(filepath.Join(dir, "provider.db"), "")
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("got error %v, want one saying chmod 600", err)
		}
	})
	for _, tc := range []struct{ name, url, configured, want string }{
		{"PostgreSQL requires one", "postgres://db.example/oauth", "", "must be set with PostgreSQL"},
		{"not base64", "data/provider.db", "not base64!", "not base64"},
		{"not 32 bytes", "data/provider.db", base64.StdEncoding.EncodeToString([]byte("short")), "32 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := backend.KeyEncryptionKey(tc.url, tc.configured)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("a configured key wins, on PostgreSQL too", func(t *testing.T) {
		if _, err := backend.KeyEncryptionKey("postgres://db.example/oauth", kekA); err != nil {
			t.Errorf("got error %v, want none", err)
		}
	})
}
