package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oauth-reference/provider/internal/store"
)

// ClientAssertionTypeJWT is the client_assertion_type of a JWT client
// assertion, [RFC 7523 Section 2.2].
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
const ClientAssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientAssertionAlgs are the algorithms a client may sign its assertion
// with (token_endpoint_auth_signing_alg_values_supported): asymmetric only,
// never "none" or HMAC, each matching a key kind parseClientJWKS accepts.
// EdDSA over an Ed25519 key goes by both its names, "EdDSA" and AlgEd25519.
var ClientAssertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA, AlgEd25519}

// Bounds on a client assertion.
const (
	// maxClientAssertionLen bounds the assertion before it is parsed.
	maxClientAssertionLen = 8 << 10
	// maxAssertionLifetime is how far in the future "exp" may be: the seen
	// jti set keeps each jti that long, so it bounds its size.
	maxAssertionLifetime = 5 * time.Minute
	// assertionLeeway is the clock skew allowed between the client and this
	// server, on each of "exp", "iat" and "nbf": "Implementers MAY provide
	// for some small leeway, usually no more than a few minutes, to account
	// for clock skew" ([RFC 7519 Section 4.1.4]). A client whose clock is a
	// little behind would otherwise send assertions that expired on arrival.
	// It stays under the 60 seconds from which the FAPI 2.0 Security Profile
	// asks that an "iat" or "nbf" in the future be refused.
	//
	// [RFC 7519 Section 4.1.4]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
	assertionLeeway = 30 * time.Second
	// skewAllowed is assertionLeeway in the words of a refusal.
	skewAllowed = "30 seconds of clock skew allowed"
)

// ClientAssertion is a parsed, not yet verified, client assertion.
type ClientAssertion struct {
	raw string // the compact JWS, which verifiedPayload verifies
	jws *jose.JSONWebSignature
	// typed: the header's typ is client-authentication+jwt
	// (isClientAuthenticationJWT), so its "aud" is held to the issuer alone.
	typed bool
	// Subject is the unverified "sub": the client_id the assertion claims,
	// used only to find the client whose keys then verify it.
	Subject string
}

// ParseClientAssertion parses a client_assertion ([RFC 7523 Section 2.2]:
// "The value of the "client_assertion" parameter contains a single JWT.")
// without verifying it: a compact JWS, signed with one of
// ClientAssertionAlgs, within maxClientAssertionLen, and without "crit":
// it lists extensions the recipient must understand, this server
// understands none, and "If any of the listed extension Header Parameters
// are not understood and supported by the recipient, then the JWS is
// invalid" ([RFC 7515 Section 4.1.11]). Every failure is invalid_client.
//
// [RFC 7515 Section 4.1.11]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
func ParseClientAssertion(raw string) (*ClientAssertion, *Error) {
	bad := func(why string) *Error { return NewError(ErrInvalidClient, "client_assertion: "+why) }
	if len(raw) > maxClientAssertionLen {
		return nil, bad("too long")
	}
	jws, err := jose.ParseSignedCompact(raw, ClientAssertionAlgs)
	if err != nil {
		return nil, bad(unparsedAssertion(raw))
	}
	if _, crit := jws.Signatures[0].Header.ExtraHeaders["crit"]; crit {
		return nil, bad("its header lists critical extensions (crit), which this server does not understand")
	}
	var claims jwt.Claims
	if err := josejson.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return nil, bad("the claims are not a JSON object of JWT claims")
	}
	if claims.Subject == "" || !validText(claims.Subject) {
		return nil, bad("'sub' must name the client_id")
	}
	typed := isClientAuthenticationJWT(jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType])
	return &ClientAssertion{raw: raw, jws: jws, typed: typed, Subject: claims.Subject}, nil
}

// unparsedAssertion says why a client_assertion is not a compact JWS
// signed with one of ClientAssertionAlgs. One signed with HMAC (HS256,
// HS384, HS512) is client_secret_jwt ([OIDC Core Section 9]), which this
// server does not offer (its metadata lists private_key_jwt only): the
// client is told so, not that its JWT is malformed.
//
// [OIDC Core Section 9]: https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
func unparsedAssertion(raw string) string {
	algs := strings.Join(stringsOf(ClientAssertionAlgs...), ", ")
	if alg := headerAlg(raw); slices.Contains([]string{"HS256", "HS384", "HS512"}, alg) {
		return "signed with " + alg + ", a MAC with the client secret (client_secret_jwt), which this server does not accept: use private_key_jwt, signed with one of " + algs
	}
	return "not a JWS compact JWT signed with one of " + algs
}

// headerAlg is the "alg" of a compact JWS's protected header, read without
// any check (decodeJSONPart), or "" when the header does not decode.
func headerAlg(raw string) string {
	encoded, _, _ := strings.Cut(raw, ".")
	var h struct {
		Alg string `json:"alg"`
	}
	if !decodeJSONPart(encoded, &h) {
		return ""
	}
	return h.Alg
}

// clientAuthenticationJWT is the explicit type of a client assertion made
// under [RFC 7523bis Section 4]: "Client authentication JWTs SHOULD be
// explicitly typed by using the typ header parameter value
// client-authentication+jwt".
//
// [RFC 7523bis Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-4
const clientAuthenticationJWT = "client-authentication+jwt"

// isClientAuthenticationJWT reports whether typ, a JOSE header's "typ", is
// clientAuthenticationJWT. [RFC 7515 Section 4.1.9]: "A recipient using the
// media type value MUST treat it as if "application/" were prepended to any
// "typ" value not containing a '/'", and media type values "are case
// insensitive".
//
// [RFC 7515 Section 4.1.9]: https://www.rfc-editor.org/rfc/rfc7515#section-4.1.9
func isClientAuthenticationJWT(typ any) bool {
	s, _ := typ.(string)
	return strings.EqualFold(s, clientAuthenticationJWT) || strings.EqualFold(s, "application/"+clientAuthenticationJWT)
}

// The rules of a client assertion, in the order verifyClientAssertion
// checks them; the sentence each enforces is quoted at its check.
var (
	ruleAssertionAlg      = Rule{"the client_assertion is signed with the client's registered token_endpoint_auth_signing_alg, if it registered one", "OIDC Registration Section 2"}
	ruleAssertionSigned   = Rule{"the client_assertion is signed by the registered key its kid names (or the only one)", "RFC 7523 Section 3"}
	ruleAssertionSubject  = Rule{`the client_assertion's "iss" and "sub" are the client_id`, "OIDC Core Section 9"}
	ruleAssertionAudience = Rule{`the client_assertion's "aud" names this authorization server (its issuer, the token endpoint's URL or this endpoint's URL), and no other audience`, "RFC 7523 Section 3"}
	ruleAssertionFresh    = Rule{`the client_assertion is current: "exp" not passed and at most 5 minutes away, "iat" and "nbf" not in the future (30 seconds of clock skew allowed on each)`, "RFC 7523 Section 3"}
	ruleAssertionOnce     = Rule{`the client_assertion's "jti" was never used before`, "OIDC Core Section 9"}

	// ruleAssertionIssuerAudience replaces ruleAssertionAudience for an
	// assertion typed client-authentication+jwt.
	ruleAssertionIssuerAudience = Rule{`a client_assertion typed client-authentication+jwt has "aud" = this server's issuer identifier, as one JSON string, and nothing else`, "RFC 7523bis Section 4"}
)

// verifyClientAssertion authenticates a client by its assertion: the alg
// the client registered ([OIDC Registration Section 2]), then the checks
// of [RFC 7523 Section 3] and [OIDC Core Section 9] in order, each
// recorded on the request's trace (the audience under
// [RFC 7523bis Section 4] for an assertion typed client-authentication+jwt),
// and last the "jti" recorded as used
// (recordAssertionJTI). Every failure is invalid_client
// (refuseAssertion), its description naming the check.
//
// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
// [OIDC Core Section 9]: https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
// [RFC 7523bis Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-4
func (p *Provider) verifyClientAssertion(ctx context.Context, client store.Client, cc ClientCredentials) *Error {
	tr := TraceFrom(ctx)
	a := &assertionUnderCheck{client: client, assertion: cc.Assertion, endpoint: cc.Endpoint}
	// applies is false for the alg check of a client that registered no
	// token_endpoint_auth_signing_alg, and for the audience rule of the
	// other kind of assertion, typed or not.
	checks := []struct {
		rule    Rule
		applies bool
		check   func(*assertionUnderCheck) string
	}{
		{ruleAssertionAlg, client.TokenEndpointAuthSigningAlg != "", checkAssertionAlg},
		{ruleAssertionSigned, true, checkAssertionSignature}, // keeps the verified claims the checks below read
		{ruleAssertionSubject, true, checkAssertionSubject},
		{ruleAssertionIssuerAudience, cc.Assertion.typed, p.checkIssuerAudience},
		{ruleAssertionAudience, !cc.Assertion.typed, p.checkAssertionAudience},
		{ruleAssertionFresh, true, p.checkAssertionTimes},
	}
	for _, c := range checks {
		if !c.applies {
			continue
		}
		if why := c.check(a); why != "" {
			return refuseAssertion(tr, c.rule, why) // records the failed rule
		}
		tr.Check(c.rule, true)
	}
	return p.recordAssertionJTI(ctx, tr, a)
}

// assertionUnderCheck is a client assertion as verifyClientAssertion's
// checks see it: the client it claims to be, the endpoint it was sent to
// (a path), and, once checkAssertionSignature has verified it, its claims
// and its "aud" as sent (a JSON string or array). Each check returns why it
// refuses, or "".
type assertionUnderCheck struct {
	client    store.Client
	assertion *ClientAssertion
	endpoint  string
	claims    jwt.Claims
	aud       json.RawMessage
}

// refuseAssertion refuses a client's assertion under rule r, saying why
// (refuseClient: invalid_client).
func refuseAssertion(tr *Trace, r Rule, why string) *Error {
	return refuseClient(tr, r, "client_assertion: "+why)
}

// checkAssertionAlg applies the client's token_endpoint_auth_signing_alg:
// "All Token Requests using these authentication methods from this Client
// MUST be rejected, if the JWT is not signed with this algorithm"
// ([OIDC Registration Section 2]). It holds wherever the client
// authenticates with an assertion, not at the token endpoint alone.
// "EdDSA" and AlgEd25519 are one algorithm here (sameAlgorithm). A client
// that registered none may use any of ClientAssertionAlgs, to which
// ParseClientAssertion held the header.
//
// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
func checkAssertionAlg(a *assertionUnderCheck) string {
	want, alg := a.client.TokenEndpointAuthSigningAlg, a.assertion.jws.Signatures[0].Header.Algorithm
	if sameAlgorithm(want, alg) {
		return ""
	}
	return "signed with " + alg + ", but this client registered token_endpoint_auth_signing_alg " + want
}

// checkAssertionSignature: "The JWT MUST be digitally signed or have a
// Message Authentication Code (MAC) applied by the issuer"
// ([RFC 7523 Section 3]): here, signed by the one key the client
// registered in jwks that its header names (assertionKey). It verifies the
// signature with that key and keeps the claims of the verified payload in
// a.claims and a.aud.
//
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
func checkAssertionSignature(a *assertionUnderCheck) string {
	header := a.assertion.jws.Signatures[0].Header
	key, why := assertionKey(a.client.JWKS, header)
	if why != "" {
		return why
	}
	if !a.assertion.verifiedBy(key.Key, &a.claims, &a.aud) {
		return "the signature does not verify with " + keyName(header.KeyID)
	}
	return ""
}

// checkAssertionSubject: "iss ... This MUST contain the client_id of the
// OAuth Client" and "sub ... This MUST contain the client_id of the OAuth
// Client" ([OIDC Core Section 9]); [RFC 7523 Section 3]: "For client
// authentication, the subject MUST be the "client_id" of the OAuth
// client."
//
// [OIDC Core Section 9]: https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
func checkAssertionSubject(a *assertionUnderCheck) string {
	if a.claims.Issuer == a.client.ID && a.claims.Subject == a.client.ID {
		return ""
	}
	return "'iss' and 'sub' must both be the client_id"
}

// checkAssertionAudience holds an untyped assertion to the audience rule
// of [RFC 7523 Section 3]: "The JWT MUST contain an "aud" (audience) claim
// containing a value that identifies the authorization server as an
// intended audience": the issuer, the token endpoint's URL, or the URL of
// the endpoint the request came to (assertionAudiences).
//
// [RFC 7523bis Section 4] replaces that rule: the issuer identifier is to
// be the sole audience, and "the token endpoint URL of the authorization
// server MUST NOT be used as an audience value". It closes the audience
// injection attack ([RFC 7523bis Section 1]): a client that uses one key
// with several authorization servers takes the "aud" of its assertion from
// a server's metadata, where only the issuer can be validated ("Other
// endpoint values of the metadata cannot be directly validated"). A
// malicious server advertises the honest server's token endpoint URL as its
// own, receives an assertion made for that URL, and replays it at the honest
// server as the client. This server still accepts those URLs from an
// assertion that is not typed client-authentication+jwt (the draft grants
// no such transition: it is this server's choice, so that clients made
// before the draft, which send the token endpoint URL as RFC 7523 let them,
// keep working); a typed one is held to the draft (checkIssuerAudience).
//
// Every value must name this server. That does not stop audience injection
// (the injected URL names this server); it stops an assertion made for
// several audiences, any of which could replay it here.
//
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
// [RFC 7523bis Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-4
// [RFC 7523bis Section 1]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-1
func (p *Provider) checkAssertionAudience(a *assertionUnderCheck) string {
	if onlyAudiences(a.claims.Audience, p.assertionAudiences(a.endpoint)) {
		return ""
	}
	return "'aud' must name this authorization server (its issuer, the token endpoint's URL or this endpoint's URL) and no other audience"
}

// checkIssuerAudience holds an assertion typed client-authentication+jwt
// to [RFC 7523bis Section 4]: "The authorization server MUST reject any JWT
// that does not contain its issuer identifier as its sole audience value",
// compared by Simple String Comparison. That the value is a JSON string, not
// an array of one, is the FAPI 2.0 Security Profile's rule (5.3.2.1, item 8:
// "shall only accept its issuer identifier value ... as a string in the aud
// claim"); the draft allows either, so a typed client sending an array is
// refused here although the draft would take it.
//
// [RFC 7523bis Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-4
func (p *Provider) checkIssuerAudience(a *assertionUnderCheck) string {
	var aud string
	if json.Unmarshal(a.aud, &aud) == nil && aud == p.Config.Issuer {
		return ""
	}
	return "typed " + clientAuthenticationJWT + ", so 'aud' must be this server's issuer identifier as one JSON string: not an array, nor an endpoint's URL"
}

// recordAssertionJTI applies ruleAssertionOnce, after every other check
// passed, so that a refused assertion does not use up its jti: "jti ...
// These tokens MUST only be used once, unless conditions for reuse were
// negotiated between the parties" ([OIDC Core Section 9]). The seen set
// keeps the jti until the assertion expires, with assertionLeeway.
//
// [OIDC Core Section 9]: https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
func (p *Provider) recordAssertionJTI(ctx context.Context, tr *Trace, a *assertionUnderCheck) *Error {
	if a.claims.ID == "" {
		return refuseAssertion(tr, ruleAssertionOnce, "'jti' is required, so that the assertion is used once")
	}
	first, err := p.Store.RecordJTI(ctx, assertionJTIKey(a.client.ID, a.claims.ID), a.claims.Expiry.Time().Add(assertionLeeway))
	if err != nil {
		return ServerError(err)
	}
	if !first {
		return refuseAssertion(tr, ruleAssertionOnce, "this 'jti' was used before: an assertion is accepted once")
	}
	tr.Check(ruleAssertionOnce, true)
	tr.Changed("client_assertion jti recorded as used")
	return nil
}

// assertionJTIKey is the seen-set key of a client's assertion "jti": the
// client_id and a hash of the jti, so that the key's length is bounded
// whatever the jti's (an index entry in PostgreSQL holds at most about
// 2.7 KB; a longer key would be a 500).
func assertionJTIKey(clientID, jti string) string {
	return "client_assertion:" + clientID + ":" + HashSecret(jti)
}

// verifiedBy reports whether the assertion's signature verifies with key
// (verifiedPayload), and then reads its claims into claims and its "aud",
// as sent, into aud.
func (a *ClientAssertion) verifiedBy(key any, claims *jwt.Claims, aud *json.RawMessage) bool {
	payload, ok := verifiedPayload(a.raw, a.jws, key)
	var sent struct {
		Aud json.RawMessage `json:"aud"`
	}
	if !ok || josejson.Unmarshal(payload, claims) != nil || json.Unmarshal(payload, &sent) != nil {
		return false
	}
	*aud = sent.Aud
	return true
}

// assertionKey is the one key of the client's registered jwks that may
// verify an assertion with this header: the key its "kid" names, or the
// only key of a one-key set. [OIDC Core Section 10.1]: "If there are
// multiple keys in the referenced JWK Set document, a kid value MUST be
// provided in the JOSE Header." A key whose "alg" names another algorithm
// (sameAlgorithm), or whose type cannot verify the header's alg, is not used. Only that key is parsed, and
// checked again as a registration checks it (parseClientKey), so that an
// assertion costs at most one key's parsing and one verification, whatever
// the set holds. A set registered before kids had to be distinct may have
// two keys under one kid: the first of them is the key. It returns why no
// key may verify, or "".
//
// [OIDC Core Section 10.1]: https://openid.net/specs/openid-connect-core-1_0.html#Signing
func assertionKey(jwks string, header jose.Header) (jose.JSONWebKey, string) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if jwks == "" || json.Unmarshal([]byte(jwks), &set) != nil || len(set.Keys) == 0 {
		return jose.JSONWebKey{}, "the client has no registered jwks"
	}
	raw, why := namedKey(set.Keys, header.KeyID)
	if why != "" {
		return jose.JSONWebKey{}, why
	}
	var key jose.JSONWebKey
	if err := parseClientKey(raw, &key); err != nil {
		return jose.JSONWebKey{}, keyName(header.KeyID) + " is not usable: " + err.Error()
	}
	if key.Algorithm != "" && !sameAlgorithm(key.Algorithm, header.Algorithm) || !verifiesAlg(key.Key, header.Algorithm) {
		return jose.JSONWebKey{}, keyName(header.KeyID) + " is not for " + header.Algorithm
	}
	return key, ""
}

// namedKey is the key of keys (a JWK Set's, each as JSON) whose "kid" is
// kid, the first if several are, or with no kid the only key of the set.
func namedKey(keys []json.RawMessage, kid string) (json.RawMessage, string) {
	if kid == "" {
		if len(keys) > 1 {
			return nil, fmt.Sprintf("the header names no 'kid', and the client's registered jwks has %d keys: name the key that signed (OIDC Core Section 10.1)", len(keys))
		}
		return keys[0], ""
	}
	for _, raw := range keys {
		var k struct {
			KeyID string `json:"kid"`
		}
		if json.Unmarshal(raw, &k) == nil && k.KeyID == kid {
			return raw, ""
		}
	}
	return nil, "no key of the client's registered jwks has the 'kid' " + quoteShort(kid)
}

// keyName names a registered key in a refusal: by the kid the header gave,
// or as the set's only key.
func keyName(kid string) string {
	if kid == "" {
		return "the client's only registered key"
	}
	return "the registered key " + quoteShort(kid)
}

// verifiesAlg reports whether key is of the type that alg, one of
// ClientAssertionAlgs, verifies with: RSA for RS256 and PS256
// ([RFC 7518 Section 3.1]), EC for ES256, Ed25519 for EdDSA
// ([RFC 8037 Section 3.1]) and Ed25519 ([RFC 9864 Section 2.2]).
//
// [RFC 7518 Section 3.1]: https://www.rfc-editor.org/rfc/rfc7518#section-3.1
// [RFC 8037 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8037#section-3.1
// [RFC 9864 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9864#section-2.2
func verifiesAlg(key any, alg string) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		return alg == string(jose.RS256) || alg == string(jose.PS256)
	case *ecdsa.PublicKey:
		return alg == string(jose.ES256)
	case ed25519.PublicKey:
		return alg == string(jose.EdDSA) || alg == string(AlgEd25519)
	}
	return false
}

// checkAssertionTimes: "The authorization server MUST reject any JWT with
// an expiration time that has passed, subject to allowable clock skew
// between systems" ([RFC 7523 Section 3]); one too far in the future, or
// issued or valid only in the future, is refused too. It checks exp
// (present, not passed, at most maxAssertionLifetime away), iat and nbf
// (if present, not in the future), each with assertionLeeway for clock
// skew.
//
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
func (p *Provider) checkAssertionTimes(a *assertionUnderCheck) string {
	c, now := a.claims, p.Now()
	skewed := now.Add(assertionLeeway)
	switch {
	case c.Expiry == nil:
		return "'exp' is required"
	case !now.Before(c.Expiry.Time().Add(assertionLeeway)):
		return "the assertion has expired ('exp', " + skewAllowed + ")"
	case c.Expiry.Time().After(skewed.Add(maxAssertionLifetime)):
		return "'exp' must be at most 5 minutes away (" + skewAllowed + ")"
	case c.IssuedAt != nil && c.IssuedAt.Time().After(skewed):
		return "the assertion is issued in the future ('iat', " + skewAllowed + ")"
	case c.NotBefore != nil && c.NotBefore.Time().After(skewed):
		return "the assertion is not valid yet ('nbf', " + skewAllowed + ")"
	}
	return ""
}

// onlyAudiences reports whether aud names at least one audience, and each
// of them is in ours.
func onlyAudiences(aud jwt.Audience, ours []string) bool {
	return len(aud) > 0 && !slices.ContainsFunc(aud, func(a string) bool { return !slices.Contains(ours, a) })
}

// assertionAudiences are the values of "aud" that name this authorization
// server at endpoint (a path): the issuer, the token endpoint's URL (under
// either of its paths) and the endpoint's own URL. The token endpoint's URL
// names the server wherever the assertion is sent: "The token endpoint URL
// of the authorization server MAY be used as a value for an "aud" element to
// identify the authorization server as an intended audience of the JWT"
// ([RFC 7523 Section 3]), and client libraries send it to revocation and
// introspection too; the PAR endpoint "MUST accept its issuer identifier,
// token endpoint URL, or pushed authorization request endpoint URL"
// ([RFC 9126 Section 2]).
//
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
// [RFC 9126 Section 2]: https://www.rfc-editor.org/rfc/rfc9126#section-2
func (p *Provider) assertionAudiences(endpoint string) []string {
	iss := p.Config.Issuer
	return []string{iss, iss + PathToken, iss + PathAccessToken, iss + endpoint}
}
