package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// Refuse builds the error response, sent to a's redirect URI, of a request
// that passed its checks but is not granted: the user said no
// (access_denied: "The resource owner or authorization server denied the
// request", [RFC 6749 Section 4.1.2.1]), or the request cannot be granted
// without the user, who is not to be asked or is not the one the
// id_token_hint names (login_required, consent_required:
// [OIDC Core Section 3.1.2.6]).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
// [OIDC Core Section 3.1.2.6]: https://openid.net/specs/openid-connect-core-1_0.html#AuthError
func (a *Authorization) Refuse(code ErrorCode, description string) *AuthorizationError {
	return a.errorResponse(NewError(code, description))
}

// errorResponse is err as an error response to a's redirect URI
// ([RFC 6749 Section 4.1.2.1]).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
func (a *Authorization) errorResponse(err *Error) *AuthorizationError {
	return &AuthorizationError{Error: err, RedirectURI: a.RedirectURI, State: a.State, PushedRequest: a.PushedRequest,
		UILocales: a.UILocales, Client: &a.Client}
}

// ruleUserApproves: the authorization server "establishes whether the
// resource owner grants or denies the client's access request"
// ([RFC 6749 Section 4.1], step B).
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
var ruleUserApproves = Rule{"the user approved the request", "RFC 6749 Section 4.1"}

// Decision is the user's answer on a consent page: the decision field of
// the authorization endpoint's form (ParseDecision) and of /device's
// (ParseDeviceDecision), which differ only in what a form without one means.
type Decision string

// The answers a consent page offers, and DecisionNone for a form sent
// without one: /device's form that carries only the user code, which asks
// for the consent page.
const (
	DecisionAllow Decision = "allow"
	DecisionDeny  Decision = "deny"
	DecisionNone  Decision = ""
)

// parseDecisionValue reads a decision field that is not empty: ok is false
// for anything but DecisionAllow or DecisionDeny.
func parseDecisionValue(field string) (decision Decision, ok bool) {
	decision = Decision(field)
	return decision, decision == DecisionAllow || decision == DecisionDeny
}

// ParseDecision reads the decision field of the login + consent form:
// DecisionAllow or DecisionDeny, and no answer is DecisionAllow (the form's
// default button). Anything else is no decision (ok false, and
// ruleUserApproves fails in the trace): the web layer shows the form
// again, as /device does (ParseDeviceDecision), so a form with a decision
// the page does not offer changes nothing: it neither signs anyone in nor
// ends the request.
func ParseDecision(ctx context.Context, field string) (decision Decision, ok bool) {
	if field == "" {
		return DecisionAllow, true
	}
	if decision, ok = parseDecisionValue(field); !ok {
		TraceFrom(ctx).Check(ruleUserApproves, false)
	}
	return decision, ok
}

// Decide turns the user's decision (ParseDecision) into the outcome of the
// authorization, under ruleUserApproves: nil, to issue the code, for
// DecisionAllow; access_denied for DecisionDeny.
func (a *Authorization) Decide(ctx context.Context, decision Decision) *AuthorizationError {
	if TraceFrom(ctx).Check(ruleUserApproves, decision == DecisionAllow) {
		return nil
	}
	return a.Refuse(ErrAccessDenied, "the user denied the request")
}

// IssueAuthorizationCode records the user's approval as a grant, issues a
// code for it ([RFC 6749 Section 4.1.2]) and returns the URI to redirect the
// user-agent to. The code is in the store before this returns. A pushed
// request is used up first ([RFC 9126 Section 2.2]: the request_uri is "a
// single-use reference"): of two approvals racing on one, only one gets a
// code. A request with an id_token_hint gets a code only for the user it
// names (ruleHintedUser), else login_required.
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
func (p *Provider) IssueAuthorizationCode(ctx context.Context, a *Authorization, userID string, authTime time.Time) (string, *AuthorizationError) {
	if err := a.checkHintedUser(ctx, userID); err != nil {
		return "", err
	}
	if err := p.usePushedRequest(ctx, a.PushedRequest); err != nil {
		return "", &AuthorizationError{Error: err} // shown, not redirected: the request may be another's
	}
	now := p.Now()
	expiresAt := now.Add(p.Config.CodeTTL)
	grant := p.newGrant(a.Client.ID, userID, a.Scope, authTime, now, expiresAt)
	grant.Resources = strings.Join(a.Resources, " ")
	code := NewSecret()
	sentRedirect := ""
	if a.SentRedirect {
		sentRedirect = a.RedirectURI
	}
	record := store.AuthorizationCode{
		Hash: HashSecret(code), GrantID: grant.ID, ClientID: a.Client.ID, UserID: userID,
		RedirectURI: sentRedirect, Scope: a.Scope, Resources: grant.Resources, CodeChallenge: a.CodeChallenge, Nonce: a.Nonce,
		DPoPJKT:  a.DPoPJKT,
		AuthTime: authTime, CreatedAt: now, ExpiresAt: expiresAt,
	}
	tr := TraceFrom(ctx)
	switch err := p.Store.CreateAuthorizationCode(ctx, grant, record); {
	case errors.Is(err, store.ErrNotFound): // shown, not redirected: the redirect URI was the deleted client's
		return "", &AuthorizationError{Error: clientGone(tr), UILocales: a.UILocales}
	case err != nil:
		return "", a.errorResponse(ServerError(err))
	}
	tr.Changed("grant created")
	tr.Changed("authorization code issued")
	tr.Succeeded("authorization code issued")
	return p.responseURI(a.RedirectURI, url.Values{"code": {code}}, a.State), nil
}

// ErrorRedirect is where a redirectable authorization error sends the
// user-agent ([RFC 6749 Section 4.1.2.1]): the redirect URI with error,
// state and iss. askFirst says the browser is not sent there on its own
// (TrustsRedirect): the user is shown where it leads and decides. An error
// sent back ends the authorization, so its pushed request, if any, is used
// up. If another answer used it up first (an approval and a denial of one
// request_uri at once), there is no error response: the error is
// invalid_request_uri, shown and not redirected, as IssueAuthorizationCode
// does, so that one pushed request ends once. Failing to mark it (the
// store) is logged, and the request then expires unused.
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
func (p *Provider) ErrorRedirect(ctx context.Context, e *AuthorizationError) (location string, askFirst bool, used *Error) {
	switch err := p.usePushedRequest(ctx, e.PushedRequest); {
	case err == nil:
	case err.ServerFault():
		p.Log.ErrorContext(ctx, "use pushed request", "err", err)
	default:
		return "", false, err
	}
	params := url.Values{"error": {string(e.Code)}}
	if e.Description != "" {
		params.Set("error_description", DescriptionValue(e.Description))
	}
	askFirst = !TrustsRedirect(*e.Client, e.RedirectURI)
	if askFirst {
		TraceFrom(ctx).Check(ruleRedirectAskFirst, true)
	}
	return p.responseURI(e.RedirectURI, params, e.State), askFirst, nil
}

// responseURI adds the response parameters to the redirect URI, with state
// when the request had one ([RFC 6749 Section 4.1.2]: "REQUIRED if the
// "state" parameter was present in the client authorization request. The
// exact value received from the client.") and iss always
// ([RFC 9207 Section 2]: "In authorization responses to the client,
// including error responses, an authorization server supporting this
// specification MUST indicate its identity by including the iss parameter
// in the response.").
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 9207 Section 2]: https://www.rfc-editor.org/rfc/rfc9207#section-2
func (p *Provider) responseURI(redirectURI string, params url.Values, state string) string {
	if state != "" {
		params.Set("state", state)
	}
	params.Set("iss", p.Config.Issuer)
	return withQuery(redirectURI, params)
}

// withQuery adds params to the query of uri, a redirect URI the client
// registered, after the query it has, which is kept byte for byte: the
// redirection endpoint URI "MAY include an "application/x-www-form-urlencoded"
// formatted [...] query component [...], which MUST be retained when adding
// additional query parameters" ([RFC 6749 Section 3.1.2]). A registered URI
// has no fragment (checkRedirectURIAbsolute), so the query is its end.
//
// [RFC 6749 Section 3.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
func withQuery(uri string, params url.Values) string {
	switch {
	case !strings.Contains(uri, "?"):
		uri += "?"
	case !strings.HasSuffix(uri, "?") && !strings.HasSuffix(uri, "&"):
		uri += "&"
	}
	return uri + params.Encode()
}
