package oauth

import (
	"crypto/subtle"

	"github.com/oauth-reference/provider/internal/store"
)

// CodeChallengeMethodS256 is the only PKCE transformation this provider
// accepts. [RFC 9700 Section 2.1.1]: "Authorization servers MUST support
// PKCE … If PKCE is used, the code challenge method S256 SHOULD be used";
// "plain" gives no protection when the request leaks, so it is refused
// rather than accepted as a downgrade.
//
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
const CodeChallengeMethodS256 = "S256"

// S256Challenge computes the code challenge of a verifier, as a client
// does ([RFC 7636 Section 4.2]):
// code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). The
// server computes the same transform in s256Matches.
//
// [RFC 7636 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7636#section-4.2
func S256Challenge(verifier string) string {
	challenge := hashText(verifier)
	return string(challenge[:])
}

// s256Matches is the comparison of [RFC 7636 Section 4.6]: "If the
// "code_challenge_method" from Section 4.3 was "S256", the received
// "code_verifier" is hashed by SHA-256, base64url-encoded, and then compared
// to the "code_challenge", i.e.:
// BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) == code_challenge".
// It compares in constant time, and hashText's array, not S256Challenge's
// string, spares every authorization code exchange an allocation.
//
// [RFC 7636 Section 4.6]: https://www.rfc-editor.org/rfc/rfc7636#section-4.6
func s256Matches(verifier, challenge string) bool {
	computed := hashText(verifier) // BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))
	return subtle.ConstantTimeCompare(computed[:], []byte(challenge)) == 1
}

// validCodeVerifier checks the form of [RFC 7636 Section 4.1]:
// code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
//
// [RFC 7636 Section 4.1]: https://www.rfc-editor.org/rfc/rfc7636#section-4.1
func validCodeVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isUnreserved(v[i]) {
			return false
		}
	}
	return true
}

// isSHA256Base64URL reports whether c can be a SHA-256 hash in unpadded
// base64url: 43 base64url characters. That is the form of an S256
// code_challenge, each character one of those of [RFC 7636 Section 4.2]:
// "code-challenge = 43*128unreserved", and of a dpop_jkt, a JWK SHA-256
// thumbprint ([RFC 9449 Section 10]). Each character is checked, not
// decoded: a base64 decoder skips line breaks, so 42 characters and a "\n"
// would pass for 43.
//
// [RFC 7636 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7636#section-4.2
// [RFC 9449 Section 10]: https://www.rfc-editor.org/rfc/rfc9449#section-10
func isSHA256Base64URL(c string) bool {
	if len(c) != 43 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !isBase64URL(c[i]) {
			return false
		}
	}
	return true
}

// isBase64URL reports whether c is in the base64url alphabet
// ([RFC 4648 Section 5]), the unreserved characters but "." and "~".
//
// [RFC 4648 Section 5]: https://www.rfc-editor.org/rfc/rfc4648#section-5
func isBase64URL(c byte) bool { return isUnreserved(c) && c != '.' && c != '~' }

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// The rules of PKCE in the authorization request ([RFC 7636 Section 4.3],
// [RFC 9700 Section 2.1.1]): only S256, spelled so, and required of public
// clients; each refusal is invalid_request ([RFC 7636 Section 4.4.1]).
//
// [RFC 7636 Section 4.3]: https://www.rfc-editor.org/rfc/rfc7636#section-4.3
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
// [RFC 7636 Section 4.4.1]: https://www.rfc-editor.org/rfc/rfc7636#section-4.4.1
var (
	// [RFC 7636 Section 4.3]: the client sends the code challenge with
	// "code_challenge REQUIRED. Code challenge." and "code_challenge_method
	// OPTIONAL, defaults to "plain" if not present in the request": the
	// method describes a challenge, and means nothing without one.
	//
	// [RFC 7636 Section 4.3]: https://www.rfc-editor.org/rfc/rfc7636#section-4.3
	ruleChallengeWithMethod = Rule{"code_challenge_method comes with a code_challenge", "RFC 7636 Section 4.3"}
	rulePKCEForPublic       = Rule{"a public client sends a code_challenge (PKCE)", "RFC 9700 Section 2.1.1"}
	ruleChallengeS256       = Rule{"code_challenge_method is S256 (plain is refused, never downgraded)", "RFC 9700 Section 2.1.1"}
	ruleChallengeForm       = Rule{"code_challenge is 43 base64url characters (an S256 hash)", "RFC 7636 Section 4.2"}
)

// checkCodeChallenge applies the rules of PKCE in the authorization request;
// checkRedirectable (authorize.go) calls it with the request's client.
func checkCodeChallenge(tr *Trace, client store.Client, challenge, method string) *Error {
	if challenge == "" {
		if err := tr.Require(ruleChallengeWithMethod, method == "", ErrInvalidRequest, "code_challenge_method without code_challenge"); err != nil {
			return err
		}
		return tr.Require(rulePKCEForPublic, client.Type != store.Public, ErrInvalidRequest,
			"PKCE is required for public clients: send code_challenge with code_challenge_method=S256")
	}
	if err := tr.Require(ruleChallengeS256, method == CodeChallengeMethodS256, ErrInvalidRequest,
		"code_challenge_method must be S256 (plain and other methods are not supported)"); err != nil {
		return err
	}
	return tr.Require(ruleChallengeForm, isSHA256Base64URL(challenge), ErrInvalidRequest, "code_challenge must be 43 base64url characters (an S256 hash)")
}

// requireVerifierForm checks that a code_verifier, if the token request
// has one, has the form of [RFC 7636 Section 4.1] (validCodeVerifier); a
// malformed one is invalid_request. It is the first half of the token
// endpoint's PKCE check and runs before the code is read, so a malformed
// verifier leaves the code for the corrected retry; verifyCodeVerifier,
// below, is the second, in checkCode.
//
// [RFC 7636 Section 4.1]: https://www.rfc-editor.org/rfc/rfc7636#section-4.1
func requireVerifierForm(tr *Trace, verifier string) *Error {
	if verifier == "" {
		return nil
	}
	return tr.Require(ruleVerifierForm, validCodeVerifier(verifier), ErrInvalidRequest,
		"code_verifier must be 43 to 128 unreserved characters")
}

// verifyCodeVerifier implements the server's check of [RFC 7636 Section 4.6]:
// "If the values are equal, the token endpoint MUST continue processing as
// normal … If the values are not equal, an error response indicating
// "invalid_grant" as described in Section 5.2 of [RFC6749] MUST be returned."
//
// It also defends against PKCE downgrade ([RFC 9700 Section 2.1.1]): a code
// issued without a challenge refuses a verifier, so an attacker cannot strip
// the challenge from the authorization request and still redeem the code.
// The verifier's form was checked before the code was read
// (requireVerifierForm, above).
//
// [RFC 7636 Section 4.6]: https://www.rfc-editor.org/rfc/rfc7636#section-4.6
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
func verifyCodeVerifier(tr *Trace, challenge, verifier string) *Error {
	if challenge == "" {
		return tr.Require(ruleNoVerifierWithoutChallenge, verifier == "", ErrInvalidGrant, "code_verifier sent for a code issued without code_challenge")
	}
	if err := tr.Require(ruleVerifierRequired, verifier != "", ErrInvalidGrant, "code_verifier is required for this code"); err != nil {
		return err
	}
	return tr.Require(ruleVerifierMatches, s256Matches(verifier, challenge), ErrInvalidGrant, "code_verifier does not match the code_challenge")
}

// The rules of PKCE at the token endpoint ([RFC 7636 Section 4.1],
// [RFC 7636 Section 4.5], [RFC 7636 Section 4.6], [RFC 9700 Section 2.1.1]).
//
// [RFC 7636 Section 4.1]: https://www.rfc-editor.org/rfc/rfc7636#section-4.1
// [RFC 7636 Section 4.5]: https://www.rfc-editor.org/rfc/rfc7636#section-4.5
// [RFC 7636 Section 4.6]: https://www.rfc-editor.org/rfc/rfc7636#section-4.6
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
var (
	ruleNoVerifierWithoutChallenge = Rule{"no code_verifier for a code issued without code_challenge (downgrade defence)", "RFC 9700 Section 2.1.1"}
	ruleVerifierRequired           = Rule{"a code issued with code_challenge comes with its code_verifier", "RFC 7636 Section 4.5"}
	ruleVerifierForm               = Rule{"code_verifier is 43 to 128 unreserved characters", "RFC 7636 Section 4.1"}
	ruleVerifierMatches            = Rule{"code_verifier matches the S256 code_challenge", "RFC 7636 Section 4.6"}
)
