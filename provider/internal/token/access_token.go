package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	// accessTokenType is the JOSE "typ" of an access token. [RFC 9068 Section 2.1]:
	// "Per the definition of "typ" in Section 4.1.9 of [RFC7515], it is
	// RECOMMENDED that the "application/" prefix be omitted. Therefore, the
	// "typ" value used SHOULD be "at+jwt"."
	//
	// [RFC 9068 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9068#section-2.1
	accessTokenType = "at+jwt"
	// maxTokenLength bounds the input VerifyAccessToken will parse. The
	// provider's access tokens are under 1 KiB.
	maxTokenLength = 8 << 10
	// clockSkew is how far in the future "iat" and "nbf" may lie, to allow
	// for clocks of processes that disagree a little.
	clockSkew = time.Minute
)

// AccessTokenClaims are the claims of a JWT access token, [RFC 9068 Section 2.2].
//
// [RFC 9068 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
type AccessTokenClaims struct {
	Issuer   string
	Subject  string // user id, or client_id for client credentials
	Audience string // the resource server (default = issuer)
	ClientID string
	Scope    string // space-separated
	GrantID  string // claim name "gid"; "" for client credentials
	JTI      string
	// Times go on the wire as whole seconds (NumericDate,
	// RFC 7519 Section 2), so they come back from VerifyAccessToken
	// truncated.
	IssuedAt  time.Time
	ExpiresAt time.Time
	AuthTime  time.Time // optional; "auth_time" when non-zero
	// JKT is the thumbprint of the DPoP key the token is bound to, claim
	// "cnf": {"jkt": …} ([RFC 9449 Section 6.1]); "" for a Bearer token.
	//
	// [RFC 9449 Section 6.1]: https://www.rfc-editor.org/rfc/rfc9449#section-6.1
	JKT string
}

// Confirmation is the "cnf" claim of [RFC 7800 Section 3.1] with the jkt member of
// [RFC 9449 Section 6.1].
//
// [RFC 7800 Section 3.1]: https://www.rfc-editor.org/rfc/rfc7800#section-3.1
// [RFC 9449 Section 6.1]: https://www.rfc-editor.org/rfc/rfc9449#section-6.1
type Confirmation struct {
	JKT string `json:"jkt"`
}

// accessTokenJSON is the JWT Claims Set of an access token as
// VerifyAccessToken reads it: the wire names of [RFC 9068 Section 2.2] and
// the provider's own "gid", in go-jose's types, which accept every form
// [RFC 7519 Section 4.1.3] and [RFC 7519 Section 2] allow ("aud" a string
// or an array, times with fractions).
//
// [RFC 9068 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
// [RFC 7519 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1.3
// [RFC 7519 Section 2]: https://www.rfc-editor.org/rfc/rfc7519#section-2
type accessTokenJSON struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  jwt.Audience     `json:"aud"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	NotBefore *jwt.NumericDate `json:"nbf,omitempty"` // never issued; checked when present
	JTI       string           `json:"jti"`
	ClientID  string           `json:"client_id"`
	Scope     string           `json:"scope,omitempty"`
	GrantID   string           `json:"gid,omitempty"`
	AuthTime  *jwt.NumericDate `json:"auth_time,omitempty"`
	Cnf       *Confirmation    `json:"cnf,omitempty"`
}

// issuedAccessTokenJSON is the same claims set as SignAccessToken writes
// it: one audience as a string, times as whole seconds. Its fields are plain
// strings and integers because encoding/json writes those directly, while
// go-jose's types go through their MarshalJSON methods, which allocate and
// whose output encoding/json parses again: that was most of what a token cost
// beyond its signature.
type issuedAccessTokenJSON struct {
	Issuer    string        `json:"iss"`
	Subject   string        `json:"sub"`
	Audience  string        `json:"aud"`
	ExpiresAt int64         `json:"exp"`
	IssuedAt  int64         `json:"iat"`
	JTI       string        `json:"jti"`
	ClientID  string        `json:"client_id"`
	Scope     string        `json:"scope,omitempty"`
	GrantID   string        `json:"gid,omitempty"`
	AuthTime  int64         `json:"auth_time,omitempty"` // 0, so omitted, when the claims have none
	Cnf       *Confirmation `json:"cnf,omitempty"`
}

// The checks of [RFC 9068 Section 4] that a token signed by this server can
// still fail, told apart so that a resource can say which one a token failed:
// VerifyAccessToken's error wraps one of them (errors.Is) when the token is
// well formed, signed by a known key and issued by this issuer. Any other
// error means the token is not a valid access token of this server.
//
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
var (
	ErrWrongAudience = errors.New("token: not issued for this resource server (aud)")
	ErrExpired       = errors.New("token: expired")
	ErrNotYetValid   = errors.New("token: not valid yet")
)

// SignAccessToken issues c as a JWT access token, [RFC 9068 Section 2]:
// header "typ" "at+jwt", "alg" AccessTokenAlgorithm and the signing key's "kid"; claims
// iss, sub, aud, exp, iat, jti and client_id, and scope, gid and auth_time
// when set. It refuses claims that lack a REQUIRED one.
//
// [RFC 9068 Section 2]: https://www.rfc-editor.org/rfc/rfc9068#section-2
func (k *Keys) SignAccessToken(c AccessTokenClaims) (string, error) {
	if err := c.checkRequired(); err != nil {
		return "", err
	}
	payload, err := json.Marshal(issuedAccessTokenJSON{
		Issuer:    c.Issuer,
		Subject:   c.Subject,
		Audience:  c.Audience,
		ExpiresAt: c.ExpiresAt.Unix(),
		IssuedAt:  c.IssuedAt.Unix(),
		JTI:       c.JTI,
		ClientID:  c.ClientID,
		Scope:     c.Scope,
		GrantID:   c.GrantID,
		AuthTime:  unixOrZero(c.AuthTime),
		Cnf:       confirmation(c.JKT),
	})
	if err != nil {
		return "", fmt.Errorf("token: encode access token claims: %w", err)
	}
	s, err := k.signer(k.accessTokenAlg)
	if err != nil {
		return "", err
	}
	return s.accessToken.sign(payload)
}

// unixOrZero is t in seconds since the epoch, or 0 for the zero time.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// checkRequired refuses to issue a token without the claims that
// [RFC 9068 Section 2.2] marks REQUIRED (scope is only RECOMMENDED).
//
// [RFC 9068 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
func (c AccessTokenClaims) checkRequired() error {
	if c.Issuer == "" || c.Subject == "" || c.Audience == "" || c.ClientID == "" || c.JTI == "" {
		return errors.New("token: access token needs iss, sub, aud, client_id and jti")
	}
	if c.IssuedAt.IsZero() || !c.ExpiresAt.After(c.IssuedAt) {
		return errors.New("token: access token needs iat, and exp after it")
	}
	return nil
}

// signer returns the signers of the newest key of alg.
func (k *Keys) signer(alg Algorithm) (*signingKey, error) {
	if s := k.current.Load().signers[alg]; s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("token: no %s signing key", alg)
}

// confirmation is the cnf claim binding a token to the DPoP key jkt, or nil.
func confirmation(jkt string) *Confirmation {
	if jkt == "" {
		return nil
	}
	return &Confirmation{JKT: jkt}
}

// VerifyAccessToken validates raw as a JWT access token for the resource
// server audience at time now, following [RFC 9068 Section 4]: the "typ",
// the signature by a known "kid" with that key's algorithm, iss, aud, exp,
// and an iat that is not in the future. The returned claims' Audience is
// audience.
//
// A "kid" not among the loaded keys makes it Reload, at most once per
// unknownKeyReloadInterval, to pick up a key another process rotated in. A
// token seen before is found in a cache of verified tokens and skips the
// parse and the RSA verification, but never the other checks (see
// verifiedCache).
//
// The caller answers every error with invalid_token ([RFC 6750 Section 3.1]);
// ErrWrongAudience, ErrExpired and ErrNotYetValid tell it which check
// failed. Revocation is the caller's check.
//
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func (k *Keys) VerifyAccessToken(raw string, now time.Time, issuer, audience string) (AccessTokenClaims, error) {
	if len(raw) > maxTokenLength {
		return AccessTokenClaims{}, errors.New("token: too long")
	}
	v, cached := k.verified.get(raw)
	if !cached || !k.knows(v.kid) {
		var err error
		if v, err = k.verifyJWS(raw); err != nil {
			return AccessTokenClaims{}, err
		}
	}
	if err := v.claims.check(now, issuer, audience); err != nil {
		return AccessTokenClaims{}, err
	}
	if !cached {
		k.verified.put(raw, v, now)
	}
	return v.claims.claims(audience), nil
}

// verifyJWS parses raw, checks its "typ" and its signature by the key its
// "kid" names, and decodes its claims.
func (k *Keys) verifyJWS(raw string) (*verifiedToken, error) {
	// [RFC 9068 Section 4]: "The resource server MUST validate the signature
	// of all incoming JWT access tokens according to [RFC7515] using the
	// algorithm specified in the JWT "alg" Header Parameter."
	//
	// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
	kid, payload, err := k.verifySignature(raw, checkAccessTokenType)
	if err != nil {
		return nil, err
	}
	v := &verifiedToken{kid: kid}
	if err := json.Unmarshal(payload, &v.claims); err != nil {
		return nil, fmt.Errorf("token: claims: %w", err)
	}
	return v, nil
}

// verifySignature parses raw as a JWS, checks its header with checkType and
// its signature by the key its "kid" names, and returns that kid and the
// payload.
func (k *Keys) verifySignature(raw string, checkType func(jose.Header) error) (string, []byte, error) {
	// [RFC 7519 Section 1]: "JWTs are always represented using the JWS
	// Compact Serialization or the JWE Compact Serialization."
	//
	// [RFC 7519 Section 1]: https://www.rfc-editor.org/rfc/rfc7519#section-1
	jws, err := jose.ParseSignedCompact(raw, supportedAlgorithms)
	if err != nil {
		return "", nil, fmt.Errorf("token: not a JWS with alg RS256, ES256 or EdDSA: %w", err)
	}
	header := jws.Signatures[0].Header
	if err := checkType(header); err != nil {
		return "", nil, err
	}
	key, err := k.verificationKey(header.KeyID)
	if err != nil {
		return "", nil, err
	}
	// The alg must be the one the key is for ([RFC 8725 Section 3.1]: "each
	// key MUST be used with exactly one algorithm"), so a header cannot pick
	// how a key is used.
	//
	// [RFC 8725 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8725#section-3.1
	if header.Algorithm != string(key.alg) {
		return "", nil, fmt.Errorf("token: alg %q is not %s, the algorithm of key %q", header.Algorithm, key.alg, header.KeyID)
	}
	payload, err := jws.Verify(key.key.Public())
	if err != nil {
		return "", nil, fmt.Errorf("token: signature: %w", err)
	}
	return header.KeyID, payload, nil
}

// checkAccessTokenType keeps ID Tokens and other JWTs from passing as access
// tokens. [RFC 9068 Section 4]: "The resource server MUST verify that the
// "typ" header value is "at+jwt" or "application/at+jwt" and reject tokens
// carrying any other value." Media types compare case-insensitively
// ([RFC 7515 Section 4.1.9]).
//
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
// [RFC 7515 Section 4.1.9]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.9
func checkAccessTokenType(h jose.Header) error {
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if strings.EqualFold(typ, accessTokenType) || strings.EqualFold(typ, "application/"+accessTokenType) {
		return nil
	}
	return fmt.Errorf("token: typ %q is not %s", typ, accessTokenType)
}

// check validates the claims of a token whose signature is good, [RFC 9068 Section 4].
//
// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
func (c *accessTokenJSON) check(now time.Time, issuer, audience string) error {
	if c.Issuer == "" || c.Subject == "" || len(c.Audience) == 0 || c.ClientID == "" ||
		c.JTI == "" || c.ExpiresAt == nil || c.IssuedAt == nil {
		return errors.New("token: missing a required claim (RFC 9068 Section 2.2)")
	}
	// [RFC 9068 Section 4]: "The issuer identifier for the authorization
	// server (which is typically obtained during discovery) MUST exactly
	// match the value of the "iss" claim."
	//
	// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
	if c.Issuer != issuer {
		return fmt.Errorf("token: iss %q is not %q", c.Issuer, issuer)
	}
	// [RFC 9068 Section 4]: "The resource server MUST validate that the "aud"
	// claim contains a resource indicator value corresponding to an
	// identifier the resource server expects for itself."
	//
	// [RFC 9068 Section 4]: https://www.rfc-editor.org/rfc/rfc9068#section-4
	if !c.Audience.Contains(audience) {
		return fmt.Errorf("%w: it does not contain %q", ErrWrongAudience, audience)
	}
	// [RFC 7519 Section 4.1.4]: "the current date/time MUST be before the
	// expiration date/time listed in the "exp" claim."
	//
	// [RFC 7519 Section 4.1.4]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
	if !now.Before(c.ExpiresAt.Time()) {
		return ErrExpired
	}
	if c.IssuedAt.Time().After(now.Add(clockSkew)) {
		return fmt.Errorf("%w: issued in the future", ErrNotYetValid)
	}
	// [RFC 7519 Section 4.1.5]: "the current date/time MUST be after or equal
	// to the not-before date/time listed in the "nbf" claim."
	//
	// [RFC 7519 Section 4.1.5]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1.5
	if c.NotBefore != nil && c.NotBefore.Time().After(now.Add(clockSkew)) {
		return fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	}
	return nil
}

// claims converts checked wire claims back; aud is reported as the audience
// that was checked.
func (c *accessTokenJSON) claims(audience string) AccessTokenClaims {
	out := AccessTokenClaims{
		Issuer:    c.Issuer,
		Subject:   c.Subject,
		Audience:  audience,
		ClientID:  c.ClientID,
		Scope:     c.Scope,
		GrantID:   c.GrantID,
		JTI:       c.JTI,
		IssuedAt:  c.IssuedAt.Time(),
		ExpiresAt: c.ExpiresAt.Time(),
	}
	if c.AuthTime != nil {
		out.AuthTime = c.AuthTime.Time()
	}
	if c.Cnf != nil {
		out.JKT = c.Cnf.JKT
	}
	return out
}
