package token

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// idTokenType is the JOSE "typ" of an ID Token, the JWT default of
// [RFC 7519 Section 5.1].
//
// [RFC 7519 Section 5.1]: https://www.rfc-editor.org/rfc/rfc7519#section-5.1
const idTokenType = "JWT"

// IDTokenClaims are the claims of an OpenID Connect ID Token,
// [OpenID Connect Core 1.0 Section 2], with the profile and email claims of
// [OpenID Connect Core 1.0 Section 5.1] the provider knows.
//
// [OpenID Connect Core 1.0 Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
// [OpenID Connect Core 1.0 Section 5.1]: https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
type IDTokenClaims struct {
	Issuer, Subject, Audience     string // Audience = client_id
	IssuedAt, ExpiresAt, AuthTime time.Time
	Nonce                         string // omitted when ""
	AtHash                        string // omitted when ""
	Name, Email                   string // omitted when "" (profile/email claims)
	EmailVerified                 bool   // only emitted when Email != ""
}

// idTokenJSON is the JWT Claims Set of an ID Token.
type idTokenJSON struct {
	Issuer        string          `json:"iss"`
	Subject       string          `json:"sub"`
	Audience      string          `json:"aud"`
	ExpiresAt     jwt.NumericDate `json:"exp"`
	IssuedAt      jwt.NumericDate `json:"iat"`
	AuthTime      jwt.NumericDate `json:"auth_time"`
	Nonce         string          `json:"nonce,omitempty"`
	AtHash        string          `json:"at_hash,omitempty"`
	Name          string          `json:"name,omitempty"`
	Email         string          `json:"email,omitempty"`
	EmailVerified *bool           `json:"email_verified,omitempty"`
}

// SignIDToken issues c as an ID Token, [OpenID Connect Core 1.0 Section 2]:
// header "alg" "RS256", "kid" and "typ" "JWT"; claims iss, sub, aud, exp,
// iat and auth_time always, nonce, at_hash, name, email and email_verified
// when set.
//
// [OpenID Connect Core 1.0 Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
func (k *Keys) SignIDToken(c IDTokenClaims) (string, error) {
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
		ExpiresAt: jwt.NumericDate(c.ExpiresAt.Unix()),
		IssuedAt:  jwt.NumericDate(c.IssuedAt.Unix()),
		AuthTime:  jwt.NumericDate(c.AuthTime.Unix()),
		Nonce:     c.Nonce,
		AtHash:    c.AtHash,
		Name:      c.Name,
		Email:     c.Email,
	}
	if c.Email != "" {
		claims.EmailVerified = &c.EmailVerified
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("token: encode ID token claims: %w", err)
	}
	return sign(k.current.Load().signer.idToken, payload)
}

// AtHash returns the at_hash of an access token for an RS256 ID Token,
// [OpenID Connect Core 1.0 Section 3.1.3.6]: "Its value is the base64url
// encoding of the left-most half of the hash of the octets of the ASCII
// representation of the access_token value, where the hash algorithm used is
// the hash algorithm used in the alg Header Parameter of the ID Token's JOSE
// Header."
//
// [OpenID Connect Core 1.0 Section 3.1.3.6]: https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
