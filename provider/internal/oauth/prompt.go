package oauth

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// Prompt is a value of the OpenID Connect prompt parameter
// ([OIDC Core Section 3.1.2.1]).
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
type Prompt string

// The prompt values of [OIDC Core Section 3.1.2.1].
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
const (
	PromptNone          Prompt = "none"           // answer without any page: the user is signed in and consented
	PromptLogin         Prompt = "login"          // ask for the password even with a login session
	PromptConsent       Prompt = "consent"        // ask for consent (the consent page always does)
	PromptSelectAccount Prompt = "select_account" // show the sign-in form: the account is the one the user signs in with
)

// knownPrompts are the prompt values parsePrompt accepts, and the ones
// the discovery document lists.
var knownPrompts = []Prompt{PromptNone, PromptLogin, PromptConsent, PromptSelectAccount}

// The rules of prompt and max_age ([OIDC Core Section 3.1.2.1]): "If this
// parameter contains none with any other value, an error is returned."
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
var (
	rulePromptValues = Rule{"prompt holds known values, and none only alone", "OIDC Core Section 3.1.2.1"}
	ruleMaxAgeForm   = Rule{"max_age is a non-negative whole number of seconds, in decimal digits", "OIDC Core Section 3.1.2.1"}
)

// parsePrompt reads the OpenID Connect prompt parameter under rulePromptValues.
func parsePrompt(tr *Trace, s string) ([]Prompt, *Error) {
	if s == "" {
		return nil, nil
	}
	values, err := parseList(tr, rulePromptValues, "prompt", s, ErrInvalidRequest) // same syntax as scope: space-delimited
	if err != nil {
		return nil, err
	}
	prompts := make([]Prompt, len(values))
	for i, v := range values {
		prompts[i] = Prompt(v)
		if !slices.Contains(knownPrompts, prompts[i]) {
			return nil, tr.Fail(rulePromptValues, ErrInvalidRequest, "unknown prompt value "+quoteShort(v))
		}
	}
	if slices.Contains(prompts, PromptNone) && len(prompts) > 1 {
		return nil, tr.Fail(rulePromptValues, ErrInvalidRequest, "prompt=none cannot be combined with other values")
	}
	tr.Check(rulePromptValues, true)
	return prompts, nil
}

// longestMaxAge is the largest max_age, in seconds, taken as it is (about
// 68 years): a larger one is taken as this. It is longer than any login
// session (SESSION_TTL is at most 30 days), so a larger max_age asks for
// nothing more, and its seconds fit a time.Duration.
const longestMaxAge = math.MaxInt32

// parseMaxAge reads max_age, the allowable seconds since the user last
// authenticated; -1 when absent. [OIDC Core Section 3.1.2.1] sets it no
// upper bound: digits of any value are taken, at most longestMaxAge.
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func parseMaxAge(tr *Trace, s string) (time.Duration, *Error) {
	if s == "" {
		return -1, nil
	}
	if strings.Trim(s, "0123456789") != "" {
		return 0, tr.Fail(ruleMaxAgeForm, ErrInvalidRequest, "max_age must be a non-negative whole number of seconds, in decimal digits")
	}
	tr.Check(ruleMaxAgeForm, true)
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil { // digits only: beyond longestMaxAge
		n = longestMaxAge
	}
	return time.Duration(n) * time.Second, nil
}

// needsLogin reports whether the user must (re-)enter credentials even with
// a login session that authenticated at authTime: prompt=login,
// prompt=select_account, or max_age exceeded ([OIDC Core Section 3.1.2.1]):
// "If the elapsed time is greater than this value, the OP MUST attempt to
// actively re-authenticate the End-User. … Note that max_age=0 is
// equivalent to prompt=login." The session keeps authTime in whole
// seconds, so a sign-in in the current second would look 0 s old: max_age=0
// is therefore checked on its own.
//
// select_account: "The Authorization Server SHOULD prompt the End-User to
// select a user account. … If it cannot obtain an account selection choice
// made by the End-User, it MUST return an error". A login session holds one
// account, so the sign-in form is where the user chooses one: the consent
// page alone would approve for the session's account without asking.
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func (p *Provider) needsLogin(a *Authorization, authTime time.Time) bool {
	if authTime.IsZero() || a.PromptIncludes(PromptLogin) || a.PromptIncludes(PromptSelectAccount) || a.MaxAge == 0 {
		return true
	}
	return a.MaxAge > 0 && p.Now().Sub(authTime) > a.MaxAge
}

// LoginSession is what the browser's login session at this provider holds
// for an authorization request.
type LoginSession struct {
	UserID    string    // who is signed in; "" for no one
	AuthTime  time.Time // when they last entered their password
	Consented string    // the scopes they approved before for this request's client
	// ConsentedResources are the resource servers they approved with
	// those scopes (ResourcesToGrant).
	ConsentedResources []string
}

// The rules of an authorization answered without a page ([OIDC Core Section 3.1.2.1],
// [RFC 8252 Section 8.6]).
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
// [RFC 8252 Section 8.6]: https://www.rfc-editor.org/rfc/rfc8252#section-8.6
var (
	// ruleUserSignedIn is also checked when a login form is sent with a
	// login session instead of a password (SignIn).
	ruleUserSignedIn  = Rule{"the user is signed in, recently enough for prompt and max_age", "OIDC Core Section 3.1.2.1"}
	ruleSilentConsent = Rule{"prompt=none: the user approved these scopes and resource servers before, and the client is confidential, not described by a metadata document", "RFC 8252 Section 8.6"}
)

// AnswerPromptNone decides a request with prompt=none
// ([OIDC Core Section 3.1.2.1]): "The Authorization Server MUST NOT display
// any authentication or consent user interface pages. An error is returned
// if an End-User is not already authenticated or the Client does not have
// pre-configured consent for the requested Claims". It returns nil when the
// request may be approved at once, else login_required (also when an
// id_token_hint names another user: ruleHintedUser) or consent_required, to
// be sent back to the client.
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func (p *Provider) AnswerPromptNone(ctx context.Context, a *Authorization, s LoginSession) *AuthorizationError {
	tr := TraceFrom(ctx)
	if !tr.Check(ruleUserSignedIn, s.UserID != "" && !p.needsLogin(a, s.AuthTime)) {
		if s.UserID != "" {
			return a.Refuse(ErrLoginRequired, "the user signed in longer ago than max_age allows")
		}
		return a.Refuse(ErrLoginRequired, "the user is not signed in")
	}
	if !a.hintAllows(s.UserID) { // the hinted user is not signed in: login_required, whatever the consent
		return a.checkHintedUser(ctx, s.UserID) // traced here when it refuses; IssueAuthorizationCode traces its pass
	}
	if !tr.Check(ruleSilentConsent, p.mayApproveSilently(a, s)) {
		return a.Refuse(ErrConsentRequired, "the user has not approved this request")
	}
	return nil
}

// mayApproveSilently reports whether prompt=none may succeed: the client is
// confidential and the user approved these scopes and resource servers
// for it before: those the request asks for are among the ones remembered
// (s.Consented, s.ConsentedResources). A token for another resource server
// is another grant ([RFC 8707 Section 2]: the client names the target
// service so that the server can apply its policy to it), so a request
// naming one the user never approved for the client is asked again, as
// "pre-configured consent for the requested Claims" covers only what it
// names ([OIDC Core Section 3.1.2.1]). A public client's request is never
// approved without the user's action ([RFC 8252 Section 8.6]), nor the
// request of a client described by its client ID metadata document, whose
// keys and addresses may have changed since the user approved it
// ([CIMD Section 6.3]: changes "could impact the validity of previously
// granted user consent").
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
// [RFC 8252 Section 8.6]: https://www.rfc-editor.org/rfc/rfc8252#section-8.6
// [CIMD Section 6.3]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.3
func (p *Provider) mayApproveSilently(a *Authorization, s LoginSession) bool {
	if a.Client.Type == store.Public || a.Client.FromMetadataDocument() {
		return false
	}
	for _, scope := range parseScope(a.Scope) {
		if !hasScope(s.Consented, scope) {
			return false
		}
	}
	for _, resource := range p.ResourcesToGrant(a) {
		if !slices.Contains(s.ConsentedResources, resource) {
			return false
		}
	}
	return true
}

// ResourcesToGrant are the resource servers the tokens of a may be for:
// those its request named ([RFC 8707 Section 2]), in their configured
// spelling, or the provider's own when it named none. The consent page
// shows them, and the login session remembers them with the approved
// scope (LoginSession.ConsentedResources).
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func (p *Provider) ResourcesToGrant(a *Authorization) []string {
	if len(a.Resources) == 0 {
		return []string{p.Config.ResourceAudience()}
	}
	return a.Resources
}
