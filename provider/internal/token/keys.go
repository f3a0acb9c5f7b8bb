package token

import (
	"cmp"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/internal/store"
)

// KeyStore is the part of the store this package needs: the signing keys.
// store.Store satisfies it.
type KeyStore interface {
	// ListSigningKeys returns every key, newest first.
	ListSigningKeys(ctx context.Context) ([]store.SigningKey, error)
	// RotateSigningKey stores k and retires every other unretired key of
	// its algorithm until retireAt or its KeepAfterRetirement after
	// k.CreatedAt, whichever is later, atomically: concurrent rotations leave one key
	// unretired, the last one's.
	RotateSigningKey(ctx context.Context, k store.SigningKey, retireAt time.Time) error
	// KeepSigningKey raises the KeepAfterRetirement of key id to keep, and
	// its RetireAt to RetiredAt+keep if it is retired, where lower.
	KeepSigningKey(ctx context.Context, id string, keep time.Duration) error
	// DeleteRetiredSigningKeys removes the keys whose RetireAt is before now.
	DeleteRetiredSigningKeys(ctx context.Context, now time.Time) (int64, error)
	// SealSigningKey replaces the private key of key id by sealed, if it is
	// still was.
	SealSigningKey(ctx context.Context, id string, was, sealed []byte) error
	// EraseReplacedSigningKeys leaves in the database no copy of the bytes
	// SealSigningKey replaced.
	EraseReplacedSigningKeys(ctx context.Context) error
}

const (
	// unknownKeyReloadInterval is the least time after a reload that a
	// token with an unknown "kid" caused and that did not find it before
	// another such token may cause one, so garbage tokens cannot turn into a
	// stream of database reads. A store that is a
	// store.SigningKeyWatcher makes every process reload when the keys
	// change, so a legitimate new kid does not depend on this path.
	unknownKeyReloadInterval = 5 * time.Second
	// reloadTimeout bounds a reload that a request or a notification caused.
	reloadTimeout = 5 * time.Second
)

// Keys holds the provider's signing keys, one series per Algorithm: the
// newest key of each algorithm signs, all unretired ones verify.
//
// Precisely, every key still in the store verifies. A retired key stays
// there until a purge or a Rotate after its RetireAt deletes it, and by its
// RetireAt every token it signed has expired, so keeping it a little longer
// accepts nothing more.
//
// Each process sees to that for its own tokens: whenever it loads the keys,
// before it signs with them, it records on each key it will sign with that
// the key must stay keepRetired after its retirement, its own longest token
// lifetime with a margin (keepSigningKeys), and a rotation retires a key
// until its retirement plus the longest time so recorded. The record stays
// with the key, so neither the ACCESS_TOKEN_TTL of the process that rotated
// nor that of the processes running when it retires matters: a token
// signed under a longer ACCESS_TOKEN_TTL verifies until it expires even
// after every process restarted with a shorter one. As
// [OIDC Core Section 10.1.1] says: "The JWK Set document at the jwks_uri
// SHOULD retain recently decommissioned signing keys for a reasonable
// period of time".
//
// A Keys is safe for concurrent use. Signing and verifying read an immutable
// snapshot through an atomic pointer; Reload builds a new snapshot and swaps it in.
//
// [OIDC Core Section 10.1.1]: https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
type Keys struct {
	store KeyStore
	kek   *KEK // opens the private keys read from the store
	// accessTokenAlg signs access tokens (ACCESS_TOKEN_SIGNING_ALG).
	accessTokenAlg Algorithm
	// required are the algorithms that must have a key: alwaysPublished
	// and accessTokenAlg.
	required []Algorithm
	// keepRetired is how long after its retirement this process needs a
	// key it signed with: its longest token lifetime, plus the time it may
	// still sign with the key before it learns of the rotation.
	keepRetired time.Duration
	current     atomic.Pointer[keySet]
	// reloadMu serialises Reload, so an older list never replaces a newer one.
	reloadMu sync.Mutex
	// missMu serialises reloads caused by an unknown kid; lastMiss is the
	// time of the latest that did not find its kid, by clock.
	missMu   sync.Mutex
	lastMiss time.Time
	// changes counts the store's notifications that the keys changed
	// (reloadOnChange); tried is what it was when the latest Reload,
	// successful or not, ended. While they differ a change has not been
	// read yet, and an unknown kid reloads whatever lastMiss says.
	changes, tried atomic.Uint64
	// changePending is set while a reload that reloadOnChange asked for
	// has not started.
	changePending atomic.Bool
	// failure is the error of the latest failed Reload, nil after a
	// successful one, so reloadNow logs a failure once, not per request.
	failure  atomic.Pointer[string]
	clock    func() time.Time // wall clock for the reload rate limit; tests replace it
	verified *verifiedCache   // access tokens that passed VerifyAccessToken
}

// keySet is one immutable snapshot of the keys in the store.
type keySet struct {
	signers map[Algorithm]*signingKey // the newest unretired key of each algorithm
	byID    map[string]parsedKey      // every key, by kid
	jwks    []byte
	etag    string // jwks's entity tag (jwksETag)
}

// parsedKey is a stored key, opened and parsed.
type parsedKey struct {
	alg Algorithm
	key crypto.Signer
}

// signingKey is the newest key of an algorithm with its two signers.
type signingKey struct {
	id          string
	accessToken *compactSigner // header typ "at+jwt"
	idToken     *compactSigner // header typ "JWT"
}

// LoadKeys reads the signing keys from ks, opening each with kek, and signs
// access tokens with accessTokenAlg (RS256 when ""). It keeps every key it
// signs with at least keepRetired after that key's retirement (see Keys). For each algorithm of
// alwaysPublished and accessTokenAlg that has no unretired key in the store
// (a fresh database, or an algorithm newly configured) it generates one and
// stores it sealed with CreatedAt now. Keys stored in cleartext by an older
// version, or sealed with kek's previous key, are sealed first (sealKeys).
// A key that kek cannot open is an error naming the key, so a provider
// started with the wrong KEK stops at once. When ks is a
// store.SigningKeyWatcher (PostgreSQL), the keys reload whenever any
// process changes them (reloadOnChange).
func LoadKeys(ctx context.Context, ks KeyStore, kek *KEK, accessTokenAlg Algorithm, keepRetired time.Duration, now time.Time) (*Keys, error) {
	if kek == nil {
		return nil, errors.New("token: LoadKeys needs a key-encryption key")
	}
	if keepRetired <= 0 {
		return nil, fmt.Errorf("token: the time to keep a retired key, %v, is not positive", keepRetired)
	}
	// Up to a whole microsecond, the finest time the stores keep: a finer
	// part would make a stored KeepAfterRetirement look short at every
	// load, and keepSigningKeys write at every load.
	keepRetired = (keepRetired + time.Microsecond - 1).Truncate(time.Microsecond)
	if accessTokenAlg == "" {
		accessTokenAlg = RS256
	}
	if _, err := ParseAlgorithm(string(accessTokenAlg)); err != nil {
		return nil, err
	}
	k := &Keys{store: ks, kek: kek, accessTokenAlg: accessTokenAlg, keepRetired: keepRetired, clock: time.Now,
		verified: newVerifiedCache(verifiedCacheSize)}
	k.required = slices.Clone(alwaysPublished)
	if !slices.Contains(k.required, accessTokenAlg) {
		k.required = append(k.required, accessTokenAlg)
	}
	if err := k.prepareStore(ctx, now); err != nil {
		return nil, err
	}
	if w, ok := ks.(store.SigningKeyWatcher); ok {
		w.WatchSigningKeys(k.reloadOnChange)
	}
	// Read back even the keys just created: another process starting at the
	// same moment may have created some too, and newestByAlgorithm picks the
	// same ones in both.
	if err := k.Reload(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// prepareStore seals with the KEK the keys that are not (sealKeys), then
// creates a key, created at now, for each required algorithm that has no
// unretired one. It stores the key as a rotation does, under the store's
// lock (RotateSigningKey): of providers started at once on an empty
// database, each of which found no key, the last to store one retires the
// others' keys, so one key per algorithm is left unretired.
func (k *Keys) prepareStore(ctx context.Context, now time.Time) error {
	records, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("token: list signing keys: %w", err)
	}
	if err := sealKeys(ctx, k.store, k.kek, records); err != nil {
		return err
	}
	signing := newestByAlgorithm(records)
	for _, alg := range k.required {
		if _, ok := signing[alg]; !ok {
			rec, err := newKeyRecord(k.kek, alg, now, k.keepRetired)
			if err != nil {
				return err
			}
			if err := k.store.RotateSigningKey(ctx, rec, now.Add(k.keepRetired)); err != nil {
				return fmt.Errorf("token: store signing key: %w", err)
			}
		}
	}
	return nil
}

// reloadOnChange is the store.SigningKeyWatcher callback: some process
// changed the keys, so it reloads them in the background. Notifications
// that come while a reload waits to start share it; one that comes during
// a reload gets another, which reads what the first might have missed. A
// failed reload leaves the keys as they were, for the next notification,
// unknown kid (verificationKey) or periodic Reload to correct.
func (k *Keys) reloadOnChange() {
	k.changes.Add(1)
	if !k.changePending.CompareAndSwap(false, true) {
		return
	}
	go func() {
		k.changePending.Store(false)
		_ = k.reloadNow() // it logs a failure
	}()
}

// reloadNow reloads for a notification or an unknown kid, which have no
// one to report a failure to: it logs a warning when a reload fails
// differently from the one before (a lasting failure, such as a key this
// process cannot open, is logged once, not per request).
func (k *Keys) reloadNow() error {
	ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
	defer cancel()
	err := k.Reload(ctx)
	if err == nil {
		return nil
	}
	msg := err.Error()
	if last := k.failure.Swap(&msg); last == nil || *last != msg {
		slog.Warn("token: reload signing keys failed; the keys loaded before stay in use", "err", err)
	}
	return err
}

// Reload re-reads the keys from the store, so a key that another process
// rotated in starts verifying here and, being the newest, signing; before
// it signs with a key it records how long this process needs it kept
// (keepSigningKeys).
// On error the keys in use stay as they were.
func (k *Keys) Reload(ctx context.Context) error {
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	changes := k.changes.Load() // the changes this read sees, at least
	// A failed read answers them too: otherwise a failure that lasts would
	// lift the rate limit on unknown kids for good (verificationKey).
	defer k.tried.Store(changes)
	records, err := k.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("token: list signing keys: %w", err)
	}
	if err := k.keepSigningKeys(ctx, records); err != nil {
		return err
	}
	set, err := newKeySet(records, k.current.Load(), k.kek)
	if err != nil {
		return err
	}
	for _, alg := range k.required {
		if set.signers[alg] == nil {
			return fmt.Errorf("token: the store holds no unretired %s signing key", alg)
		}
	}
	k.current.Store(set)
	k.failure.Store(nil)
	return nil
}

// Rotate stores a new key for every algorithm that has one (the required
// ones, and any other still unretired in the store), each signing from now
// on, and retires every older key as of now, with RetireAt =
// now+keepRetired or now plus the key's KeepAfterRetirement, whichever is
// later: by then every token any process signed with it has expired
// (keepSigningKeys). It also deletes the keys whose RetireAt
// has passed, so they leave the JWKS. It returns the kids of the keys that
// sign after it, by algorithm: its own, unless a rotation in another
// process committed after it and retired its key like any older one
// (store.Store.RotateSigningKey); either way each algorithm keeps exactly
// one unretired key.
//
// The other processes sharing the store start signing with the new keys at
// their next Reload: at once when the store is a store.SigningKeyWatcher
// (PostgreSQL), else within a minute (main reloads that often); until then
// they still verify them, since an unknown kid makes them reload.
func (k *Keys) Rotate(ctx context.Context, now time.Time) (map[Algorithm]string, error) {
	for _, alg := range k.Algorithms() {
		rec, err := newKeyRecord(k.kek, alg, now, k.keepRetired)
		if err != nil {
			return nil, err
		}
		if err := k.store.RotateSigningKey(ctx, rec, now.Add(k.keepRetired)); err != nil {
			return nil, fmt.Errorf("token: rotate %s signing key: %w", alg, err)
		}
	}
	if _, err := k.store.DeleteRetiredSigningKeys(ctx, now); err != nil {
		return nil, fmt.Errorf("token: delete retired signing keys: %w", err)
	}
	if err := k.Reload(ctx); err != nil {
		return nil, err
	}
	kids := make(map[Algorithm]string)
	for alg, signer := range k.current.Load().signers {
		kids[alg] = signer.id
	}
	return kids, nil
}

// keepSigningKeys records on each key of records that this process will
// sign with (newestByAlgorithm) that it must stay published keepRetired
// after its retirement, where it says less: the longest lifetime of the
// tokens it signs stays with the key, whatever the processes running when
// it retires need. It writes only for a key that needs it, one update per
// key and load, none per token: on PostgreSQL every write makes every
// process reload, and a reload that wrote every time would never end.
func (k *Keys) keepSigningKeys(ctx context.Context, records []store.SigningKey) error {
	for _, r := range newestByAlgorithm(records) {
		if r.KeepAfterRetirement >= k.keepRetired {
			continue
		}
		if err := k.store.KeepSigningKey(ctx, r.ID, k.keepRetired); err != nil {
			return fmt.Errorf("token: keep signing key %s: %w", r.ID, err)
		}
	}
	return nil
}

// Algorithms returns the algorithms this provider can sign with now, in a
// fixed order (RS256, ES256, EdDSA): what discovery lists as
// id_token_signing_alg_values_supported, and what a client may register as
// id_token_signed_response_alg.
func (k *Keys) Algorithms() []Algorithm {
	signers := k.current.Load().signers
	var algs []Algorithm
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		if signers[alg] != nil {
			algs = append(algs, alg)
		}
	}
	return algs
}

// AccessTokenAlgorithm is the algorithm that signs access tokens.
func (k *Keys) AccessTokenAlgorithm() Algorithm {
	return k.accessTokenAlg
}

// JWKS returns the public keys as a JWK Set, [RFC 7517 Section 5]: one JWK
// per key with "kty", "kid", "use" "sig", "alg" and the public parameters
// of its type ([RFC 7518 Section 6], [RFC 8037 Section 2]), and its strong
// entity tag ([RFC 9110 Section 8.8.3]). Both come from one snapshot, so a
// response never pairs one key set with the tag of another. Both are
// computed on load and shared; the caller must not modify the bytes.
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
// [RFC 7518 Section 6]: https://www.rfc-editor.org/rfc/rfc7518#section-6
// [RFC 8037 Section 2]: https://www.rfc-editor.org/rfc/rfc8037#section-2
// [RFC 9110 Section 8.8.3]: https://www.rfc-editor.org/rfc/rfc9110#section-8.8.3
func (k *Keys) JWKS() (jwks []byte, etag string) {
	set := k.current.Load()
	return set.jwks, set.etag
}

// jwksETag is the strong entity tag of the JWKS bytes: their SHA-256,
// base64url-encoded and quoted, so it changes exactly when the bytes do.
func jwksETag(jwks []byte) string {
	sum := sha256.Sum256(jwks)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
}

// newestByAlgorithm picks the signing key of each algorithm: its
// latest-created key without RetireAt. Ties (two processes creating a first
// key at once) go to the greater ID, so every process picks the same key.
func newestByAlgorithm(records []store.SigningKey) map[Algorithm]store.SigningKey {
	best := make(map[Algorithm]store.SigningKey)
	for _, r := range records {
		if !r.RetireAt.IsZero() {
			continue
		}
		alg := Algorithm(r.Algorithm)
		b, found := best[alg]
		if !found || r.CreatedAt.After(b.CreatedAt) ||
			(r.CreatedAt.Equal(b.CreatedAt) && cmp.Compare(r.ID, b.ID) > 0) {
			best[alg] = r
		}
	}
	return best
}

// newKeySet parses records into a snapshot. Keys already parsed in prev are
// reused, so a reload costs no key parsing for keys it already knows.
func newKeySet(records []store.SigningKey, prev *keySet, kek *KEK) (*keySet, error) {
	set := &keySet{signers: make(map[Algorithm]*signingKey), byID: make(map[string]parsedKey, len(records))}
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
	set.etag = jwksETag(set.jwks)
	for alg, r := range newestByAlgorithm(records) {
		if set.signers[alg], err = prev.signerOf(r.ID, set.byID[r.ID]); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// lookupOrParse returns the parsed key for r, from s when s has it. s may be nil.
func (s *keySet) lookupOrParse(r store.SigningKey, kek *KEK) (parsedKey, error) {
	if s != nil {
		if key, ok := s.byID[r.ID]; ok {
			return key, nil
		}
	}
	return parseKey(r, kek)
}

// signerOf returns the signers of key kid, from s when it signed there
// already, else built anew. s may be nil.
func (s *keySet) signerOf(kid string, key parsedKey) (*signingKey, error) {
	if s != nil {
		if sk := s.signers[key.alg]; sk != nil && sk.id == kid {
			return sk, nil
		}
	}
	return newSigningKey(kid, key)
}

// parseKey opens a stored key with kek and refuses a key that does not fit
// its algorithm (checkKey).
func parseKey(r store.SigningKey, kek *KEK) (parsedKey, error) {
	alg, err := ParseAlgorithm(r.Algorithm)
	if r.ID == "" || err != nil {
		return parsedKey{}, fmt.Errorf("token: signing key %q: want a kid and a supported algorithm, got %q", r.ID, r.Algorithm)
	}
	der, _, err := kek.openRecord(r)
	if err != nil {
		return parsedKey{}, fmt.Errorf("token: signing key %q: %w", r.ID, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return parsedKey{}, fmt.Errorf("token: signing key %q: %w", r.ID, err)
	}
	key, err := checkKey(alg, parsed)
	if err != nil {
		return parsedKey{}, fmt.Errorf("token: signing key %q: %w", r.ID, err)
	}
	return parsedKey{alg: alg, key: key}, nil
}

// publicJWK is the JWKS entry of a key ([RFC 7517 Section 4]).
//
// [RFC 7517 Section 4]: https://www.rfc-editor.org/rfc/rfc7517#section-4
func publicJWK(kid string, k parsedKey) jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.key.Public(), KeyID: kid, Algorithm: string(k.alg), Use: "sig"}
}

// newSigningKey builds the signers of the newest key of an algorithm once,
// so signing a token costs one signature and a little encoding.
func newSigningKey(kid string, k parsedKey) (*signingKey, error) {
	at, err := newCompactSigner(kid, k, accessTokenType)
	if err != nil {
		return nil, err
	}
	id, err := newCompactSigner(kid, k, idTokenType)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: kid, accessToken: at, idToken: id}, nil
}

// newKeyRecord generates a key for alg, created at now, as the store keeps
// it: sealed with kek, and to be kept keep after its retirement (the
// creator's keepRetired; see keepSigningKeys). Its kid is the key's JWK Thumbprint ([RFC 7638 Section 3]):
// unique per key without coordination between processes.
//
// [RFC 7638 Section 3]: https://www.rfc-editor.org/rfc/rfc7638#section-3
func newKeyRecord(kek *KEK, alg Algorithm, now time.Time, keep time.Duration) (store.SigningKey, error) {
	key, err := generateKey(alg)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: encode %s key: %w", alg, err)
	}
	thumbprint, err := (&jose.JSONWebKey{Key: key.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: key thumbprint: %w", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(thumbprint)
	return store.SigningKey{ID: kid, Algorithm: string(alg), Encrypted: true, CreatedAt: now,
		KeepAfterRetirement: keep, PrivateKey: kek.seal(kid, string(alg), der)}, nil
}

// sealKeys seals with kek the keys that an older version stored in
// cleartext, so existing databases keep working and, from the first start
// on, hold no usable key; and reseals those sealed with kek's previous key,
// so the previous key can be retired. A key that neither opens is an error.
// Once it has sealed any, it has the store erase the bytes they replaced,
// which the database's files would otherwise keep for a while (a copy of
// those files could still sign); if that fails, the keys stay sealed and a
// warning says to rotate them.
func sealKeys(ctx context.Context, ks KeyStore, kek *KEK, records []store.SigningKey) error {
	sealed := false
	for _, r := range records {
		der, current, err := kek.openRecord(r)
		if err != nil {
			return fmt.Errorf("token: signing key %q: %w", r.ID, err)
		}
		if current {
			continue
		}
		if err := ks.SealSigningKey(ctx, r.ID, r.PrivateKey, kek.seal(r.ID, r.Algorithm, der)); err != nil {
			return fmt.Errorf("token: seal signing key %q: %w", r.ID, err)
		}
		sealed = true
	}
	if sealed {
		if err := ks.EraseReplacedSigningKeys(ctx); err != nil {
			slog.Warn("token: signing keys sealed, but the database may still hold their bytes from before; rotate them (provider keys rotate)", "err", err)
		}
	}
	return nil
}

// knows reports whether the key kid is loaded.
func (k *Keys) knows(kid string) bool {
	_, ok := k.current.Load().byID[kid]
	return ok
}

// verificationKey returns the key with this kid. On a miss it reloads from
// the store, to pick up a key another process rotated in: at once if the
// store reported a change that no reload has tried to read yet (a reload
// it caused may still be under way), else unless a reload of another miss
// found no key of its kid within the last unknownKeyReloadInterval, across
// all callers. So junk kids cost at most one read per interval and never
// delay a key the store announced, and a reload that found its key does
// not hold back the next one rotated in (keys rotated seconds apart, read
// before their notifications come). A reload that fails counts as one that
// found nothing: until the next change, a store that cannot be read, or
// holds a key this process cannot open, is read no more often for junk
// kids.
func (k *Keys) verificationKey(kid string) (parsedKey, error) {
	if key, ok := k.current.Load().byID[kid]; ok {
		return key, nil
	}
	k.missMu.Lock()
	defer k.missMu.Unlock()
	// Another caller may have reloaded while this one waited.
	if key, ok := k.current.Load().byID[kid]; ok {
		return key, nil
	}
	t := k.clock()
	announced := k.tried.Load() != k.changes.Load() // reload, outside the rate limit
	if !announced && !k.lastMiss.IsZero() && t.Sub(k.lastMiss) < unknownKeyReloadInterval {
		return parsedKey{}, fmt.Errorf("token: unknown key id %q", kid)
	}
	err := k.reloadNow()
	if key, ok := k.current.Load().byID[kid]; ok {
		return key, nil
	}
	if !announced {
		k.lastMiss = t
	}
	if err != nil {
		return parsedKey{}, fmt.Errorf("token: unknown key id %q: %w", kid, err)
	}
	return parsedKey{}, fmt.Errorf("token: unknown key id %q", kid)
}
