package token

import (
	"cmp"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/store"
)

// KeyStore is the part of the store this package needs: the signing keys.
// store.Store satisfies it.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, k store.SigningKey) error
	// ListSigningKeys returns every key, newest first.
	ListSigningKeys(ctx context.Context) ([]store.SigningKey, error)
	// RetireSigningKeys sets RetireAt on every key that has none, except keepID.
	RetireSigningKeys(ctx context.Context, keepID string, retireAt time.Time) error
	// DeleteRetiredSigningKeys removes the keys whose RetireAt is before now.
	DeleteRetiredSigningKeys(ctx context.Context, now time.Time) (int64, error)
	// EncryptSigningKey replaces a cleartext private key by its sealed form.
	EncryptSigningKey(ctx context.Context, id string, sealed []byte) error
}

const (
	// algorithm is the only JWS algorithm this provider signs with or accepts,
	// RSASSA-PKCS1-v1_5 with SHA-256 ([RFC 7518 Section 3.3]).
	//
	// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
	algorithm = jose.RS256
	// rsaBits is the size of generated keys. [RFC 7518 Section 3.3]: "A key of
	// size 2048 bits or larger MUST be used with these algorithms."
	//
	// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
	rsaBits = 2048
	// unknownKeyReloadInterval is the least time between two reloads that a
	// token with an unknown "kid" may cause, so garbage tokens cannot turn
	// into a stream of database reads.
	unknownKeyReloadInterval = 5 * time.Second
	// unknownKeyReloadTimeout bounds such a reload.
	unknownKeyReloadTimeout = 5 * time.Second
)

// Keys holds the provider's signing keys: the newest signs, all unretired ones verify.
//
// Precisely, every key still in the store verifies. A retired key stays
// there until a Rotate after its RetireAt deletes it, and by its RetireAt
// every token it signed has expired, so keeping it a little longer accepts
// nothing more.
//
// A Keys is safe for concurrent use. Signing and verifying read an immutable
// snapshot through an atomic pointer; Reload builds a new snapshot and swaps it in.
type Keys struct {
	store   KeyStore
	kek     *KEK // opens the private keys read from the store
	current atomic.Pointer[keySet]
	// reloadMu serialises Reload, so an older list never replaces a newer one.
	reloadMu sync.Mutex
	// missMu serialises reloads caused by an unknown kid; lastMiss is the
	// time of the latest, by clock.
	missMu   sync.Mutex
	lastMiss time.Time
	clock    func() time.Time // wall clock for the reload rate limit; tests replace it
	verified *verifiedCache   // access tokens that passed VerifyAccessToken
}

// keySet is one immutable snapshot of the keys in the store.
type keySet struct {
	signer *signingKey
	byID   map[string]*rsa.PrivateKey
	jwks   []byte
}

// signingKey is the newest key with its two precomputed signers.
type signingKey struct {
	id          string
	accessToken jose.Signer // header typ "at+jwt"
	idToken     jose.Signer // header typ "JWT"
}

// LoadKeys reads the signing keys from ks, opening each with kek. When the
// store holds no unretired key (a fresh database) it generates an RSA 2048
// key, stores it sealed with CreatedAt now, and uses that. Keys stored in
// cleartext by an older version are sealed first (encryptCleartextKeys). A
// key that kek cannot open is an error naming the key, so a provider started
// with the wrong KEK stops at once.
func LoadKeys(ctx context.Context, ks KeyStore, kek *KEK, now time.Time) (*Keys, error) {
	if kek == nil {
		return nil, errors.New("token: LoadKeys needs a key-encryption key")
	}
	records, err := ks.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("token: list signing keys: %w", err)
	}
	if err := encryptCleartextKeys(ctx, ks, kek, records); err != nil {
		return nil, err
	}
	if _, ok := newest(records); !ok {
		if _, err := createKey(ctx, ks, kek, now); err != nil {
			return nil, err
		}
	}
	k := &Keys{store: ks, kek: kek, clock: time.Now, verified: newVerifiedCache(verifiedCacheSize)}
	// Read back even the key just created: another process starting at the
	// same moment may have created one too, and newest picks the same one
	// in both.
	if err := k.Reload(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload re-reads the keys from the store, so a key that another process
// rotated in starts verifying here and, being the newest, signing. On error
// the keys in use stay as they were.
func (k *Keys) Reload(ctx context.Context) error {
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	records, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("token: list signing keys: %w", err)
	}
	set, err := newKeySet(records, k.current.Load(), k.kek)
	if err != nil {
		return err
	}
	k.current.Store(set)
	return nil
}

// Rotate stores a new key, which signs from now on, and gives every older
// key RetireAt = now+maxTokenLifetime: by then every token it signed has
// expired. It also deletes the keys whose RetireAt has passed, so they leave
// the JWKS. It returns the new key's kid.
//
// The other processes sharing the store start signing with the new key at
// their next Reload (main reloads every minute); until then they still verify
// it, since an unknown kid makes them reload.
func (k *Keys) Rotate(ctx context.Context, now time.Time, maxTokenLifetime time.Duration) (kid string, err error) {
	if maxTokenLifetime <= 0 {
		return "", fmt.Errorf("token: rotate: max token lifetime %v is not positive", maxTokenLifetime)
	}
	kid, err = createKey(ctx, k.store, k.kek, now)
	if err != nil {
		return "", err
	}
	if err := k.store.RetireSigningKeys(ctx, kid, now.Add(maxTokenLifetime)); err != nil {
		return "", fmt.Errorf("token: retire signing keys: %w", err)
	}
	if _, err := k.store.DeleteRetiredSigningKeys(ctx, now); err != nil {
		return "", fmt.Errorf("token: delete retired signing keys: %w", err)
	}
	return kid, k.Reload(ctx)
}

// JWKS returns the public keys as a JWK Set, [RFC 7517 Section 5]: one JWK
// per key with "kty" "RSA", "kid", "use" "sig", "alg" "RS256", "n" and "e".
// The bytes are computed on load and shared; the caller must not modify them.
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func (k *Keys) JWKS() []byte {
	return k.current.Load().jwks
}

// newest picks the signing key: the latest-created key without RetireAt.
// Ties (two processes creating a first key at once) go to the greater ID,
// so every process picks the same key.
func newest(records []store.SigningKey) (store.SigningKey, bool) {
	var best store.SigningKey
	found := false
	for _, r := range records {
		if !r.RetireAt.IsZero() {
			continue
		}
		if !found || r.CreatedAt.After(best.CreatedAt) ||
			(r.CreatedAt.Equal(best.CreatedAt) && cmp.Compare(r.ID, best.ID) > 0) {
			best, found = r, true
		}
	}
	return best, found
}

// newKeySet parses records into a snapshot. Keys already parsed in prev are
// reused, so a reload costs no RSA work for keys it already knows.
func newKeySet(records []store.SigningKey, prev *keySet, kek *KEK) (*keySet, error) {
	signing, ok := newest(records)
	if !ok {
		return nil, errors.New("token: the store holds no unretired signing key")
	}
	set := &keySet{byID: make(map[string]*rsa.PrivateKey, len(records))}
	jwks := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(records))}
	for _, r := range records {
		key, err := prev.lookupOrParse(r, kek)
		if err != nil {
			return nil, err
		}
		set.byID[r.ID] = key
		jwks.Keys = append(jwks.Keys, publicJWK(r.ID, key))
	}
	var err error
	if set.jwks, err = json.Marshal(jwks); err != nil {
		return nil, fmt.Errorf("token: encode JWKS: %w", err)
	}
	if prev != nil && prev.signer.id == signing.ID {
		set.signer = prev.signer
		return set, nil
	}
	set.signer, err = newSigningKey(signing.ID, set.byID[signing.ID])
	return set, err
}

// lookupOrParse returns the parsed key for r, from s when s has it. s may be nil.
func (s *keySet) lookupOrParse(r store.SigningKey, kek *KEK) (*rsa.PrivateKey, error) {
	if s != nil {
		if key, ok := s.byID[r.ID]; ok {
			return key, nil
		}
	}
	return parseKey(r, kek)
}

// parseKey opens a stored key with kek (unless it predates encryption at
// rest) and refuses anything but RSA 2048+ for RS256.
func parseKey(r store.SigningKey, kek *KEK) (*rsa.PrivateKey, error) {
	if r.ID == "" || r.Algorithm != string(algorithm) {
		return nil, fmt.Errorf("token: signing key %q: want a kid and algorithm %s, got %q", r.ID, algorithm, r.Algorithm)
	}
	der := r.PrivateKey
	if r.Encrypted {
		var err error
		if der, err = kek.open(r.ID, r.Algorithm, r.PrivateKey); err != nil {
			return nil, fmt.Errorf("token: signing key %q: %w", r.ID, err)
		}
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("token: signing key %q: %w", r.ID, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok || key.N.BitLen() < rsaBits {
		return nil, fmt.Errorf("token: signing key %q is not an RSA key of at least %d bits", r.ID, rsaBits)
	}
	return key, nil
}

// publicJWK is the JWKS entry of a key ([RFC 7517 Section 4]).
//
// [RFC 7517 Section 4]: https://www.rfc-editor.org/rfc/rfc7517#section-4
func publicJWK(kid string, key *rsa.PrivateKey) jose.JSONWebKey {
	return jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: string(algorithm), Use: "sig"}
}

// newSigningKey builds the signers of the newest key once, so signing a
// token costs one RSA signature and a little encoding.
func newSigningKey(kid string, key *rsa.PrivateKey) (*signingKey, error) {
	jwk := jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: string(algorithm), Use: "sig"}
	at, err := jose.NewSigner(jose.SigningKey{Algorithm: algorithm, Key: jwk},
		(&jose.SignerOptions{}).WithType(accessTokenType))
	if err != nil {
		return nil, fmt.Errorf("token: signer for key %q: %w", kid, err)
	}
	id, err := jose.NewSigner(jose.SigningKey{Algorithm: algorithm, Key: jwk},
		(&jose.SignerOptions{}).WithType(idTokenType))
	if err != nil {
		return nil, fmt.Errorf("token: signer for key %q: %w", kid, err)
	}
	return &signingKey{id: kid, accessToken: at, idToken: id}, nil
}

// createKey generates an RSA key and stores it sealed with kek, created at
// now. Its kid is the key's JWK Thumbprint ([RFC 7638]): unique per key
// without coordination between processes.
//
// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
func createKey(ctx context.Context, ks KeyStore, kek *KEK, now time.Time) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return "", fmt.Errorf("token: generate RSA key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("token: encode RSA key: %w", err)
	}
	thumbprint, err := (&jose.JSONWebKey{Key: &key.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("token: key thumbprint: %w", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(thumbprint)
	rec := store.SigningKey{ID: kid, Algorithm: string(algorithm), Encrypted: true, CreatedAt: now,
		PrivateKey: kek.seal(kid, string(algorithm), der)}
	if err := ks.CreateSigningKey(ctx, rec); err != nil {
		return "", fmt.Errorf("token: store signing key: %w", err)
	}
	return kid, nil
}

// encryptCleartextKeys seals the keys that an older version stored in
// cleartext, so existing databases keep working and, from the first start
// on, hold no usable key.
func encryptCleartextKeys(ctx context.Context, ks KeyStore, kek *KEK, records []store.SigningKey) error {
	for _, r := range records {
		if r.Encrypted {
			continue
		}
		if err := ks.EncryptSigningKey(ctx, r.ID, kek.seal(r.ID, r.Algorithm, r.PrivateKey)); err != nil {
			return fmt.Errorf("token: encrypt signing key %q: %w", r.ID, err)
		}
	}
	return nil
}

// knows reports whether the key kid is loaded.
func (k *Keys) knows(kid string) bool {
	_, ok := k.current.Load().byID[kid]
	return ok
}

// verificationKey returns the public key with this kid. On a miss it reloads
// from the store, at most once per unknownKeyReloadInterval across all
// callers, to pick up a key another process rotated in.
func (k *Keys) verificationKey(kid string) (*rsa.PublicKey, error) {
	if key, ok := k.current.Load().byID[kid]; ok {
		return &key.PublicKey, nil
	}
	k.missMu.Lock()
	defer k.missMu.Unlock()
	// Another caller may have reloaded while this one waited.
	if key, ok := k.current.Load().byID[kid]; ok {
		return &key.PublicKey, nil
	}
	t := k.clock()
	if !k.lastMiss.IsZero() && t.Sub(k.lastMiss) < unknownKeyReloadInterval {
		return nil, fmt.Errorf("token: unknown key id %q", kid)
	}
	k.lastMiss = t
	ctx, cancel := context.WithTimeout(context.Background(), unknownKeyReloadTimeout)
	defer cancel()
	if err := k.Reload(ctx); err != nil {
		return nil, fmt.Errorf("token: unknown key id %q: %w", kid, err)
	}
	if key, ok := k.current.Load().byID[kid]; ok {
		return &key.PublicKey, nil
	}
	return nil, fmt.Errorf("token: unknown key id %q", kid)
}
