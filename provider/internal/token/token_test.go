package token

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/storetest"
	"github.com/oauth-reference/provider/jwttest"
)

const (
	testIssuer   = "http://localhost:8080"
	testAudience = "http://localhost:8080"
)

// testKEK seals the keys of every test store.
var testKEK = mustKEK(bytes.Repeat([]byte{7}, kekSize))

func mustKEK(key []byte) *KEK {
	k, err := NewKEK(key)
	if err != nil {
		panic(err)
	}
	return k
}

// t0 is the test clock's start.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeKeyStore is an in-memory KeyStore with the semantics documented on
// store.Store. lists counts ListSigningKeys calls; listErr, when set, makes
// ListSigningKeys fail; keeps counts KeepSigningKey calls.
type fakeKeyStore struct {
	mu      sync.Mutex
	keys    []store.SigningKey
	lists   int
	listErr error
	keeps   int

	erases   int
	eraseErr error
}

func (f *fakeKeyStore) CreateSigningKey(_ context.Context, k store.SigningKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, old := range f.keys {
		if old.ID == k.ID {
			return store.ErrDuplicate
		}
	}
	f.keys = append(f.keys, k)
	return nil
}

func (f *fakeKeyStore) ListSigningKeys(context.Context) ([]store.SigningKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := slices.Clone(f.keys)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

func (f *fakeKeyStore) RotateSigningKey(_ context.Context, k store.SigningKey, retireAt time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if slices.ContainsFunc(f.keys, func(old store.SigningKey) bool { return old.ID == k.ID }) {
		return store.ErrDuplicate
	}
	for i, old := range f.keys {
		if old.Algorithm == k.Algorithm && old.RetireAt.IsZero() {
			// To the microsecond, as both stores keep times; never before
			// the key was created.
			retiredAt := later(k.CreatedAt, old.CreatedAt).Truncate(time.Microsecond)
			f.keys[i].RetireAt, f.keys[i].RetiredAt = later(retireAt.Truncate(time.Microsecond), retiredAt.Add(old.KeepAfterRetirement)), retiredAt
		}
	}
	f.keys = append(f.keys, k)
	return nil
}

func (f *fakeKeyStore) KeepSigningKey(_ context.Context, id string, keep time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keeps++
	for i, k := range f.keys {
		if k.ID != id || k.KeepAfterRetirement >= keep {
			continue
		}
		f.keys[i].KeepAfterRetirement = keep
		if !k.RetiredAt.IsZero() {
			f.keys[i].RetireAt = later(k.RetireAt, k.RetiredAt.Add(keep))
		}
	}
	return nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (f *fakeKeyStore) DeleteRetiredSigningKeys(_ context.Context, now time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := f.keys[:0]
	for _, k := range f.keys {
		if k.RetireAt.IsZero() || !k.RetireAt.Before(now) {
			kept = append(kept, k)
		}
	}
	n := int64(len(f.keys) - len(kept))
	f.keys = kept
	return n, nil
}

// EraseReplacedSigningKeys counts its calls in erases; eraseErr, when set,
// makes it fail.
func (f *fakeKeyStore) EraseReplacedSigningKeys(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.erases++
	return f.eraseErr
}

func (f *fakeKeyStore) SealSigningKey(_ context.Context, id string, was, sealed []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.keys {
		if f.keys[i].ID == id && bytes.Equal(f.keys[i].PrivateKey, was) {
			f.keys[i].PrivateKey, f.keys[i].Encrypted = sealed, true
		}
	}
	return nil
}

func (f *fakeKeyStore) listCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists
}

func (f *fakeKeyStore) get(id string) (store.SigningKey, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.keys {
		if k.ID == id {
			return k, true
		}
	}
	return store.SigningKey{}, false
}

// newKeys loads keys from a fresh fake store at t0.
func newKeys(t testing.TB) (*Keys, *fakeKeyStore) {
	t.Helper()
	ks := &fakeKeyStore{}
	k, err := LoadKeys(context.Background(), ks, testKEK, "", time.Hour, t0)
	if err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	return k, ks
}

// userClaims are the claims of a user's access token issued at t0.
func userClaims() AccessTokenClaims {
	return AccessTokenClaims{
		Issuer:    testIssuer,
		Subject:   "user1",
		Audience:  testAudience,
		ClientID:  "testclient",
		Scope:     "openid read",
		GrantID:   "grant-1",
		JTI:       "jti-1",
		IssuedAt:  t0,
		ExpiresAt: t0.Add(time.Hour),
		AuthTime:  t0.Add(-time.Minute),
	}
}

// clientCredentialsClaims are the claims of a client credentials access
// token issued at t0: no user, so no gid or auth_time.
func clientCredentialsClaims() AccessTokenClaims {
	return AccessTokenClaims{
		Issuer: testIssuer, Subject: "testclient", Audience: testAudience, ClientID: "testclient",
		Scope: "read", JTI: "jti-2", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour),
	}
}

func mustSignAccessToken(t testing.TB, k *Keys, c AccessTokenClaims) string {
	t.Helper()
	raw, err := k.SignAccessToken(c)
	if err != nil {
		t.Fatalf("SignAccessToken: %v", err)
	}
	return raw
}

// currentKID is the kid of the key that signs with alg ("" = RS256).
func currentKID(k *Keys, alg ...Algorithm) string {
	return k.current.Load().signers[append(alg, RS256)[0]].id
}

// currentPrivateKey is the RS256 signing key.
func currentPrivateKey(k *Keys) *rsa.PrivateKey {
	s := k.current.Load()
	return s.byID[s.signers[RS256].id].key.(*rsa.PrivateKey)
}

func TestAccessTokenRoundTrip(t *testing.T) {
	k, _ := newKeys(t)
	for _, tc := range []struct {
		name   string
		claims AccessTokenClaims
	}{
		{"user token keeps gid and auth_time", userClaims()},
		{"client credentials token has no gid or auth_time", clientCredentialsClaims()},
		{"sub-second times come back truncated to NumericDate seconds (RFC 7519 Section 2)", func() AccessTokenClaims {
			c := userClaims()
			c.IssuedAt = c.IssuedAt.Add(300 * time.Millisecond)
			return c
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := mustSignAccessToken(t, k, tc.claims)
			got, err := k.VerifyAccessToken(raw, t0.Add(time.Minute), testIssuer, testAudience)
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			want := tc.claims
			want.IssuedAt = want.IssuedAt.Truncate(time.Second)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAccessTokenWireFormat(t *testing.T) {
	k, _ := newKeys(t)
	raw := mustSignAccessToken(t, k, userClaims())

	// RFC 9068 Section 2.1: typ at+jwt; RS256; kid of the signing key.
	wantHeader := map[string]any{"alg": "RS256", "typ": "at+jwt", "kid": currentKID(k)}
	if diff := cmp.Diff(wantHeader, jwttest.Part(t, raw, jwttest.Header)); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	// RFC 9068 Section 2.2: aud is a single string here; times are NumericDates.
	wantClaims := map[string]any{
		"iss": testIssuer, "sub": "user1", "aud": testAudience, "client_id": "testclient",
		"scope": "openid read", "gid": "grant-1", "jti": "jti-1",
		"iat": float64(t0.Unix()), "exp": float64(t0.Add(time.Hour).Unix()),
		"auth_time": float64(t0.Add(-time.Minute).Unix()),
	}
	if diff := cmp.Diff(wantClaims, jwttest.Part(t, raw, jwttest.Claims)); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}
}

func TestSignAccessTokenRefusesIncompleteClaims(t *testing.T) {
	k, _ := newKeys(t)
	for _, tc := range []struct {
		name   string
		mutate func(*AccessTokenClaims)
	}{
		{"iss is required (RFC 9068 Section 2.2)", func(c *AccessTokenClaims) { c.Issuer = "" }},
		{"sub is required (RFC 9068 Section 2.2)", func(c *AccessTokenClaims) { c.Subject = "" }},
		{"aud is required (RFC 9068 Section 2.2)", func(c *AccessTokenClaims) { c.Audience = "" }},
		{"client_id is required (RFC 9068 Section 2.2)", func(c *AccessTokenClaims) { c.ClientID = "" }},
		{"jti is required (RFC 9068 Section 2.2)", func(c *AccessTokenClaims) { c.JTI = "" }},
		{"iat is required (RFC 9068 Section 2.2)", func(c *AccessTokenClaims) { c.IssuedAt = time.Time{} }},
		{"exp must follow iat", func(c *AccessTokenClaims) { c.ExpiresAt = c.IssuedAt }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := userClaims()
			tc.mutate(&c)
			if raw, err := k.SignAccessToken(c); err == nil {
				t.Errorf("got token %q, want an error", raw)
			}
		})
	}
}

// signRaw signs payload with key under the given alg and extra headers,
// as an attacker or a misbehaving issuer could.
func signRaw(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, headers map[jose.HeaderKey]any, payload []byte) string {
	t.Helper()
	opts := &jose.SignerOptions{ExtraHeaders: headers}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatalf("CompactSerialize: %v", err)
	}
	return raw
}

// accessPayload is the JSON claims set of userClaims, changed by mutate.
func accessPayload(t *testing.T, mutate func(map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"iss": testIssuer, "sub": "user1", "aud": testAudience, "client_id": "testclient",
		"scope": "read", "jti": "jti-1", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
	if mutate != nil {
		mutate(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var atJWT = map[jose.HeaderKey]any{jose.HeaderType: "at+jwt"}

func TestVerifyAccessTokenAccepts(t *testing.T) {
	k, _ := newKeys(t)
	priv, kid := currentPrivateKey(k), currentKID(k)
	for _, tc := range []struct {
		name string
		raw  func(t *testing.T) string
		now  time.Time
	}{
		{"typ application/at+jwt is accepted (RFC 9068 Section 4)", func(t *testing.T) string {
			h := map[jose.HeaderKey]any{jose.HeaderType: "application/at+jwt"}
			return signRaw(t, jose.RS256, priv, kid, h, accessPayload(t, nil))
		}, t0},
		{"typ compares case-insensitively (RFC 7515 Section 4.1.9)", func(t *testing.T) string {
			h := map[jose.HeaderKey]any{jose.HeaderType: "AT+JWT"}
			return signRaw(t, jose.RS256, priv, kid, h, accessPayload(t, nil))
		}, t0},
		{"aud array containing the resource server is accepted (RFC 9068 Section 4)", func(t *testing.T) string {
			p := accessPayload(t, func(m map[string]any) { m["aud"] = []string{"https://other.example", testAudience} })
			return signRaw(t, jose.RS256, priv, kid, atJWT, p)
		}, t0},
		{"iat within the clock skew leeway is accepted", func(t *testing.T) string {
			return mustSignAccessToken(t, k, userClaims())
		}, t0.Add(-clockSkew)},
		{"one second before exp is accepted", func(t *testing.T) string {
			return mustSignAccessToken(t, k, userClaims())
		}, t0.Add(time.Hour - time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := k.VerifyAccessToken(tc.raw(t), tc.now, testIssuer, testAudience); err != nil {
				t.Errorf("got error %v, want none", err)
			}
		})
	}
}

func TestVerifyAccessTokenRefuses(t *testing.T) {
	k, _ := newKeys(t)
	priv, kid := currentPrivateKey(k), currentKID(k)
	strangerKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	strangerECKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := mustSignAccessToken(t, k, userClaims())
	idToken, err := k.SignIDToken(IDTokenClaims{
		Issuer: testIssuer, Subject: "user1", Audience: testAudience,
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), AuthTime: t0,
	}, "")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		want string // in the error: the reason for refusal
		raw  func(t *testing.T) string
		now  time.Time
		is   error // the check it fails, when VerifyAccessToken tells it apart
	}{
		{"an ID Token (typ JWT) is not an access token (RFC 9068 Section 4)", "typ", func(*testing.T) string { return idToken }, t0, nil},
		{"typ JWT is refused (RFC 9068 Section 4)", "typ", func(t *testing.T) string {
			h := map[jose.HeaderKey]any{jose.HeaderType: "JWT"}
			return signRaw(t, jose.RS256, priv, kid, h, accessPayload(t, nil))
		}, t0, nil},
		{"missing typ is refused (RFC 9068 Section 4)", "typ", func(t *testing.T) string {
			return signRaw(t, jose.RS256, priv, kid, nil, accessPayload(t, nil))
		}, t0, nil},
		{"alg HS256 keyed with the public key is refused (RFC 8725 Section 3.1)", "unexpected signature algorithm", func(t *testing.T) string {
			der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			return signRaw(t, jose.HS256, der, kid, atJWT, accessPayload(t, nil))
		}, t0, nil},
		{"alg none is refused (RFC 8725 Section 3.1)", "unexpected signature algorithm", func(t *testing.T) string {
			header := `{"alg":"none","typ":"at+jwt","kid":"` + kid + `"}`
			enc := base64.RawURLEncoding.EncodeToString
			return enc([]byte(header)) + "." + enc(accessPayload(t, nil)) + "."
		}, t0, nil},
		{"alg PS256 by the right key is refused (RS256, ES256 and EdDSA only)", "unexpected signature algorithm", func(t *testing.T) string {
			return signRaw(t, jose.PS256, priv, kid, atJWT, accessPayload(t, nil))
		}, t0, nil},
		{"alg ES256 under the RSA key's kid is refused: the key names the alg (RFC 8725 Section 3.1)", "is not RS256", func(t *testing.T) string {
			return signRaw(t, jose.ES256, strangerECKey, kid, atJWT, accessPayload(t, nil))
		}, t0, nil},
		{"alg RS256 under the ES256 key's kid is refused (RFC 8725 Section 3.1)", "is not ES256", func(t *testing.T) string {
			return signRaw(t, jose.RS256, priv, currentKID(k, ES256), atJWT, accessPayload(t, nil))
		}, t0, nil},
		{"unknown kid is refused", "unknown key id", func(t *testing.T) string {
			return signRaw(t, jose.RS256, strangerKey, "stranger", atJWT, accessPayload(t, nil))
		}, t0, nil},
		{"a known kid on another key's signature is refused", "signature", func(t *testing.T) string {
			return signRaw(t, jose.RS256, strangerKey, kid, atJWT, accessPayload(t, nil))
		}, t0, nil},
		{"tampered signature is refused", "signature", func(*testing.T) string {
			i := strings.LastIndexByte(good, '.') + 10
			flipped := byte('A')
			if good[i] == 'A' {
				flipped = 'B'
			}
			return good[:i] + string(flipped) + good[i+1:]
		}, t0, nil},
		{"tampered claims are refused", "signature", func(t *testing.T) string {
			parts := strings.Split(good, ".")
			p := accessPayload(t, func(m map[string]any) { m["scope"] = "read write" })
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
		}, t0, nil},
		{"another issuer is refused (RFC 9068 Section 4)", "iss", func(t *testing.T) string {
			p := accessPayload(t, func(m map[string]any) { m["iss"] = "https://evil.example" })
			return signRaw(t, jose.RS256, priv, kid, atJWT, p)
		}, t0, nil},
		{"aud without this resource server is refused (RFC 9068 Section 4)", "aud", func(t *testing.T) string {
			p := accessPayload(t, func(m map[string]any) { m["aud"] = []string{"https://other.example"} })
			return signRaw(t, jose.RS256, priv, kid, atJWT, p)
		}, t0, ErrWrongAudience},
		{"token at its exp is refused (RFC 7519 Section 4.1.4)", "expired", func(*testing.T) string { return good }, t0.Add(time.Hour), ErrExpired},
		{"iat beyond the clock skew leeway is refused", "in the future", func(*testing.T) string { return good }, t0.Add(-clockSkew - time.Second), ErrNotYetValid},
		{"nbf in the future is refused (RFC 7519 Section 4.1.5)", "not valid yet", func(t *testing.T) string {
			p := accessPayload(t, func(m map[string]any) { m["nbf"] = t0.Add(10 * time.Minute).Unix() })
			return signRaw(t, jose.RS256, priv, kid, atJWT, p)
		}, t0, ErrNotYetValid},
		{"missing jti is refused (RFC 9068 Section 2.2)", "missing a required claim", func(t *testing.T) string {
			p := accessPayload(t, func(m map[string]any) { delete(m, "jti") })
			return signRaw(t, jose.RS256, priv, kid, atJWT, p)
		}, t0, nil},
		{"missing exp is refused (RFC 9068 Section 2.2)", "missing a required claim", func(t *testing.T) string {
			p := accessPayload(t, func(m map[string]any) { delete(m, "exp") })
			return signRaw(t, jose.RS256, priv, kid, atJWT, p)
		}, t0, nil},
		{"missing client_id is refused (RFC 9068 Section 2.2)", "missing a required claim", func(t *testing.T) string {
			p := accessPayload(t, func(m map[string]any) { delete(m, "client_id") })
			return signRaw(t, jose.RS256, priv, kid, atJWT, p)
		}, t0, nil},
		{"garbage is refused", "not a JWS", func(*testing.T) string { return "not.a.jwt" }, t0, nil},
		{"empty string is refused", "not a JWS", func(*testing.T) string { return "" }, t0, nil},
		{"oversized input is refused", "too long", func(*testing.T) string { return good + strings.Repeat("A", maxTokenLength) }, t0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.VerifyAccessToken(tc.raw(t), tc.now, testIssuer, testAudience)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got claims %+v and error %v, want an error about %q", got, err, tc.want)
			}
			for _, kind := range []error{ErrWrongAudience, ErrExpired, ErrNotYetValid} {
				if errors.Is(err, kind) != (kind == tc.is) {
					t.Errorf("errors.Is(%v, %v) = %t, want %t", err, kind, errors.Is(err, kind), kind == tc.is)
				}
			}
		})
	}
}

func TestRotate(t *testing.T) {
	ctx := context.Background()
	k, ks := newKeys(t)
	kid1 := currentKID(k)
	old := mustSignAccessToken(t, k, userClaims())

	t1 := t0.Add(10 * time.Minute)
	kids, err := k.Rotate(ctx, t1)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	kid2 := kids[RS256]
	if kid2 == kid1 {
		t.Fatalf("got the same kid %q after Rotate, want a new one", kid2)
	}

	t.Run("a token signed before Rotate still verifies", func(t *testing.T) {
		if _, err := k.VerifyAccessToken(old, t1, testIssuer, testAudience); err != nil {
			t.Errorf("got error %v, want none", err)
		}
	})
	t.Run("new tokens carry the new kid", func(t *testing.T) {
		c := userClaims()
		c.IssuedAt, c.ExpiresAt = t1, t1.Add(time.Hour)
		raw := mustSignAccessToken(t, k, c)
		if got := jwttest.Part(t, raw, jwttest.Header)["kid"]; got != kid2 {
			t.Errorf("got kid %v, want %v", got, kid2)
		}
		if _, err := k.VerifyAccessToken(raw, t1, testIssuer, testAudience); err != nil {
			t.Errorf("got error %v, want none", err)
		}
	})
	t.Run("JWKS lists both keys, newest first", func(t *testing.T) {
		if got, want := jwksKIDs(t, jwksOf(k), RS256), []string{kid2, kid1}; !slices.Equal(got, want) {
			t.Errorf("got kids %v, want %v", got, want)
		}
	})
	t.Run("the old key retires max token lifetime after Rotate", func(t *testing.T) {
		rec, _ := ks.get(kid1)
		if want := t1.Add(time.Hour); !rec.RetireAt.Equal(want) || !rec.RetiredAt.Equal(t1) {
			t.Errorf("got RetireAt %v, RetiredAt %v; want %v, %v", rec.RetireAt, rec.RetiredAt, want, t1)
		}
		rec, _ = ks.get(kid2)
		if !rec.RetireAt.IsZero() {
			t.Errorf("got RetireAt %v on the new key, want zero", rec.RetireAt)
		}
	})

	t2 := t1.Add(time.Hour + time.Second)
	kids, err = k.Rotate(ctx, t2)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	kid3 := kids[RS256]
	t.Run("a key past RetireAt is deleted and leaves the JWKS", func(t *testing.T) {
		if _, ok := ks.get(kid1); ok {
			t.Errorf("got key %q still in the store, want it deleted", kid1)
		}
		if got, want := jwksKIDs(t, jwksOf(k), RS256), []string{kid3, kid2}; !slices.Equal(got, want) {
			t.Errorf("got kids %v, want %v", got, want)
		}
	})
	t.Run("tokens of a deleted key no longer verify", func(t *testing.T) {
		// Checked at t0, before the token's exp, so only the key can fail it.
		_, err := k.VerifyAccessToken(old, t0, testIssuer, testAudience)
		if err == nil || !strings.Contains(err.Error(), "unknown key id") {
			t.Errorf("got error %v, want unknown key id", err)
		}
	})
}

// TestRetiredKeyKeptForTheLongestLifetime: a process that keeps retired
// keys longer than the one that rotated records its need on the key it
// signs with when it loads the keys, so the rotation retires the key that
// long and a purge at the rotating process's time leaves its tokens
// verifiable; one that needs them less long writes nothing.
func TestRetiredKeyKeptForTheLongestLifetime(t *testing.T) {
	ctx := context.Background()
	ks := &fakeKeyStore{}
	rotator, err := LoadKeys(ctx, ks, testKEK, "", time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	server, err := LoadKeys(ctx, ks, testKEK, "", 3*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	old := mustSignAccessToken(t, server, userClaims()) // lives an hour
	oldKID := currentKID(server)
	if _, err := rotator.Rotate(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if err := server.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if rec, _ := ks.get(oldKID); !rec.RetireAt.Equal(t0.Add(3 * time.Hour)) {
		t.Errorf("after the serving process reloaded: got RetireAt %v, want %v", rec.RetireAt, t0.Add(3*time.Hour))
	}
	if _, err := ks.DeleteRetiredSigningKeys(ctx, t0.Add(30*time.Minute)); err != nil { // a purge past the rotator's RetireAt
		t.Fatal(err)
	}
	if err := server.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := server.VerifyAccessToken(old, t0.Add(30*time.Minute), testIssuer, testAudience); err != nil {
		t.Errorf("a token signed before the rotation, after the purge: got %v, want it to verify", err)
	}
	keeps := ks.keeps
	if err := rotator.Reload(ctx); err != nil || ks.keeps != keeps {
		t.Errorf("a reload by the process that needs the key less long: got %v and %d writes, want none", err, ks.keeps-keeps)
	}
}

// TestRetiredKeyOutlivesTheProcessesThatSignedWithIt: a token signed by a
// process that needed its key kept 3 h still verifies after that process
// stopped (a restart with a shorter ACCESS_TOKEN_TTL), the only one left
// needing a minute, and a rotation there: the need stays with the key
// ([OIDC Core Section 10.1.1]). Once the 3 h are over, a purge deletes it.
//
// [OIDC Core Section 10.1.1]: https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
func TestRetiredKeyOutlivesTheProcessesThatSignedWithIt(t *testing.T) {
	ctx := context.Background()
	ks := &fakeKeyStore{}
	before, err := LoadKeys(ctx, ks, testKEK, "", 3*time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	old := mustSignAccessToken(t, before, userClaims()) // lives an hour
	oldKID := currentKID(before)
	after, err := LoadKeys(ctx, ks, testKEK, "", time.Minute, t0) // the restarted process
	if err != nil {
		t.Fatal(err)
	}
	if _, err := after.Rotate(ctx, t0); err != nil {
		t.Fatal(err)
	}
	purge := func(now time.Time) {
		t.Helper()
		if _, err := ks.DeleteRetiredSigningKeys(ctx, now); err != nil {
			t.Fatal(err)
		}
		if err := after.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	}
	purge(t0.Add(30 * time.Minute)) // far past the restarted process's minute
	if _, err := after.VerifyAccessToken(old, t0.Add(30*time.Minute), testIssuer, testAudience); err != nil {
		t.Errorf("a token signed before the restart, after a purge past the new minute: got %v, want it to verify", err)
	}
	if kids := jwksKIDs(t, jwksOf(after), RS256); !slices.Contains(kids, oldKID) {
		t.Errorf("JWKS after a purge past the new minute: got kids %v, want %s among them", kids, oldKID)
	}
	purge(t0.Add(3*time.Hour + time.Second))
	if kids := jwksKIDs(t, jwksOf(after), RS256); slices.Contains(kids, oldKID) {
		t.Errorf("JWKS after a purge past the 3 h: got kids %v, want %s gone", kids, oldKID)
	}
}

// TestKeepRetiredToTheMicrosecond: a lifetime with a part finer than the
// stores keep (ACCESS_TOKEN_TTL=10m0.0000005s is a valid setting) raises a
// retired key's RetireAt once, not at every load: compared to the
// nanosecond, the stored time would never be late enough, and on
// PostgreSQL each write makes every process load the keys again.
func TestKeepRetiredToTheMicrosecond(t *testing.T) {
	ctx := context.Background()
	ks := &fakeKeyStore{}
	k, err := LoadKeys(ctx, ks, testKEK, "", 10*time.Minute+500*time.Nanosecond, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Rotate(ctx, t0); err != nil {
		t.Fatal(err)
	}
	keeps := ks.keeps
	for range 3 {
		if err := k.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if ks.keeps > keeps+1 {
		t.Errorf("three reloads after a rotation: got %d writes, want at most one", ks.keeps-keeps)
	}
}

func TestLoadKeysRefusesNonPositiveKeepRetired(t *testing.T) {
	for _, keep := range []time.Duration{0, -time.Hour} {
		if _, err := LoadKeys(context.Background(), &fakeKeyStore{}, testKEK, "", keep, t0); err == nil {
			t.Errorf("LoadKeys keeping retired keys %v: got no error, want one", keep)
		}
	}
}

func TestVerifyReloadsOnUnknownKID(t *testing.T) {
	ctx := context.Background()
	// Two provider processes sharing one store.
	a, ks := newKeys(t)
	b, err := LoadKeys(ctx, ks, testKEK, "", time.Hour, t0)
	if err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	clock := clocktest.New(t0)
	b.clock = clock.Now

	rotateInA := func(t *testing.T) string {
		t.Helper()
		if _, err := a.Rotate(ctx, t0); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		return mustSignAccessToken(t, a, userClaims())
	}

	t.Run("a key rotated in by another process is picked up", func(t *testing.T) {
		if _, err := b.VerifyAccessToken(rotateInA(t), t0, testIssuer, testAudience); err != nil {
			t.Errorf("got error %v, want none", err)
		}
	})
	t.Run("and the next one, a second later, without waiting for the interval", func(t *testing.T) {
		clock.Advance(time.Second)
		if _, err := b.VerifyAccessToken(rotateInA(t), t0, testIssuer, testAudience); err != nil {
			t.Errorf("got error %v, want none: the reload before found its key, and holds back no other", err)
		}
	})
	t.Run("made-up kids reload at most once per interval, and hold back a new key that long", func(t *testing.T) {
		stranger, _ := newKeys(t)
		junk := mustSignAccessToken(t, stranger, userClaims()) // a kid no store of b's has
		before := ks.listCalls()
		for range 100 {
			if _, err := b.VerifyAccessToken(junk, t0, testIssuer, testAudience); err == nil {
				t.Fatal("a token of an unknown key: got no error, want one")
			}
		}
		if got := ks.listCalls() - before; got != 1 {
			t.Errorf("got %d store reads for 100 made-up kids within the interval, want 1", got)
		}
		raw := rotateInA(t)
		before = ks.listCalls() // after A's own reads
		if _, err := b.VerifyAccessToken(raw, t0, testIssuer, testAudience); err == nil {
			t.Error("a new key within the interval after a made-up kid: got no error, want unknown key id (this store announces no change)")
		}
		clock.Advance(unknownKeyReloadInterval)
		if _, err := b.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
			t.Errorf("got error %v after the interval, want none", err)
		}
		if got := ks.listCalls() - before; got != 1 {
			t.Errorf("got %d store reads for the new key, want 1 (after the interval)", got)
		}
	})
}

// watchingKeyStore is a fakeKeyStore that is a store.SigningKeyWatcher:
// changed calls the watchers, as a notification would.
type watchingKeyStore struct {
	*fakeKeyStore
	watchers []func()
}

func (w *watchingKeyStore) WatchSigningKeys(changed func()) { w.watchers = append(w.watchers, changed) }

func (w *watchingKeyStore) changed() {
	for _, f := range w.watchers {
		f()
	}
}

// TestReloadOnChangeNotification: with a store that reports key changes,
// a process reloads at once when told, and a kid it does not know after
// such a report reloads even within the unknown-kid rate limit, so junk
// kids cannot delay a key another process rotated in; junk alone still
// costs at most one read per interval.
func TestReloadOnChangeNotification(t *testing.T) {
	ctx := context.Background()
	a, fake := newKeys(t)
	ks := &watchingKeyStore{fakeKeyStore: fake}
	b, err := LoadKeys(ctx, ks, testKEK, "", time.Hour, t0)
	if err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	b.clock = clocktest.New(t0).Now
	stranger, _ := newKeys(t)
	junk := mustSignAccessToken(t, stranger, userClaims()) // a kid no store of b's has
	if _, err := b.VerifyAccessToken(junk, t0, testIssuer, testAudience); err == nil {
		t.Fatal("a token of an unknown key: got no error, want one")
	} // b reloaded once, and is now within the rate limit

	t.Run("a kid announced by a change notification verifies within the rate limit", func(t *testing.T) {
		if _, err := a.Rotate(ctx, t0); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		raw := mustSignAccessToken(t, a, userClaims())
		b.changes.Add(1) // notified, its reload not yet run
		if _, err := b.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
			t.Errorf("got error %v, want none", err)
		}
	})
	t.Run("junk kids after it are rate-limited again", func(t *testing.T) {
		before := ks.listCalls()
		for range 10 {
			_, _ = b.VerifyAccessToken(junk, t0, testIssuer, testAudience)
		}
		if got := ks.listCalls() - before; got != 0 {
			t.Errorf("got %d store reads for junk kids within the interval, want 0", got)
		}
	})
	t.Run("a change notification reloads at once", func(t *testing.T) {
		kids, err := a.Rotate(ctx, t0)
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		ks.changed()
		for deadline := time.Now().Add(time.Second); !b.knows(kids[RS256]); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the rotated-in key is not loaded a second after the notification")
			}
		}
		if got := kidOf(t, mustSignAccessToken(t, b, userClaims())); got != kids[RS256] {
			t.Errorf("b signs with kid %q, want the rotated-in %q", got, kids[RS256])
		}
	})
}

func TestVerifiedCache(t *testing.T) {
	ctx := context.Background()
	k, _ := newKeys(t)
	raw := mustSignAccessToken(t, k, userClaims())
	if _, err := k.VerifyAccessToken(raw, t0, testIssuer, "https://other.example"); err == nil {
		t.Fatal("got no error for another audience, want one")
	}
	t.Run("a refused token is not cached", func(t *testing.T) {
		if _, ok := k.verified.get(raw); ok {
			t.Error("got a cache entry, want none")
		}
	})
	if _, err := k.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
		t.Fatalf("VerifyAccessToken: %v", err)
	}
	if _, ok := k.verified.get(raw); !ok {
		t.Fatal("got no cache entry after a successful verification, want one")
	}
	for _, tc := range []struct {
		name, issuer, audience string
		now                    time.Time
		wantErr                bool
	}{
		{"a cached token verifies again", testIssuer, testAudience, t0, false},
		{"a cached token still expires (RFC 7519 Section 4.1.4)", testIssuer, testAudience, t0.Add(time.Hour), true},
		{"a cached token is still checked for iat", testIssuer, testAudience, t0.Add(-2 * clockSkew), true},
		{"a cached token is still checked for iss (RFC 9068 Section 4)", "https://evil.example", testAudience, t0, true},
		{"a cached token is still checked for aud (RFC 9068 Section 4)", testIssuer, "https://other.example", t0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := k.VerifyAccessToken(raw, tc.now, tc.issuer, tc.audience)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("got error %v, want error: %t", err, tc.wantErr)
			}
		})
	}
	t.Run("a cached token of a deleted key is refused", func(t *testing.T) {
		for _, at := range []time.Time{t0, t0.Add(2 * time.Hour)} {
			if _, err := k.Rotate(ctx, at); err != nil {
				t.Fatalf("Rotate: %v", err)
			}
		}
		_, err := k.VerifyAccessToken(raw, t0, testIssuer, testAudience)
		if err == nil || !strings.Contains(err.Error(), "unknown key id") {
			t.Errorf("got error %v, want unknown key id", err)
		}
	})
}

// TestLoadKeysErasesWhatItSealed: a start that seals a cleartext key has
// the store erase the bytes it replaced, once; one that seals nothing does
// not; and a failed erasure leaves the keys sealed and in use, with a
// warning that says to rotate them.
func TestLoadKeysErasesWhatItSealed(t *testing.T) {
	_, ks := newKeys(t)
	if ks.erases != 0 {
		t.Errorf("a new store: got %d erasures, want none", ks.erases)
	}
	der, _, err := testKEK.openRecord(ks.keys[0])
	if err != nil {
		t.Fatal(err)
	}
	ks.keys[0].PrivateKey, ks.keys[0].Encrypted = der, false // as stored before keys were sealed
	ks.eraseErr = errors.New("disk full")
	log := storetest.CaptureLog(t)
	if _, err := LoadKeys(context.Background(), ks, testKEK, "", time.Hour, t0); err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	if ks.erases != 1 || !ks.keys[0].Encrypted {
		t.Errorf("a store with a cleartext key: got %d erasures, key sealed %t; want 1, true", ks.erases, ks.keys[0].Encrypted)
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "provider keys rotate") {
		t.Errorf("log of a failed erasure: got %q, want a warning naming provider keys rotate", log.String())
	}
}

func TestVerifiedCacheStaysBounded(t *testing.T) {
	c := newVerifiedCache(8)
	entry := func(exp time.Time) *verifiedToken {
		return &verifiedToken{claims: accessTokenJSON{ExpiresAt: jwt.NewNumericDate(exp)}}
	}
	c.put("expired", entry(t0), t0)
	for i := range 100 {
		c.put(fmt.Sprint("token-", i), entry(t0.Add(time.Hour)), t0.Add(time.Second))
		if got := len(c.entries); got > 8 {
			t.Fatalf("got %d entries, want at most 8", got)
		}
	}
	if _, ok := c.get("expired"); ok {
		t.Error("got the expired entry still cached, want it evicted first")
	}
	if _, ok := c.get("token-99"); !ok {
		t.Error("got the newest entry missing, want it cached")
	}
}

func TestLoadKeys(t *testing.T) {
	ctx := context.Background()
	t.Run("an empty store gets an RSA 2048 RS256 key and an ES256 key", func(t *testing.T) {
		k, ks := newKeys(t)
		if len(ks.keys) != 2 {
			t.Fatalf("got %d keys, want 2", len(ks.keys))
		}
		if rec, ok := ks.get(currentKID(k, ES256)); !ok || rec.Algorithm != "ES256" {
			t.Errorf("got ES256 key %+v (found: %t), want one", rec, ok)
		}
		rec, _ := ks.get(currentKID(k))
		if rec.ID != currentKID(k) || rec.Algorithm != "RS256" || !rec.CreatedAt.Equal(t0) {
			t.Errorf("got key %q %q created %v, want %q RS256 created %v", rec.ID, rec.Algorithm, rec.CreatedAt, currentKID(k), t0)
		}
		der, current, err := testKEK.openRecord(rec)
		if err != nil || !current {
			t.Fatalf("open the stored key: %v (sealed with the current KEK: %t)", err, current)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatalf("stored key is not PKCS #8: %v", err)
		}
		if key, ok := parsed.(*rsa.PrivateKey); !ok || key.N.BitLen() != 2048 {
			t.Errorf("got %T, want a 2048-bit RSA key", parsed)
		}
	})
	t.Run("an existing key is used, none generated", func(t *testing.T) {
		k1, ks := newKeys(t)
		k2, err := LoadKeys(ctx, ks, testKEK, "", time.Hour, t0.Add(time.Hour))
		if err != nil {
			t.Fatalf("LoadKeys: %v", err)
		}
		if len(ks.keys) != 2 || currentKID(k2) != currentKID(k1) {
			t.Errorf("got %d keys and kid %q, want 2 keys and kid %q", len(ks.keys), currentKID(k2), currentKID(k1))
		}
	})
	t.Run("a store error is returned", func(t *testing.T) {
		ks := &fakeKeyStore{listErr: errors.New("database down")}
		if _, err := LoadKeys(ctx, ks, testKEK, "", time.Hour, t0); !errors.Is(err, ks.listErr) {
			t.Errorf("got error %v, want %v", err, ks.listErr)
		}
	})
	t.Run("a stored key that is not RS256 is an error", func(t *testing.T) {
		_, ks := newKeys(t)
		ks.keys[0].Algorithm = "HS256"
		if _, err := LoadKeys(ctx, ks, testKEK, "", time.Hour, t0); err == nil {
			t.Error("got no error, want one")
		}
	})
	t.Run("a failed Reload keeps the keys in use", func(t *testing.T) {
		k, ks := newKeys(t)
		kid := currentKID(k)
		ks.listErr = errors.New("database down")
		if err := k.Reload(ctx); err == nil {
			t.Error("got no error, want one")
		}
		if got := currentKID(k); got != kid {
			t.Errorf("got kid %q, want %q", got, kid)
		}
	})
}

// jwksKIDs returns the kids of a JWK Set's keys for alg, in order.
// jwksOf returns k's JWK Set without its entity tag.
func jwksOf(k *Keys) []byte {
	jwks, _ := k.JWKS()
	return jwks
}

func jwksKIDs(t *testing.T, b []byte, alg Algorithm) []string {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatalf("unmarshal JWKS: %v", err)
	}
	var kids []string
	for _, key := range set.Keys {
		if key.Algorithm == string(alg) {
			kids = append(kids, key.KeyID)
		}
	}
	return kids
}

func TestJWKS(t *testing.T) {
	k, _ := newKeys(t)
	pub := &currentPrivateKey(k).PublicKey

	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(jwksOf(k), &doc); err != nil {
		t.Fatalf("JWKS is not a JWK Set of string members: %v\n%s", err, jwksOf(k))
	}
	if len(doc.Keys) != 2 {
		t.Fatalf("got %d keys, want 2 (RS256 and ES256)", len(doc.Keys))
	}
	slices.SortFunc(doc.Keys, func(a, b map[string]string) int { return strings.Compare(a["alg"], b["alg"]) })
	// RFC 7517 Section 4 and RFC 7518 Section 6.3.1: exactly the public members.
	thumbprint, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"kty": "RSA",
		"kid": base64.RawURLEncoding.EncodeToString(thumbprint), // RFC 7638
		"use": "sig",
		"alg": "RS256",
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   "AQAB",
	}
	if diff := cmp.Diff(want, doc.Keys[1]); diff != "" {
		t.Errorf("RSA JWK mismatch (-want +got):\n%s", diff)
	}
	// RFC 7518 Section 6.2.1: an EC public key is crv, x and y.
	ec := k.current.Load().byID[currentKID(k, ES256)].key.(*ecdsa.PrivateKey).PublicKey
	ecPoint, err := ec.Bytes() // 0x04 || x || y, 32 bytes each on P-256
	if err != nil {
		t.Fatal(err)
	}
	wantEC := map[string]string{
		"kty": "EC", "kid": currentKID(k, ES256), "use": "sig", "alg": "ES256", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(ecPoint[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(ecPoint[33:]),
	}
	if diff := cmp.Diff(wantEC, doc.Keys[0]); diff != "" {
		t.Errorf("EC JWK mismatch (-want +got):\n%s", diff)
	}

	t.Run("a resource server can verify offline with the JWKS alone", func(t *testing.T) {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(jwksOf(k), &set); err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.ParseSigned(mustSignAccessToken(t, k, userClaims()), []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		var c jwt.Claims
		if err := tok.Claims(set, &c); err != nil {
			t.Errorf("got error %v, want the JWKS to verify the token", err)
		}
	})
}

func TestSignIDToken(t *testing.T) {
	k, _ := newKeys(t)
	base := IDTokenClaims{
		Issuer: testIssuer, Subject: "user1", Audience: "testclient",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), AuthTime: t0.Add(-time.Minute),
	}
	baseWire := func() map[string]any {
		return map[string]any{
			"iss": testIssuer, "sub": "user1", "aud": "testclient",
			"iat": float64(t0.Unix()), "exp": float64(t0.Add(time.Hour).Unix()),
			"auth_time": float64(t0.Add(-time.Minute).Unix()),
		}
	}
	for _, tc := range []struct {
		name   string
		mutate func(*IDTokenClaims)
		want   func(map[string]any)
	}{
		{"required claims only; empty optional claims are omitted (OIDC Core Section 2)",
			func(*IDTokenClaims) {}, func(map[string]any) {}},
		{"nonce, at_hash, name, email and email_verified when set (OIDC Core Sections 2, 5.1)",
			func(c *IDTokenClaims) {
				c.Nonce, c.AccessToken, c.Name, c.Email, c.EmailVerified = "n-0S6", appendixAAccessToken, "Demo User", "demo@example.com", true
			},
			func(m map[string]any) {
				m["nonce"], m["at_hash"], m["name"], m["email"], m["email_verified"] = "n-0S6", "77QmUPtjPfzWtF2AnpK9RQ", "Demo User", "demo@example.com", true
			}},
		{"email_verified false is sent with an email",
			func(c *IDTokenClaims) { c.Email = "demo@example.com" },
			func(m map[string]any) { m["email"], m["email_verified"] = "demo@example.com", false }},
		{"email_verified is not sent without an email",
			func(c *IDTokenClaims) { c.EmailVerified = true },
			func(map[string]any) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mutate(&c)
			raw, err := k.SignIDToken(c, "")
			if err != nil {
				t.Fatalf("SignIDToken: %v", err)
			}
			wantHeader := map[string]any{"alg": "RS256", "typ": "JWT", "kid": currentKID(k)}
			if diff := cmp.Diff(wantHeader, jwttest.Part(t, raw, jwttest.Header)); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			want := baseWire()
			tc.want(want)
			if diff := cmp.Diff(want, jwttest.Part(t, raw, jwttest.Claims)); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}
			tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
			if err != nil {
				t.Fatal(err)
			}
			var claims jwt.Claims
			if err := tok.Claims(&currentPrivateKey(k).PublicKey, &claims); err != nil {
				t.Errorf("got error %v, want a valid signature", err)
			}
		})
	}
	t.Run("auth_time is required (always sent)", func(t *testing.T) {
		c := base
		c.AuthTime = time.Time{}
		if raw, err := k.SignIDToken(c, ""); err == nil {
			t.Errorf("got token %q, want an error", raw)
		}
	})
}

// appendixAAccessToken is the access token of the examples in OIDC Core
// Appendix A (A.3 onwards); its RS256 at_hash is "77QmUPtjPfzWtF2AnpK9RQ".
const appendixAAccessToken = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"

func TestAtHash(t *testing.T) {
	// The examples of the oidc-token-hash package, an independent
	// implementation: one token hashed for RS256 and for EdDSA on Ed25519.
	const panvaToken = "YmJiZTAwYmYtMzgyOC00NzhkLTkyOTItNjJjNDM3MGYzOWIy9sFhvH8K_x8UIHj1osisS57f5DduL-ar_qw5jl3lthwpMjm283aVMQXDmoqqqydDSqJfbhptzw8rUVwkuQbolw"
	for _, tc := range []struct {
		name     string
		alg      Algorithm
		in, want string
	}{
		{"RS256 hashes with SHA-256 (OIDC Core Section 3.1.3.6)", RS256, panvaToken, "x7vk7f6BvQj0jQHYFIk4ag"},
		{"ES256 hashes with SHA-256, as RS256", ES256, panvaToken, "x7vk7f6BvQj0jQHYFIk4ag"},
		{"EdDSA on Ed25519 hashes with SHA-512", EdDSA, panvaToken, "EGEAhGYyfuwDaVTifvrWSoD5MSy_5hZPy6I7Vm-7pTQ"},
		// The access token and at_hash of the examples in OIDC Core Appendix A
		// (A.3 onwards). The token is sometimes quoted as
		// "jHkWEdUXMU1BwAsC4vtUsZwnNWPM1qr-tD1yGm64H4g"; the published value
		// is the one below, whose at_hash matches the specification.
		{"at_hash of the OIDC Core Appendix A access token (Section 3.1.3.6)", RS256,
			appendixAAccessToken, "77QmUPtjPfzWtF2AnpK9RQ"},
		// c_hash (OIDC Core Section 3.3.2.11) is the same construction over the code;
		// this pair is the code and c_hash of Appendix A.4.
		{"c_hash of the OIDC Core Appendix A.4 code uses the same construction", RS256,
			"Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk", "LDktKdoQak3Pk0cnXxCltA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := atHash(tc.alg, tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestKeysConcurrentUse signs and verifies while keys rotate, for -race.
func TestKeysConcurrentUse(t *testing.T) {
	ctx := context.Background()
	k, _ := newKeys(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				raw, err := k.SignAccessToken(userClaims())
				if err != nil {
					t.Errorf("SignAccessToken: %v", err)
					return
				}
				if _, err := k.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
					t.Errorf("VerifyAccessToken: %v", err)
				}
				_, _ = k.JWKS()
			}
		})
	}
	wg.Go(func() {
		for i := range 2 {
			if _, err := k.Rotate(ctx, t0.Add(time.Duration(i+1)*time.Second)); err != nil {
				t.Errorf("Rotate: %v", err)
			}
		}
	})
	wg.Wait()
}

// signingInput returns the JWS Signing Input and signature of a compact JWS.
func signingInput(t testing.TB, raw string) ([]byte, []byte) {
	t.Helper()
	i := strings.LastIndexByte(raw, '.')
	sig, err := base64.RawURLEncoding.DecodeString(raw[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	return []byte(raw[:i]), sig
}

// BenchmarkSignAccessToken signs a client credentials access token with
// each algorithm ("token"), beside the bare signature of the same JWS
// Signing Input by the same key, hashing included ("bare", what
// crypto.Signer does alone). The difference is what the claims' encoding
// and the compact serialization cost.
func BenchmarkSignAccessToken(b *testing.B) {
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		k, _ := loadKeysFor(b, alg)
		c := clientCredentialsClaims()
		b.Run(string(alg)+"/token", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.SignAccessToken(c); err != nil {
					b.Fatal(err)
				}
			}
		})
		input, _ := signingInput(b, mustSignAccessToken(b, k, c))
		signer := k.current.Load().signers[alg].accessToken.key
		b.Run(string(alg)+"/bare", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bareSign(signer, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bareSign signs input with key through crypto.Signer alone: SHA-256 then
// the signature, or Ed25519 over the input itself.
func bareSign(key crypto.Signer, input []byte) ([]byte, error) {
	if _, ok := key.(ed25519.PrivateKey); ok {
		return key.Sign(nil, input, crypto.Hash(0))
	}
	digest := sha256.Sum256(input)
	return key.Sign(rand.Reader, digest[:], crypto.SHA256)
}

// BenchmarkVerifyAccessToken is the steady state of a bearer check: a client
// presents the same token again, and it is found in the verified cache.
func BenchmarkVerifyAccessToken(b *testing.B) {
	k, _ := newKeys(b)
	raw := mustSignAccessToken(b, k, userClaims())
	for b.Loop() {
		if _, err := k.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAccessTokenUncached is a token's first presentation: JWS
// parse, RSA verification, claims decoding and checks.
func BenchmarkVerifyAccessTokenUncached(b *testing.B) {
	k, _ := newKeys(b)
	k.verified = newVerifiedCache(0)
	raw := mustSignAccessToken(b, k, userClaims())
	for b.Loop() {
		if _, err := k.VerifyAccessToken(raw, t0, testIssuer, testAudience); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRS256Verify is the floor for BenchmarkVerifyAccessToken: hashing
// the same signing input and one bare PKCS #1 v1.5 verification.
func BenchmarkRS256Verify(b *testing.B) {
	k, _ := newKeys(b)
	input, sig := signingInput(b, mustSignAccessToken(b, k, userClaims()))
	pub := &currentPrivateKey(k).PublicKey
	for b.Loop() {
		digest := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// kidOf returns the "kid" of an RS256 JWS's header (RFC 7515 Section 4.1.4).
func kidOf(t *testing.T, raw string) string {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Headers[0].KeyID
}
