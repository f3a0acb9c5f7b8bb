package backend_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/backend"
	"github.com/oauth-reference/provider/internal/store"
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
	kek, err := backend.KeyEncryptionKey(t.Context(), st, url, configured)
	if err != nil {
		t.Fatalf("KeyEncryptionKey: %v", err)
	}
	return token.LoadKeys(t.Context(), st, kek, token.RS256, time.Hour, t0)
}

// loadKeysWith loads keys signing access tokens with alg, sealed with kekA.
func loadKeysWith(t *testing.T, st store.Store, url string, alg token.Algorithm) (*token.Keys, error) {
	t.Helper()
	kek, err := backend.KeyEncryptionKey(t.Context(), st, url, kekA)
	if err != nil {
		t.Fatalf("KeyEncryptionKey: %v", err)
	}
	return token.LoadKeys(t.Context(), st, kek, alg, time.Hour, t0)
}

// publicMaterial returns, by kid, bytes of each published key that its
// PKCS #8 private key also contains: the modulus of an RSA key, the point of
// an EC key. A row that contains them holds the key in cleartext.
func publicMaterial(t *testing.T, keys *token.Keys) map[string][]byte {
	t.Helper()
	var set jose.JSONWebKeySet
	jwks, _ := keys.JWKS()
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	out := make(map[string][]byte)
	for _, k := range set.Keys {
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
			out[k.KeyID] = pub.N.Bytes()
		case *ecdsa.PublicKey:
			point, err := pub.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			out[k.KeyID] = point
		default:
			t.Fatalf("JWKS key %s is %T, want RSA or EC", k.KeyID, k.Key)
		}
	}
	return out
}

// checkSealed fails unless every stored key is Encrypted, unreadable as
// PKCS #8, and free of its public material.
func checkSealed(t *testing.T, st store.Store, keys *token.Keys) {
	t.Helper()
	material := publicMaterial(t, keys)
	rows, err := st.ListSigningKeys(t.Context())
	if err != nil || len(rows) != len(material) {
		t.Fatalf("ListSigningKeys: got %d rows, %v; want %d", len(rows), err, len(material))
	}
	for _, r := range rows {
		if !r.Encrypted {
			t.Errorf("key %s: got Encrypted false, want true", r.ID)
		}
		if _, err := x509.ParsePKCS8PrivateKey(r.PrivateKey); err == nil {
			t.Errorf("key %s: the stored bytes are a PKCS #8 key, want ciphertext", r.ID)
		}
		if m := material[r.ID]; len(m) == 0 || bytes.Contains(r.PrivateKey, m) {
			t.Errorf("key %s: the stored bytes contain the key's public material, want ciphertext", r.ID)
		}
	}
}

func TestSigningKeysAtRest(t *testing.T) {
	for name, newURL := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("new keys are stored sealed: no key material in the rows", func(t *testing.T) {
				url := newURL(t)
				st := open(t, url)
				keys, err := loadKeys(t, st, url, kekA)
				if err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
				checkSealed(t, st, keys)
			})
			t.Run("a cleartext key of an older version is sealed at start and keeps signing", func(t *testing.T) {
				url := newURL(t)
				st := open(t, url)
				storeCleartextKey(t, st, "old-kid")
				keys, err := loadKeys(t, st, url, kekA)
				if err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
				if _, ok := publicMaterial(t, keys)["old-kid"]; !ok {
					t.Error("got old-kid missing from the JWKS, want it still published")
				}
				checkSealed(t, st, keys)
			})
			t.Run("every algorithm's key survives a restart", func(t *testing.T) {
				url := newURL(t)
				first, err := backend.Open(t.Context(), url)
				if err != nil {
					t.Fatal(err)
				}
				before, err := loadKeysWith(t, first, url, token.EdDSA)
				first.Close()
				if err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
				after, err := loadKeysWith(t, open(t, url), url, token.EdDSA)
				if err != nil {
					t.Fatalf("LoadKeys after the restart: %v", err)
				}
				if got := after.Algorithms(); !slices.Equal(got, []token.Algorithm{token.RS256, token.ES256, token.EdDSA}) {
					t.Errorf("Algorithms after the restart: got %v, want RS256, ES256, EdDSA", got)
				}
				beforeSet, _ := before.JWKS()
				afterSet, _ := after.JWKS()
				if !bytes.Equal(beforeSet, afterSet) {
					t.Errorf("JWKS after the restart:\n%s\nwant the same keys as before:\n%s", afterSet, beforeSet)
				}
			})
			t.Run("a new key-encryption key with the previous one reseals every key", func(t *testing.T) {
				url := newURL(t)
				st := open(t, url)
				before, err := loadKeys(t, st, url, kekA)
				if err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
				next, err := backend.KeyEncryptionKey(t.Context(), st, url, kekB)
				if err != nil {
					t.Fatal(err)
				}
				previous, err := token.ParseKEK(kekA)
				if err != nil {
					t.Fatal(err)
				}
				during, err := token.LoadKeys(t.Context(), st, next.WithPrevious(previous), token.RS256, time.Hour, t0)
				if err != nil {
					t.Fatalf("LoadKeys with the new key and the previous one: %v", err)
				}
				_, duringTag := during.JWKS()
				if _, beforeTag := before.JWKS(); duringTag != beforeTag {
					t.Error("the keys changed; want the same keys, sealed anew")
				}
				if _, err := loadKeys(t, st, url, kekB); err != nil {
					t.Errorf("LoadKeys with the new key alone: %v, want every key resealed", err)
				}
				if _, err := loadKeys(t, st, url, kekA); err == nil {
					t.Error("LoadKeys with the old key alone: got no error, want the keys no longer open with it")
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

// TestProvidersStartingTogetherCreateOneKeyPerAlgorithm: providers started
// at once on an empty database each find no key and create one; the store
// leaves exactly one of them unretired per algorithm, the key they all sign
// with, as concurrent rotations do.
func TestProvidersStartingTogetherCreateOneKeyPerAlgorithm(t *testing.T) {
	const providers = 8
	for name, newURL := range databases(t) {
		t.Run(name, func(t *testing.T) {
			url := newURL(t)
			st := open(t, url)
			kek, err := backend.KeyEncryptionKey(t.Context(), st, url, kekA)
			if err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, providers)
			for range providers {
				go func() {
					_, err := token.LoadKeys(t.Context(), st, kek, token.RS256, time.Hour, t0)
					errs <- err
				}()
			}
			for range providers {
				if err := <-errs; err != nil {
					t.Fatalf("LoadKeys: %v", err)
				}
			}
			keys, err := st.ListSigningKeys(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			unretired := map[string]int{}
			for _, k := range keys {
				if k.RetireAt.IsZero() {
					unretired[k.Algorithm]++
				}
			}
			if unretired["RS256"] != 1 || unretired["ES256"] != 1 || len(unretired) != 2 {
				t.Errorf("after %d providers started at once: got unretired keys per algorithm %v, want one RS256 and one ES256", providers, unretired)
			}
		})
	}
}

// storeCleartextKey stores an RSA key as versions before encryption at rest did.
func storeCleartextKey(t *testing.T, st store.Store, kid string) {
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
}

func TestKeyEncryptionKey(t *testing.T) {
	t.Run("SQLite without one: created beside the database, mode 0600, the same on the next start", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "provider.db")
		st := open(t, db)
		first, err := backend.KeyEncryptionKey(t.Context(), st, db, "")
		if err != nil {
			t.Fatalf("KeyEncryptionKey: %v", err)
		}
		info, err := os.Stat(filepath.Join(dir, "kek"))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("kek file: %v, mode %v; want mode 0600", err, info.Mode().Perm())
		}
		again, err := backend.KeyEncryptionKey(t.Context(), st, db, "")
		if err != nil {
			t.Fatalf("KeyEncryptionKey again: %v", err)
		}
		if _, err := token.LoadKeys(t.Context(), st, first, token.RS256, time.Hour, t0); err != nil {
			t.Fatalf("LoadKeys with the first: %v", err)
		}
		if _, err := token.LoadKeys(t.Context(), st, again, token.RS256, time.Hour, t0); err != nil {
			t.Errorf("LoadKeys with the key read back: %v, want the same key", err)
		}
	})
	t.Run("a missing kek file beside sealed keys is not made anew: the start stops and says so", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "provider.db")
		st := open(t, db)
		kek, err := backend.KeyEncryptionKey(t.Context(), st, db, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := token.LoadKeys(t.Context(), st, kek, token.RS256, time.Hour, t0); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, "kek")); err != nil { // a database restored without its kek
			t.Fatal(err)
		}
		_, err = backend.KeyEncryptionKey(t.Context(), st, db, "")
		if err == nil || !strings.Contains(err.Error(), "kek is missing, and the database holds 2 signing keys sealed with it: restore the file") {
			t.Errorf("got error %v, want one saying the file is missing beside 2 sealed keys", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "kek")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the kek file after the refusal: got %v, want none written", err)
		}
	})
	t.Run("a kek file others can read is refused", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "kek"), []byte(kekA), 0o644); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(dir, "provider.db")
		_, err := backend.KeyEncryptionKey(t.Context(), open(t, db), db, "")
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
			_, err := backend.KeyEncryptionKey(t.Context(), nil, tc.url, tc.configured) // a configured key, or PostgreSQL: no store read
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
			if err := backend.CheckKeyEncryptionKey(tc.url, tc.configured); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckKeyEncryptionKey: got error %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("checking a SQLite database's key writes no key file", func(t *testing.T) {
		dir := t.TempDir()
		if err := backend.CheckKeyEncryptionKey(filepath.Join(dir, "provider.db"), ""); err != nil {
			t.Fatalf("CheckKeyEncryptionKey: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("after the check, the directory holds %v, want nothing", entries)
		}
	})
	t.Run("a configured key wins, on PostgreSQL too", func(t *testing.T) {
		if _, err := backend.KeyEncryptionKey(t.Context(), nil, "postgres://db.example/oauth", kekA); err != nil {
			t.Errorf("got error %v, want none", err)
		}
	})
}
