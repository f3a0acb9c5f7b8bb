package oauth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oauth-reference/provider/setting"
)

// DPoP proof checks, [RFC 9449 Section 4.3]. A DPoP proof is a JWT the
// client signs with its own key for one HTTP request; a token bound to that
// key is useless without the private key.
//
// [RFC 9449 Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3

// DPoPSigningAlgs are the proof algorithms this provider accepts, published
// as dpop_signing_alg_values_supported ([RFC 9449 Section 5.1]): asymmetric
// only. [RFC 9449 Section 11.6]: "Implementers MUST ensure that only
// asymmetric digital signature algorithms (such as ES256) that are deemed
// secure can be used for signing DPoP proofs. In particular, the algorithm
// none MUST NOT be allowed." EdDSA over an Ed25519 key goes by both its
// names, "EdDSA" and AlgEd25519.
//
// [RFC 9449 Section 5.1]: https://www.rfc-editor.org/rfc/rfc9449#section-5.1
// [RFC 9449 Section 11.6]: https://www.rfc-editor.org/rfc/rfc9449#section-11.6
var DPoPSigningAlgs = []string{"ES256", "ES384", "RS256", "PS256", "EdDSA", string(AlgEd25519)}

// DPoPProofWindow is how far a proof's iat may lie from the server's clock,
// either way. [RFC 9449 Section 11.1]: "servers MUST only accept DPoP proofs
// for a limited time after their creation (preferably only for a relatively
// brief period on the order of seconds or minutes)". Its jti is remembered
// as long as the proof could be accepted.
//
// [RFC 9449 Section 11.1]: https://www.rfc-editor.org/rfc/rfc9449#section-11.1
const DPoPProofWindow = 60 * time.Second

// Bounds on untrusted input: a proof is parsed only when it is this short,
// and [RFC 9449 Section 11.1]: "a server that is tracking jti values should
// reject DPoP proof JWTs with unnecessarily large jti values".
//
// [RFC 9449 Section 11.1]: https://www.rfc-editor.org/rfc/rfc9449#section-11.1
const (
	maxDPoPProofLength = 8 << 10
	maxJTILength       = 256
)

// DPoPRequest is what a request presented for DPoP: the values of every
// DPoP header, the method and the target URI (the issuer's URL of the
// endpoint, without query), and, at a resource, the access token and the key
// it is bound to.
type DPoPRequest struct {
	Proofs      []string
	Method      string
	URI         string
	AccessToken string // "" at the token and PAR endpoints
	BoundJKT    string // the access token's cnf.jkt
}

// Present reports whether the request carried a DPoP header.
func (r DPoPRequest) Present() bool { return len(r.Proofs) > 0 }

// DPoPProof is a proof that passed every check: the key's thumbprint
// ([RFC 7638 Section 3]), which tokens are bound to.
//
// [RFC 7638 Section 3]: https://www.rfc-editor.org/rfc/rfc7638#section-3
type DPoPProof struct {
	JKT string
}

// dpopHeader and dpopClaims are the JOSE header and the claims of a proof,
// [RFC 9449 Section 4.2].
//
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
type dpopHeader struct {
	Typ  string          `json:"typ"`
	Alg  string          `json:"alg"`
	JWK  json.RawMessage `json:"jwk"`
	Crit json.RawMessage `json:"crit"`
}

type dpopClaims struct {
	JTI   string   `json:"jti"`
	HTM   string   `json:"htm"`
	HTU   string   `json:"htu"`
	IAT   *float64 `json:"iat"`
	NBF   *float64 `json:"nbf"` // optional (RFC 7519 Section 4.1.5)
	EXP   *float64 `json:"exp"` // optional (RFC 7519 Section 4.1.4)
	ATH   string   `json:"ath"`
	Nonce string   `json:"nonce"`
}

// parsedProof is a proof split into its parts, not yet checked.
type parsedProof struct {
	raw    string
	header dpopHeader
	claims dpopClaims
	key    jose.JSONWebKey
}

// invalidDPoPProof is the error of [RFC 9449 Section 5]: "If the DPoP proof
// is invalid, the authorization server issues an error response per Section
// 5.2 of [RFC6749] with invalid_dpop_proof as the value of the error
// parameter."
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
func invalidDPoPProof(format string, args ...any) *Error {
	e := invalidRequest(format, args...)
	e.Code = ErrInvalidDPoPProof
	return e
}

// CheckDPoPProof validates the DPoP proof of a request: every check of
// [RFC 9449 Section 4.3], in the order the RFC lists them ("To validate a
// DPoP proof, the receiving server MUST ensure the following:"), but check
// 7 (no private key in jwk) comes before 6 (the signature): "These checks
// may be performed in any order", and 7 reads the key 6 verifies with.
// Between them, an RSA key's size and exponent are checked (checkProofKey),
// so that a key too costly to verify with is refused first. Then the replay
// check of [RFC 9449 Section 11.1], which holds across every provider
// process sharing the store. A proof is recorded as used only when every
// other check passed, so a bad request cannot use up a good proof.
//
// [RFC 9449 Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
// [RFC 9449 Section 11.1]: https://www.rfc-editor.org/rfc/rfc9449#section-11.1
func (p *Provider) CheckDPoPProof(ctx context.Context, r DPoPRequest) (*DPoPProof, *Error) {
	tr := TraceFrom(ctx)
	// 1. "There is not more than one DPoP HTTP request header field."
	// Every caller checks first that there is one (r.Present()), under
	// its own rule, so "exactly one" is this check.
	if err := tr.Require(ruleDPoPOneHeader, len(r.Proofs) == 1, ErrInvalidDPoPProof,
		fmt.Sprintf("exactly one DPoP header is required, got %d", len(r.Proofs))); err != nil {
		return nil, err
	}
	proof, err := parseDPoPProof(r.Proofs[0])
	if tr.Check(ruleDPoPWellFormed, err == nil); err != nil {
		return nil, refusedBy(ruleDPoPWellFormed, err)
	}
	// applies is false for the two checks that depend on the request:
	// check 10 needs server nonces, check 12 an access token.
	checks := []struct {
		rule    Rule
		applies bool
		check   func(*parsedProof) *Error
	}{
		{ruleDPoPRequiredClaims, true, func(pp *parsedProof) *Error { return checkRequiredClaims(pp, r.AccessToken != "") }},
		{ruleDPoPType, true, checkProofType},
		{ruleDPoPAlg, true, checkProofAlg},
		{ruleDPoPNoCrit, true, checkProofNoCrit},
		{ruleDPoPJWK, true, checkProofJWK},            // parses the jwk the checks below read
		{ruleDPoPPublicKey, true, checkPublicKeyOnly}, // 7 before 6: go-jose refuses to parse a JWS whose jwk is private
		{ruleDPoPKey, true, checkProofKey},            // before 6 too: a key that costs too much is not verified with
		{ruleDPoPSignature, true, checkProofSignature},
		{ruleDPoPHTM, true, func(pp *parsedProof) *Error { return checkHTM(pp, r.Method) }},
		{ruleDPoPHTU, true, func(pp *parsedProof) *Error { return checkHTU(pp, r.URI) }},
		{ruleDPoPNonce, p.DPoPNonces != nil, p.checkProofNonce},
		{ruleDPoPIAT, true, p.checkProofIAT},
		{ruleDPoPValidNow, true, p.checkProofNBFAndEXP},
		{ruleDPoPAccessToken, r.AccessToken != "", func(pp *parsedProof) *Error { return checkAccessTokenBinding(pp, r) }},
	}
	for _, c := range checks {
		if !c.applies {
			continue
		}
		err := c.check(&proof)
		if tr.Check(c.rule, err == nil); err != nil {
			return nil, refusedBy(c.rule, err)
		}
	}
	jkt := thumbprint(proof.key)
	err = p.recordProof(ctx, jkt, proof.claims)
	if err != nil && !err.ServerFault() {
		return nil, tr.Fail(ruleDPoPNotReplayed, err.Code, err.Description)
	}
	tr.Check(ruleDPoPNotReplayed, err == nil)
	return &DPoPProof{JKT: jkt}, err
}

// refusedBy marks err as breaking rule r, so a trace ends with that rule.
func refusedBy(r Rule, err *Error) *Error {
	err.rule = r
	return err
}

// The rules of a DPoP proof, one per check of [RFC 9449 Section 4.3], and
// the replay check of [RFC 9449 Section 11.1].
//
// [RFC 9449 Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
// [RFC 9449 Section 11.1]: https://www.rfc-editor.org/rfc/rfc9449#section-11.1
var (
	ruleDPoPOneHeader      = Rule{"there is not more than one DPoP header", "RFC 9449 Section 4.3"}
	ruleDPoPWellFormed     = Rule{"the DPoP header is a single, well-formed JWT", "RFC 9449 Section 4.3"}
	ruleDPoPRequiredClaims = Rule{"the proof has every required claim: jti, htm, htu, iat (and ath with an access token)", "RFC 9449 Section 4.3"}
	ruleDPoPType           = Rule{"the proof's typ is dpop+jwt", "RFC 9449 Section 4.3"}
	ruleDPoPAlg            = Rule{"the proof's alg is an asymmetric algorithm this server accepts (never none or a MAC)", "RFC 9449 Section 4.3"}
	ruleDPoPNoCrit         = Rule{"the proof's header lists no critical extension (crit): this server understands none", "RFC 7515 Section 4.1.11"}
	ruleDPoPSignature      = Rule{"the proof's signature verifies with the public key in its jwk header", "RFC 9449 Section 4.3"}
	ruleDPoPJWK            = Rule{"the jwk header is a valid JWK of a key type this server verifies with: EC, Ed25519, or RSA of at most 4096 bits", "RFC 9449 Section 4.2"}
	ruleDPoPPublicKey      = Rule{"the jwk header holds no private key", "RFC 9449 Section 4.3"}
	ruleDPoPKey            = Rule{"an RSA jwk has at least 2048 bits and an odd exponent e from 3 to 65537", "RFC 7518 Section 3.3"}
	ruleDPoPHTM            = Rule{"htm is this request's method", "RFC 9449 Section 4.3"}
	ruleDPoPHTU            = Rule{"htu is this request's URI, without query and fragment", "RFC 9449 Section 4.3"}
	ruleDPoPNonce          = Rule{"nonce is a recent one this server provided", "RFC 9449 Section 4.3"}
	ruleDPoPIAT            = Rule{"iat is within 60 seconds of the server's clock", "RFC 9449 Section 4.3"}
	ruleDPoPValidNow       = Rule{"nbf and exp, if the proof has them, let it be used now (60 seconds of clock skew allowed)", "RFC 7519 Section 4.1"}
	ruleDPoPAccessToken    = Rule{"ath is the access token's hash, and the token is bound to this proof's key", "RFC 9449 Section 4.3"}
	ruleDPoPNotReplayed    = Rule{"the proof has not been used before (its jti is new)", "RFC 9449 Section 11.1"}
)

// parseDPoPProof makes check 2 of [RFC 9449 Section 4.3]: "The DPoP HTTP
// request header field value is a single and well-formed JWT." The JOSE
// header and the claims must be JSON objects, read in one linear pass each.
//
// Both are read by go-jose's JSON package, as go-jose reads the header when
// it verifies the signature: member names match exactly, code unit by code
// unit ([RFC 8259 Section 8.3]), where encoding/json would take a "JTI"
// member for the required jti; and a name given twice is refused
// ([RFC 7519 Section 4]: "JWT parsers MUST either reject JWTs with
// duplicate Claim Names or use a JSON parser that returns only the
// lexically last duplicate member name").
//
// [RFC 9449 Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
// [RFC 8259 Section 8.3]: https://www.rfc-editor.org/rfc/rfc8259#section-8.3
// [RFC 7519 Section 4]: https://www.rfc-editor.org/rfc/rfc7519#section-4
func parseDPoPProof(raw string) (parsedProof, *Error) {
	bad := invalidDPoPProof("the DPoP header is not a single well-formed JWT")
	if len(raw) > maxDPoPProofLength || strings.Count(raw, ".") != 2 {
		return parsedProof{}, bad
	}
	parts := strings.SplitN(raw, ".", 3)
	pp := parsedProof{raw: raw}
	if !decodeJSONPart(parts[0], &pp.header) || !decodeJSONPart(parts[1], &pp.claims) {
		return parsedProof{}, bad
	}
	return pp, nil
}

// decodeJSONPart decodes one base64url part of a compact JWS into v, with
// member names matched exactly and duplicates refused (unmarshalExact).
func decodeJSONPart(part string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(part)
	return err == nil && unmarshalExact(b, v) == nil
}

// checkRequiredClaims is check 3: "All required claims per Section 4.2 are
// contained in the JWT." — typ, alg and jwk in the header; jti, htm, htu and
// iat in the claims; and ath at a resource: "When the DPoP proof is used in
// conjunction with the presentation of an access token in protected resource
// access (see Section 7), the DPoP proof MUST also contain the following
// claim: ath" ([RFC 9449 Section 4.2]).
//
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func checkRequiredClaims(pp *parsedProof, atResource bool) *Error {
	h, c := pp.header, pp.claims
	switch {
	case h.Typ == "" || h.Alg == "" || len(h.JWK) == 0:
		return invalidDPoPProof("the DPoP proof's header needs typ, alg and jwk")
	case c.JTI == "" || c.HTM == "" || c.HTU == "" || c.IAT == nil:
		return invalidDPoPProof("the DPoP proof needs the claims jti, htm, htu and iat")
	case len(c.JTI) > maxJTILength:
		return invalidDPoPProof("the DPoP proof's jti is longer than %d characters", maxJTILength)
	case atResource && c.ATH == "":
		return invalidDPoPProof("a DPoP proof sent with an access token needs the ath claim")
	}
	return nil
}

// checkProofType is check 4 of [RFC 9449 Section 4.3]: "The typ JOSE
// Header Parameter has the value dpop+jwt." [RFC 9449 Section 11.5] says
// why: so "that adversaries cannot use JWTs created for other purposes".
//
// [RFC 9449 Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
// [RFC 9449 Section 11.5]: https://www.rfc-editor.org/rfc/rfc9449#section-11.5
func checkProofType(pp *parsedProof) *Error {
	if pp.header.Typ != "dpop+jwt" {
		return invalidDPoPProof("the DPoP proof's typ must be dpop+jwt")
	}
	return nil
}

// checkProofNoCrit refuses a proof whose header has "crit": it lists
// extensions "that MUST be understood and processed", and "If any of the
// listed extension Header Parameters are not understood and supported by
// the recipient, then the JWS is invalid" ([RFC 7515 Section 4.1.11]).
// This server understands none, so any "crit" makes the proof invalid,
// and the proof is refused for that, before its signature is verified.
//
// [RFC 7515 Section 4.1.11]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
func checkProofNoCrit(pp *parsedProof) *Error {
	if pp.header.Crit != nil {
		return invalidDPoPProof("the DPoP proof's header lists critical extensions (crit), which this server does not understand")
	}
	return nil
}

// checkProofAlg is check 5: "The alg JOSE Header Parameter indicates a
// registered asymmetric digital signature algorithm [IANA.JOSE.ALGS], is not
// none, is supported by the application, and is acceptable per local
// policy."
func checkProofAlg(pp *parsedProof) *Error {
	if !slices.Contains(DPoPSigningAlgs, pp.header.Alg) {
		return invalidDPoPProof("the DPoP proof's alg must be one of %s (never none or a MAC)", strings.Join(DPoPSigningAlgs, " "))
	}
	return nil
}

// checkProofKey holds an RSA jwk (parsed by checkProofJWK) to the
// rules of every RSA key this provider takes from outside
// (checkRSAPublicKey): [RFC 7518 Section 3.3]: "A key of size 2048 bits or
// larger MUST be used with these algorithms", and an exponent of at most
// maxRSAExponent. It runs before check 6: anyone can send a proof, and a key
// with a large exponent would make its verification cost several times
// more, even with a signature that is random bytes.
//
// [RFC 7518 Section 3.3]: https://www.rfc-editor.org/rfc/rfc7518#section-3.3
func checkProofKey(pp *parsedProof) *Error {
	if rsaKey, ok := pp.key.Key.(*rsa.PublicKey); ok {
		if err := checkRSAPublicKey(rsaKey); err != nil {
			return invalidDPoPProof("the DPoP proof's jwk: %s", err)
		}
	}
	return nil
}

// checkProofSignature is check 6: "The JWT signature verifies with the
// public key contained in the jwk JOSE Header Parameter." The key (parsed by
// checkProofJWK, checked by checkProofKey) must suit the alg (go-jose
// refuses a mismatch, and so does verifiedPayload, which verifies the
// AlgEd25519 proofs go-jose does not know).
func checkProofSignature(pp *parsedProof) *Error {
	jws, err := jose.ParseSignedCompact(pp.raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(pp.header.Alg)})
	if err != nil {
		return invalidDPoPProof("the DPoP header is not a single well-formed JWT")
	}
	if !proofVerifies(pp, jws) {
		return invalidDPoPProof("the DPoP proof's signature does not verify with its jwk")
	}
	return nil
}

// proofVerifies reports whether jws, the proof as go-jose parsed it,
// verifies with the proof's jwk (verifiedPayload).
func proofVerifies(pp *parsedProof, jws *jose.JSONWebSignature) bool {
	_, ok := verifiedPayload(pp.raw, jws, pp.key.Public().Key)
	return ok
}

// checkProofJWK parses the jwk: "Represents the public key chosen by the
// client in JSON Web Key (JWK) format as defined in Section 4 of [RFC7517]"
// ([RFC 9449 Section 4.2]). A key that does not parse, a type this server
// verifies no proof with (such as "oct"), or an RSA key over the JOSE
// library's jose.MaxRSAModulusBits (4096) is refused here, before the
// checks that read the key.
//
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func checkProofJWK(pp *parsedProof) *Error {
	if err := pp.key.UnmarshalJSON(pp.header.JWK); err != nil || !pp.key.Valid() {
		return invalidDPoPProof("the DPoP proof's jwk is not a valid JSON Web Key of a type this server verifies with (EC, Ed25519, or RSA of at most 4096 bits)")
	}
	return nil
}

// checkPublicKeyOnly is check 7: "The jwk JOSE Header Parameter does not
// contain a private key." checkProofJWK parsed the jwk.
func checkPublicKeyOnly(pp *parsedProof) *Error {
	if !pp.key.IsPublic() {
		return invalidDPoPProof("the DPoP proof's jwk contains a private key")
	}
	return nil
}

// checkHTM is check 8: "The htm claim matches the HTTP method of the
// current request."
func checkHTM(pp *parsedProof, method string) *Error {
	if pp.claims.HTM != method {
		return invalidDPoPProof("the DPoP proof's htm %s is not this request's method %s", quoteShort(pp.claims.HTM), method)
	}
	return nil
}

// checkHTU is check 9: "The htu claim matches the HTTP URI value for the
// HTTP request in which the JWT was received, ignoring any query and
// fragment parts." Both are normalized first: "servers SHOULD employ
// syntax-based normalization (Section 6.2.2 of [RFC3986]) and scheme-based
// normalization (Section 6.2.3 of [RFC3986]) before comparing the htu claim."
//
// An htu with userinfo ("user:password@" before the host) is refused first:
// htu is the HTTP target URI ([RFC 9449 Section 4.2]), which has none, and
// normalization keeps userinfo, so it is another URI. [RFC 9110 Section 4.2.4]:
// "a recipient SHOULD parse for userinfo and treat its presence as an error".
// The description does not repeat it: it may hold a password.
//
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
// [RFC 9110 Section 4.2.4]: https://www.rfc-editor.org/rfc/rfc9110#section-4.2.4
func checkHTU(pp *parsedProof, uri string) *Error {
	if u, err := url.Parse(pp.claims.HTU); err == nil && u.User != nil {
		return invalidDPoPProof("the DPoP proof's htu has userinfo (a user name or password and \"@\" before the host), which no HTTP target URI has")
	}
	got, ok := normalizeHTU(pp.claims.HTU)
	want, _ := normalizeHTU(uri)
	if !ok || got != want {
		return invalidDPoPProof("the DPoP proof's htu is not this request's URI %s", want)
	}
	return nil
}

// normalizeHTU lowercases scheme and host, drops a default port, query and
// fragment, makes an empty path "/" ([RFC 3986 Section 6.2.2],
// [RFC 3986 Section 6.2.3]), and normalizes the path's percent-encodings
// and dot segments (normalizePercentEncoding, removeDotSegments). It drops
// userinfo too: checkHTU refuses an htu that has any before normalizing it.
//
// [RFC 3986 Section 6.2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2
// [RFC 3986 Section 6.2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3
func normalizeHTU(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Hostname() == "" || !setting.ColonOnlyInIPv6(u) {
		return "", false // not absolute, no host, or a colon in a host that is no IPv6 address
	}
	scheme, host := normalizedSchemeHost(u)
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + removeDotSegments(normalizePercentEncoding(path)), true
}

// checkProofNonce is check 10: "If the server provided a nonce value to the
// client, the nonce claim matches the server-provided nonce value." With
// DPOP_NONCE on, every proof needs a recent nonce of this provider
// ([RFC 9449 Section 11.3]: "A server MUST NOT accept any DPoP proofs without
// the nonce claim when a DPoP nonce has been provided to the client."); the
// answer otherwise is use_dpop_nonce with a fresh one ([RFC 9449 Section 8]).
// CheckDPoPProof runs it only then, with p.DPoPNonces set.
//
// [RFC 9449 Section 11.3]: https://www.rfc-editor.org/rfc/rfc9449#section-11.3
// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
func (p *Provider) checkProofNonce(pp *parsedProof) *Error {
	if !p.DPoPNonces.Valid(pp.claims.Nonce, p.Now()) {
		e := NewError(ErrUseDPoPNonce, "the DPoP proof must carry the nonce from the DPoP-Nonce header")
		e.DPoPNonce = p.DPoPNonces.New(p.Now())
		return e
	}
	return nil
}

// checkProofIAT is check 11: "The creation time of the JWT, as determined by
// either the iat claim or a server managed timestamp via the nonce claim, is
// within an acceptable window (see Section 11.1)." Here: iat, within
// DPoPProofWindow of the server's clock either way ("the server MAY accept
// DPoP proofs that carry an iat time in the reasonably near future").
// iat is a NumericDate, which may carry a fraction ("A JSON numeric value
// representing the number of seconds from 1970-01-01T00:00:00Z UTC until
// the specified UTC date/time", [RFC 7519 Section 2]): it is compared with
// its fraction, so 60.9 seconds ahead is not taken for 60.
//
// [RFC 7519 Section 2]: https://www.rfc-editor.org/rfc/rfc7519#section-2
func (p *Provider) checkProofIAT(pp *parsedProof) *Error {
	if d := unixSeconds(p.Now()) - *pp.claims.IAT; d > DPoPProofWindow.Seconds() || d < -DPoPProofWindow.Seconds() {
		return invalidDPoPProof("the DPoP proof's iat is more than %s away from the server's time", DPoPProofWindow)
	}
	return nil
}

// checkProofNBFAndEXP holds a proof to the two time claims of
// [RFC 7519 Section 4.1] it may carry beside iat, which RFC 9449 neither
// requires nor forbids: "nbf" is "the time before which the JWT MUST NOT
// be accepted for processing" and "exp" "the expiration time on or after
// which the JWT MUST NOT be accepted for processing", each "subject to a
// small leeway" for clock skew: here DPoPProofWindow, as for iat. The FAPI
// 2.0 Security Profile asks the same of every JWT an authorization server
// takes: to "reject JWTs with an iat or nbf timestamp greater than 60
// seconds in the future". Both compare as numbers of seconds, as they come:
// any value a JSON number can hold is compared for what it is.
//
// [RFC 7519 Section 4.1]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1
func (p *Provider) checkProofNBFAndEXP(pp *parsedProof) *Error {
	now, skew := unixSeconds(p.Now()), DPoPProofWindow.Seconds()
	if nbf := pp.claims.NBF; nbf != nil && *nbf > now+skew {
		return invalidDPoPProof("the DPoP proof's nbf is more than %s ahead of the server's time: it is not valid yet", DPoPProofWindow)
	}
	if exp := pp.claims.EXP; exp != nil && now >= *exp+skew {
		return invalidDPoPProof("the DPoP proof's exp has passed (%s of clock skew allowed)", DPoPProofWindow)
	}
	return nil
}

// unixSeconds is t as a NumericDate: seconds since the epoch, with their
// fraction, to compare with the time claims of a proof as they come.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMicro()) / 1e6
}

// checkAccessTokenBinding is check 12: "If presented to a protected resource
// in conjunction with an access token, ensure that the value of the ath
// claim equals the hash of that access token, and confirm that the public
// key to which the access token is bound matches the public key from the
// DPoP proof." ath is "the base64url encoding … [of] the SHA-256 [SHS] hash
// of the ASCII encoding of the associated access token's value"
// ([RFC 9449 Section 4.2]). CheckDPoPProof runs it only for a request with
// an access token.
//
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func checkAccessTokenBinding(pp *parsedProof, r DPoPRequest) *Error {
	// The transform is HashSecret's; hashText's array spares this check,
	// made on every DPoP request to a resource, an allocation.
	if ath := hashText(r.AccessToken); pp.claims.ATH != string(ath[:]) {
		return invalidDPoPProof("the DPoP proof's ath is not the hash of this access token")
	}
	if thumbprint(pp.key) != r.BoundJKT {
		return NewError(ErrInvalidToken, "the access token is bound to another DPoP key")
	}
	return nil
}

// recordProof refuses a replayed proof: "servers can store the jti value of
// each DPoP proof for the time window in which the respective DPoP proof JWT
// would be accepted to prevent multiple uses of the same DPoP proof"
// ([RFC 9449 Section 11.1]). The key is a hash ("or store only a hash
// thereof") of the key's thumbprint and the jti.
//
// [RFC 9449 Section 11.1]: https://www.rfc-editor.org/rfc/rfc9449#section-11.1
func (p *Provider) recordProof(ctx context.Context, jkt string, c dpopClaims) *Error {
	// Accepted until iat+DPoPProofWindow (checkProofIAT), fraction and all.
	until := time.Unix(int64(math.Ceil(*c.IAT)), 0).Add(DPoPProofWindow)
	first, err := p.Store.RecordJTI(ctx, "dpop:"+HashSecret(jkt+" "+c.JTI), until)
	switch {
	case err != nil:
		return ServerError(err)
	case !first:
		return invalidDPoPProof("this DPoP proof was used before (jti replayed)")
	}
	return nil
}

// thumbprint is the JWK SHA-256 Thumbprint of [RFC 7638 Section 3], base64url: the
// jkt of [RFC 9449 Section 6.1].
//
// [RFC 7638 Section 3]: https://www.rfc-editor.org/rfc/rfc7638#section-3
// [RFC 9449 Section 6.1]: https://www.rfc-editor.org/rfc/rfc9449#section-6.1
func thumbprint(key jose.JSONWebKey) string {
	public := key.Public()
	sum, err := public.Thumbprint(crypto.SHA256)
	if err != nil { // only for key types go-jose cannot parse, refused before
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}
