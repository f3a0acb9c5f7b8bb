package web

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
)

// verifyIDToken validates an ID token as [OIDC Core Section 3.1.3.7]
// requires, and returns each check made, in order, for the walkthrough.
// verifier is that of the client the token was issued to (verifierFor).
// go-oidc checks the signature against the provider's JWKS, then iss, aud
// (our client_id) and exp; this function adds the claims go-oidc leaves
// (claimChecks), the nonce and, when present, at_hash. An empty nonce skips
// the nonce check: an ID token from a refresh need not carry one
// ([OIDC Core Section 12.2]).
//
// [OIDC Core Section 3.1.3.7]: https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
// [OIDC Core Section 12.2]: https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
func verifyIDToken(ctx context.Context, verifier *oidc.IDTokenVerifier, raw, accessToken, nonce string) (*oidc.IDToken, []xray.Check, error) {
	if raw == "" {
		err := errors.New("the token response has no id_token, although the scope included openid")
		return nil, []xray.Check{{Rule: "the token response carries an ID token", Ref: "OIDC Core Section 3.1.3.3", Detail: err.Error()}}, err
	}
	idt, err := verifier.Verify(ctx, raw)
	checks := goOIDCChecks(err)
	if err != nil {
		return nil, checks, err
	}
	claims, err := claimChecks(idt)
	checks = append(checks, claims...)
	if err != nil {
		return nil, checks, err
	}
	// [OIDC Core Section 3.1.3.7], step 11: "If a nonce value was sent in the
	// Authentication Request, a nonce Claim MUST be present and its value
	// checked to verify that it is the same value as the one that was sent".
	//
	// [OIDC Core Section 3.1.3.7]: https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
	if nonce != "" {
		ok := subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) == 1
		checks = append(checks, ruleNonceMatches.checked(ok, ""))
		if !ok {
			return nil, checks, errors.New("the ID token's nonce is not the one this login sent (a replayed or injected token)")
		}
	}
	// [OIDC Core Section 3.1.3.8]: the client MAY check at_hash against the
	// access token.
	//
	// [OIDC Core Section 3.1.3.8]: https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowTokenValidation
	if idt.AccessTokenHash != "" {
		err := idt.VerifyAccessToken(accessToken)
		checks = append(checks, ruleAtHashMatches.checked(err == nil, ""))
		if err != nil {
			return nil, checks, fmt.Errorf("at_hash does not match the access token: %w", err)
		}
	}
	return idt, checks, nil
}

// The checks verifyIDToken adds to go-oidc's: the nonce, and at_hash when
// the ID token has one.
var (
	ruleNonceMatches  = rule{Text: "nonce is the one this login sent in (A)", Ref: "OIDC Core Section 3.1.3.7"}
	ruleAtHashMatches = rule{Text: "at_hash matches the access token", Ref: "OIDC Core Section 3.1.3.8"}
)

// withKeyFetches adds to hops, the exchanges of a login, the fetches of the
// provider's JWKS ([RFC 7517 Section 5]) made since verifying began, when
// the ID token's signature was checked, and says on that check where its
// keys came from. go-oidc fetches the keys with a context of the app's
// lifetime, as it caches them for every login, so the fetches are recorded
// in the client's own log (shown on the home page before any login), not in
// the login's: a login needs them the first time, and after the provider
// rotates its keys.
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func (a *App) withKeyFetches(hops []xray.Hop, verifying time.Time, checks []xray.Check) []xray.Hop {
	var fetches []wirelog.Exchange
	for _, e := range a.wire.Entries() {
		if e.URL == a.back.JWKSURI && !e.Time.Before(verifying) {
			fetches = append(fetches, e)
		}
	}
	for i := range checks {
		if checks[i].Rule != checkIDTokenSignature.Rule || checks[i].Detail != "" {
			continue
		}
		checks[i].Detail = "The keys came from the client's cache: it fetched them before this login, and fetches them again only for a key it does not know."
		if len(fetches) > 0 {
			checks[i].Detail = "The client fetched the keys during this login: see the hop of the provider's signing keys."
		}
	}
	return append(hops, a.hopsOf(fetches)...)
}

// The checks go-oidc's Verify makes ([OIDC Core Section 3.1.3.7]).
//
// [OIDC Core Section 3.1.3.7]: https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
var (
	checkIDTokenSignature = xray.Check{Rule: "the signature verifies with a key of the provider's JWKS (RS256)", Ref: "OIDC Core Section 3.1.3.7"}
	checkIDTokenIssuer    = xray.Check{Rule: "iss is the provider's issuer", Ref: "OIDC Core Section 3.1.3.7"}
	checkIDTokenAudience  = xray.Check{Rule: "aud contains this client's client_id", Ref: "OIDC Core Section 3.1.3.7"}
	checkIDTokenExpiry    = xray.Check{Rule: "exp is in the future", Ref: "OIDC Core Section 3.1.3.7"}
)

// idTokenChecks are the checks go-oidc's Verify makes, in its order.
var idTokenChecks = []xray.Check{checkIDTokenSignature, checkIDTokenIssuer, checkIDTokenAudience, checkIDTokenExpiry}

// claimChecks makes the checks on a verified ID token's claims that go-oidc
// leaves to the client, in order, and returns them with the first failure's
// error. go-oidc checked that aud names this client; [OIDC Core Section 3.1.3.7]
// step 3 also says "The ID Token MUST be rejected if [...] it contains
// additional audiences not trusted by the Client", and this client trusts
// none; step 5, "If an azp (authorized party) Claim is present, the Client
// SHOULD verify that its client_id is the Claim Value". sub and iat are
// REQUIRED claims of every ID token ([OIDC Core Section 2]).
//
// [OIDC Core Section 3.1.3.7]: https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
// [OIDC Core Section 2]: https://openid.net/specs/openid-connect-core-1_0.html#IDToken
func claimChecks(idt *oidc.IDToken) ([]xray.Check, error) {
	var azp struct {
		Party string `json:"azp"`
	}
	if err := idt.Claims(&azp); err != nil { // azp that is not a string
		azp.Party = "(not a string)"
	}
	self := idt.Audience[0] // this client: go-oidc found it in aud, and aud must hold nothing else
	rules := []struct {
		check xray.Check
		ok    bool
		why   string
	}{
		{xray.Check{Rule: "aud names no other audience than this client", Ref: "OIDC Core Section 3.1.3.7"}, len(idt.Audience) == 1,
			"the ID token names other audiences beside this client: " + strings.Join(idt.Audience, ", ")},
		{xray.Check{Rule: "azp, if present, is this client's client_id", Ref: "OIDC Core Section 3.1.3.7"}, azp.Party == "" || azp.Party == self,
			"the ID token's azp names another party: " + azp.Party},
		{xray.Check{Rule: "sub and iat, required claims, are present", Ref: "OIDC Core Section 2"}, idt.Subject != "" && !idt.IssuedAt.IsZero(),
			"the ID token lacks sub or iat, claims every ID token must have"},
	}
	checks := make([]xray.Check, 0, len(rules))
	for _, r := range rules {
		r.check.Passed = r.ok
		checks = append(checks, r.check)
		if !r.ok {
			return checks, errors.New(r.why)
		}
	}
	return checks, nil
}

// goOIDCChecks returns the checks go-oidc made: all passed when err is nil;
// otherwise those before the one err names, passed, then that one, failed.
func goOIDCChecks(err error) []xray.Check {
	failed := len(idTokenChecks)
	if err != nil {
		failed = slices.Index(idTokenChecks, verifyFailure(err))
	}
	out := make([]xray.Check, 0, len(idTokenChecks))
	for i, c := range idTokenChecks[:min(failed+1, len(idTokenChecks))] {
		c.Passed = i < failed
		if i == failed {
			c.Detail = wirelog.Shorten(err.Error())
		}
		out = append(out, c)
	}
	return out
}

// verifyFailure returns the check of idTokenChecks a go-oidc Verify error
// reports. go-oidc has typed errors for expiry only; the others are told
// apart by their text.
func verifyFailure(err error) xray.Check {
	var expired *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &expired), strings.Contains(msg, "nbf"):
		return checkIDTokenExpiry
	case strings.Contains(msg, "different provider"):
		return checkIDTokenIssuer
	case strings.Contains(msg, "expected audience"):
		return checkIDTokenAudience
	}
	return checkIDTokenSignature
}

// userOf returns who logged in: the verified ID token's claims, completed
// from the userinfo endpoint ([OIDC Core Section 5.3]) when the ID token
// lacks a name or email. A failing userinfo call only loses those
// details; it is logged.
//
// [OIDC Core Section 5.3]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
func (a *App) userOf(ctx context.Context, idt *oidc.IDToken, tok *oauth2.Token) user {
	var claims struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	_ = idt.Claims(&claims) // Verify has already parsed them.
	u := user{Subject: idt.Subject, Name: claims.Name, Email: claims.Email}
	if (u.Name != "" && u.Email != "") || a.back.UserinfoEndpoint == "" {
		return u
	}
	info, err := a.userinfo(ctx, tok)
	if err != nil {
		a.log.WarnContext(ctx, "userinfo request failed; showing the ID token's claims only", "err", err)
		return u
	}
	// [OIDC Core Section 5.3.2]: "The sub Claim in the UserInfo Response MUST
	// be verified to exactly match the sub Claim in the ID Token; if they do
	// not match, the UserInfo Response values MUST NOT be used."
	//
	// [OIDC Core Section 5.3.2]: https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
	if info.Subject != u.Subject {
		a.log.WarnContext(ctx, "userinfo sub differs from the ID token's; ignoring userinfo", "id_token_sub", u.Subject, "userinfo_sub", info.Subject)
		return u
	}
	u.Name, u.Email = cmp.Or(u.Name, info.Name), cmp.Or(u.Email, info.Email)
	return u
}

// userinfo calls the userinfo endpoint with the access token.
func (a *App) userinfo(ctx context.Context, tok *oauth2.Token) (user, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.back.UserinfoEndpoint, nil)
	if err != nil {
		return user{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok)).Do(req)
	if err != nil {
		return user{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return user{}, fmt.Errorf("userinfo: %s", resp.Status)
	}
	var info struct {
		Subject string `json:"sub"`
		Name    string `json:"name"`
		Email   string `json:"email"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return user{}, fmt.Errorf("userinfo: %w", err)
	}
	return user{Subject: info.Subject, Name: info.Name, Email: info.Email}, nil
}
