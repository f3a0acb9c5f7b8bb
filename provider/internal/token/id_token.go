package token

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// idTokenType is the JOSE "typ" of an ID Token, the JWT default of
// [RFC 7519 Section 5.1].
//
// [RFC 7519 Section 5.1]: https://www.rfc-editor.org/rfc/rfc7519#section-5.1
const idTokenType = "JWT"

// IDTokenClaims are the claims of an OpenID Connect ID Token,
// [OIDC Core Section 2], with the profile and email claims of
// [OIDC Core Section 5.1] the provider knows.
//
// [OIDC Core Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
// [OIDC Core Section 5.1]: https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
type IDTokenClaims struct {
	Issuer, Subject, Audience     string // Audience = client_id
	IssuedAt, ExpiresAt, AuthTime time.Time
	Nonce                         string // omitted when ""
	// AccessToken, when not "", is the access token issued with the ID
	// Token; SignIDToken puts its hash in at_hash.
	AccessToken   string
	Name, Email   string // omitted when "" (profile/email claims)
	EmailVerified bool   // only emitted when Email != ""
}

// idTokenJSON is the JWT Claims Set of an ID Token. Times are whole seconds
// (NumericDate, [RFC 7519 Section 2]) in plain integers, which encoding/json
// writes without a marshaler method; the only ID Tokens read back are this
// provider's own (VerifyIDTokenHint), which have no fractions.
//
// [RFC 7519 Section 2]: https://www.rfc-editor.org/rfc/rfc7519#section-2
type idTokenJSON struct {
	Issuer        string `json:"iss"`
	Subject       string `json:"sub"`
	Audience      string `json:"aud"`
	ExpiresAt     int64  `json:"exp"`
	IssuedAt      int64  `json:"iat"`
	AuthTime      int64  `json:"auth_time"`
	Nonce         string `json:"nonce,omitempty"`
	AtHash        string `json:"at_hash,omitempty"`
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
}

// SignIDToken issues c as an ID Token, [OIDC Core Section 2], signed with
// alg: the client's registered id_token_signed_response_alg, or "" for the
// default of [OIDC Registration Section 2]: "The default, if omitted, is
// RS256." The header has "alg", "kid" and "typ" "JWT"; the claims iss, sub,
// aud, exp, iat and auth_time always, nonce, at_hash, name, email and
// email_verified when set. An alg without a key here is an error (Algorithms
// lists those with one).
//
// [OIDC Core Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
func (k *Keys) SignIDToken(c IDTokenClaims, alg Algorithm) (string, error) {
	if alg == "" {
		alg = RS256
	}
	if c.Issuer == "" || c.Subject == "" || c.Audience == "" {
		return "", errors.New("token: ID token needs iss, sub and aud")
	}
	if c.IssuedAt.IsZero() || c.AuthTime.IsZero() || !c.ExpiresAt.After(c.IssuedAt) {
		return "", errors.New("token: ID token needs iat, auth_time, and exp after iat")
	}
	claims := idTokenJSON{
		Issuer:    c.Issuer,
		Subject:   c.Subject,
		Audience:  c.Audience,
		ExpiresAt: c.ExpiresAt.Unix(),
		IssuedAt:  c.IssuedAt.Unix(),
		AuthTime:  c.AuthTime.Unix(),
		Nonce:     c.Nonce,
		Name:      c.Name,
		Email:     c.Email,
	}
	if c.Email != "" {
		claims.EmailVerified = &c.EmailVerified
	}
	if c.AccessToken != "" {
		claims.AtHash = atHash(alg, c.AccessToken)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("token: encode ID token claims: %w", err)
	}
	s, err := k.signer(alg)
	if err != nil {
		return "", err
	}
	return s.idToken.sign(payload)
}

// VerifyIDTokenHint checks that raw is an ID Token this provider issued,
// for an id_token_hint of [OIDC RP-Initiated Logout Section 2]: "When an
// id_token_hint parameter is present, the OP MUST validate that it was the
// issuer of the ID Token", or of an authorization request
// ([OIDC Core Section 3.1.2.1]: "ID Token previously issued by the
// Authorization Server being passed as a hint about the End-User's current
// or past authenticated session with the Client"). It checks the "typ" (an
// access token is not an ID Token), the signature by a key the provider
// publishes, iss, and that sub and aud are present. It does not check exp:
// "The OP SHOULD accept ID Tokens when the RP identified by the ID Token's
// aud claim and/or sid claim has a current session or had a recent session
// at the OP, even when the exp time has passed" (logout); a past session is
// a hint as good as a current one (authorization). A token signed by a key
// deleted after its retirement no longer verifies, which bounds how old a
// hint can be.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func (k *Keys) VerifyIDTokenHint(raw, issuer string) (IDTokenClaims, error) {
	if len(raw) > maxTokenLength {
		return IDTokenClaims{}, errors.New("token: too long")
	}
	_, payload, err := k.verifySignature(raw, checkIDTokenType)
	if err != nil {
		return IDTokenClaims{}, err
	}
	var c idTokenJSON
	if err := json.Unmarshal(payload, &c); err != nil {
		return IDTokenClaims{}, fmt.Errorf("token: ID token claims: %w", err)
	}
	if c.Issuer != issuer {
		return IDTokenClaims{}, fmt.Errorf("token: iss %q is not %q", c.Issuer, issuer)
	}
	if c.Subject == "" || c.Audience == "" {
		return IDTokenClaims{}, errors.New("token: ID token without sub or aud")
	}
	return IDTokenClaims{Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience,
		IssuedAt: time.Unix(c.IssuedAt, 0), ExpiresAt: time.Unix(c.ExpiresAt, 0), AuthTime: time.Unix(c.AuthTime, 0)}, nil
}

// checkIDTokenType accepts the "typ" this provider gives its ID Tokens, so
// that an access token ("at+jwt") cannot pass as one.
func checkIDTokenType(h jose.Header) error {
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != idTokenType {
		return fmt.Errorf("token: typ %q is not an ID token's %s", typ, idTokenType)
	}
	return nil
}

// atHash returns the at_hash of an access token for an ID Token signed with
// alg, [OIDC Core Section 3.1.3.6]: "Its value is the base64url encoding of
// the left-most half of the hash of the octets of the ASCII representation
// of the access_token value". tokenHash says which hash.
//
// [OIDC Core Section 3.1.3.6]: https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
func atHash(alg Algorithm, accessToken string) string {
	h := tokenHash(alg)
	h.Write([]byte(accessToken))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// tokenHash returns the hash behind at_hash for an ID Token signed with alg.
// [OIDC Core Section 3.1.3.6]: "the hash algorithm used is the hash
// algorithm used in the alg Header Parameter of the ID Token's JOSE Header":
// SHA-256 for RS256 and ES256. EdDSA names no hash of its own; for Ed25519
// the OpenID Connect working group settled on SHA-512, the hash inside
// Ed25519 ([OpenID Connect Token Hash Algorithms]).
//
// [OIDC Core Section 3.1.3.6]: https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
// [OpenID Connect Token Hash Algorithms]: https://openid.net/specs/openid-connect-token-hash-algorithms-1_0.html
func tokenHash(alg Algorithm) hash.Hash {
	if alg == EdDSA {
		return sha512.New()
	}
	return sha256.New()
}
