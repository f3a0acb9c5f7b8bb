package oauth

// CodeChallengeMethodS256 is the only PKCE transformation this provider
// accepts. [RFC 9700 Section 2.1.1]: "Authorization servers MUST support
// PKCE … If PKCE is used, the code challenge method S256 SHOULD be used";
// "plain" gives no protection when the request leaks, so it is refused
// rather than accepted as a downgrade.
//
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
const CodeChallengeMethodS256 = "S256"

// S256Challenge computes the code challenge of a verifier:
// code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))
// ([RFC 7636 Section 4.2]), which is HashSecret's transform.
//
// [RFC 7636 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7636#section-4.2
func S256Challenge(verifier string) string {
	return HashSecret(verifier)
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

// validS256Challenge checks that a challenge can be an S256 output: 43
// base64url characters (a SHA-256 hash, unpadded), each of them one of the
// characters of [RFC 7636 Section 4.2]: "code-challenge = 43*128unreserved".
// Each character is checked, not decoded: a base64 decoder skips line
// breaks, so 42 characters and a "\n" would pass for 43.
//
// [RFC 7636 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7636#section-4.2
func validS256Challenge(c string) bool {
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
	// S256Challenge(verifier) is HashSecret(verifier), so secretMatches
	// compares them in constant time without allocating S256Challenge's
	// string on every authorization code exchange.
	matches := secretMatches(verifier, challenge)
	return tr.Require(ruleVerifierMatches, matches, ErrInvalidGrant, "code_verifier does not match the code_challenge")
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
