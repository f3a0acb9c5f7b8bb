package oauth

import (
	"slices"
	"strconv"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// The rules of prompt and max_age ([OIDC Core Section 3.1.2.1]): "If this
// parameter contains none with any other value, an error is returned."
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
var (
	rulePromptValues = Rule{"prompt holds known values, and none only alone", "OIDC Core Section 3.1.2.1"}
	ruleMaxAgeForm   = Rule{"max_age is a non-negative number of seconds", "OIDC Core Section 3.1.2.1"}
)

// parsePrompt reads the OpenID Connect prompt parameter under rulePromptValues.
func parsePrompt(tr *Trace, s string) ([]string, *Error) {
	if s == "" {
		return nil, nil
	}
	prompts, err := parseList(tr, rulePromptValues, "prompt", s, ErrInvalidRequest) // same syntax as scope: space-delimited
	if err != nil {
		return nil, err
	}
	for _, v := range prompts {
		if !slices.Contains([]string{"none", "login", "consent", "select_account"}, v) {
			return nil, tr.Fail(rulePromptValues, ErrInvalidRequest, "unknown prompt value "+quoteShort(v))
		}
	}
	if slices.Contains(prompts, "none") && len(prompts) > 1 {
		return nil, tr.Fail(rulePromptValues, ErrInvalidRequest, "prompt=none cannot be combined with other values")
	}
	tr.Check(rulePromptValues, true)
	return prompts, nil
}

// parseMaxAge reads max_age, the allowable seconds since the user last
// authenticated; -1 when absent.
func parseMaxAge(tr *Trace, s string) (time.Duration, *Error) {
	if s == "" {
		return -1, nil
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, tr.Fail(ruleMaxAgeForm, ErrInvalidRequest, "max_age must be a non-negative number of seconds")
	}
	tr.Check(ruleMaxAgeForm, true)
	return time.Duration(n) * time.Second, nil
}

// NeedsLogin reports whether the user must (re-)enter credentials even with
// a login session that authenticated at authTime: prompt=login, or max_age
// exceeded ([OIDC Core Section 3.1.2.1]): "If the elapsed time is greater
// than this value, the OP MUST attempt to actively re-authenticate the
// End-User. … Note that max_age=0 is equivalent to prompt=login." The
// session keeps authTime in whole seconds, so a sign-in in the current
// second would look 0 s old: max_age=0 is therefore checked on its own.
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func (p *Provider) NeedsLogin(a *Authorization, authTime time.Time) bool {
	if authTime.IsZero() || a.PromptIncludes("login") || a.MaxAge == 0 {
		return true
	}
	return a.MaxAge > 0 && p.now().Sub(authTime) > a.MaxAge
}

// MayApproveSilently reports whether prompt=none may succeed: the client is
// confidential and the user consented to these scopes before. A public
// client's request is never approved without the user's action
// ([RFC 8252 Section 8.6]).
//
// [RFC 8252 Section 8.6]: https://www.rfc-editor.org/rfc/rfc8252#section-8.6
func MayApproveSilently(a *Authorization, consentedScope string) bool {
	if a.Client.Type == store.Public {
		return false
	}
	for _, s := range parseScope(a.Scope) {
		if !hasScope(consentedScope, s) {
			return false
		}
	}
	return true
}
