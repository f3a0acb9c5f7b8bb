package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
)

// handleCallback handles "GET /callback", the redirection endpoint: step (C)
// of [RFC 6749 Section 4.1], the authorization response
// ([RFC 6749 Section 4.1.2]), then steps (D) and (E): the access token request
// ([RFC 6749 Section 4.1.3]) and the validation of the ID token.
//
// Nothing is exchanged unless the response carries the state this browser's
// session is waiting for ([RFC 6749 Section 10.12]) and comes from the
// expected issuer ([RFC 9207 Section 2.4]). In step-by-step mode the client
// stops here and shows the response and its checks (see step.go).
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
func (a *App) handleCallback(c *gin.Context) {
	r := parseAuthorizationResponse(c.Request.URL.Query())
	hop := a.authorizationResponseHop(c.Request.URL, a.cfg.RedirectURI)
	s, p, err := a.checkAuthorizationResponse(c, r, &hop)
	walk := xray.NewWalk(walkSize)
	if p.State != "" {
		walk.Add(p.Pushed...)
		walk.Add(p.Request)
	}
	walk.Add(hop)
	if err != nil {
		a.renderFailure(c, err, walk)
		return
	}
	if p.Attack != "" {
		a.finishAttack(c, s, p, r.Code, walk)
		return
	}
	if p.StepByStep {
		a.holdResponse(c, s, heldResponse{Pending: p, Code: r.Code, Walk: walk, Created: a.now()})
		return
	}
	a.completeLogin(c, s, r.Code, p, walk)
}

// completeLogin performs steps (D) and (E) and, when they succeed, starts
// a session holding the login and goes home. The walk then holds the whole login;
// after a failure it stays in the session, for the home page to show.
func (a *App) completeLogin(c *gin.Context, s *webSession, code string, p pendingAuthorization, walk *xray.Walk) {
	lg, hops, err := a.redeem(c.Request.Context(), code, p)
	walk.Add(hops...)
	if err != nil {
		s.Lock()
		s.Data.Walk = walk
		s.Unlock()
		a.renderFailure(c, err, walk)
		return
	}
	if err := a.replaceSession(c, s, sessionData{Login: lg, Walk: walk}); err != nil {
		a.renderInternalError(c, "saving the login", err)
		return
	}
	c.Redirect(http.StatusFound, "/")
}

// callbackParams explain the parameters of the authorization response.
var callbackParams = []paramDoc{
	{"code", "The authorization code: single use, short-lived, bound to this client, this redirect_uri and the PKCE challenge.", "RFC 6749 Section 4.1.2"},
	{"state", "Must be the state this browser's session sent in (A).", "RFC 6749 Section 4.1.2"},
	{"iss", "The issuer that answered: it must be the one the request went to (mix-up defence).", "RFC 9207 Section 2"},
	{"error", "Why the provider sent no code.", "RFC 6749 Section 4.1.2.1"},
	{"error_description", "The provider's explanation, for the developer.", "RFC 6749 Section 4.1.2.1"},
	{"error_uri", "A page about the error.", "RFC 6749 Section 4.1.2.1"},
}

// authorizationResponseHop is step (C) for the walkthrough: the URL the
// browser came back on (code masked), at redirectURI, and its parameters,
// explained.
func (a *App) authorizationResponseHop(u *url.URL, redirectURI string) xray.Hop {
	shown, err := url.Parse(redirectURI)
	if err != nil {
		shown = &url.URL{Path: u.Path}
	}
	shown.RawQuery = u.RawQuery
	return xray.Hop{
		Step: "C", Title: "Authorization response", Ref: "RFC 6749 Section 4.1.2", Time: a.now(), Channel: xray.Front,
		Note:        "The provider redirected your browser back to the client's redirect URI.",
		URL:         wirelog.MaskURL(shown),
		Params:      explainParams(u.String(), callbackParams),
		ChecksTitle: "The client's checks",
	}
}

// authorizationResponse is the authorization response as the redirection
// endpoint received it: a code ([RFC 6749 Section 4.1.2]) or an error
// ([RFC 6749 Section 4.1.2.1]), the state, and the issuer
// ([RFC 9207 Section 2]).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
// [RFC 9207 Section 2]: https://www.rfc-editor.org/rfc/rfc9207#section-2
type authorizationResponse struct {
	Code             string
	State            string
	Issuer           string
	HasIssuer        bool // iss was sent, even empty
	Error            string
	ErrorDescription string
	// Repeated is the first of code, state, iss and error that came more
	// than once, or "".
	Repeated string
	// MCP is set when the response came to the MCP walkthrough's redirect
	// URI (mcp.go): it answers only a request of that walkthrough, and the
	// main login's only come to /callback.
	MCP bool
}

// parseAuthorizationResponse reads the callback's query, once: the checks
// of step (C) and the steps after it use what it returns. The error and its
// description, which a page shows, are shortened (wirelog.Shorten): the
// query is whatever the browser came with.
func parseAuthorizationResponse(q url.Values) authorizationResponse {
	return authorizationResponse{
		Code: q.Get("code"), State: q.Get("state"), Issuer: q.Get("iss"), HasIssuer: q.Has("iss"),
		Error: wirelog.Shorten(q.Get("error")), ErrorDescription: wirelog.Shorten(q.Get("error_description")),
		Repeated: repeatedParam(q, "code", "state", "iss", "error"),
	}
}

// The rules of step (C), in the order checkAuthorizationResponse applies
// them: [RFC 6749 Section 3.1], [RFC 6749 Section 10.12],
// [RFC 9207 Section 2.4], [RFC 6749 Section 4.1.2].
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
var (
	ruleNoRepeatedParam = rule{Text: "no parameter appears more than once", Ref: "RFC 6749 Section 3.1",
		Quote: `"Request and response parameters MUST NOT be included more than once."`}
	ruleStateIsWaited = rule{Text: "state is one this browser's session is waiting for", Ref: "RFC 6749 Section 10.12",
		Quote: `the client "MUST implement CSRF protection for its redirection URI", by binding the state value to the user agent's authenticated state.`}
	ruleIssuerMatches = rule{Text: "iss is the issuer the request went to", Ref: "RFC 9207 Section 2.4",
		Quote: `"If the value does not match the expected issuer identifier, clients MUST reject the authorization response and MUST NOT proceed with the authorization grant."`}
	// ruleIssuerSent is the sentence of the same section that a response
	// without iss breaks.
	ruleIssuerSent = rule{Text: "iss is sent when the authorization server's metadata says it always is", Ref: "RFC 9207 Section 2.4",
		Quote: `"Clients MUST reject authorization responses without the iss parameter from authorization servers that do support the parameter according to the client's configuration."`}
	ruleCodeNotError = rule{Text: "the response carries a code, not an error", Ref: "RFC 6749 Section 4.1.2",
		Quote: `"code REQUIRED. The authorization code generated by the authorization server." A response without one must be an error response, with "error REQUIRED" (RFC 6749 Section 4.1.2.1).`}
)

// checkAuthorizationResponse applies the checks of step (C) in order,
// recording each in hop: no repeated parameters, the state, the issuer,
// then a code rather than an error. It returns the session and the
// authorization request the response answers, which is now spent.
func (a *App) checkAuthorizationResponse(c *gin.Context, r authorizationResponse, hop *xray.Hop) (*webSession, pendingAuthorization, error) {
	check := func(want rule, passed bool, detail string) bool {
		hop.Checks = append(hop.Checks, want.checked(passed, detail))
		return passed
	}
	if !check(ruleNoRepeatedParam, r.Repeated == "", r.Repeated) {
		return nil, pendingAuthorization{}, pageErr(http.StatusBadRequest, errorView{
			Title:   "Malformed authorization response",
			Message: a.lang(c).T("The parameter %q appears more than once. Nothing was exchanged.", r.Repeated),
			Rule:    ruleNoRepeatedParam.Quoted(),
		})
	}
	s, p, ok := a.takePending(c, r.State, r.MCP)
	if !check(ruleStateIsWaited, ok, "") {
		return nil, p, stateMismatch(r)
	}
	if err := checkIssuer(r, a.serverOf(p), a.lang(c)); !check(issuerRule(r), err == nil, "") {
		return nil, p, err
	}
	if !check(ruleCodeNotError, r.Error == "" && r.Code != "", r.Error) {
		if r.Error != "" {
			return nil, p, authorizationError(r)
		}
		return nil, p, pageErr(http.StatusBadRequest, errorView{
			Title: "Malformed authorization response",
			Message: "The response has neither a code nor an error, so there is nothing to exchange. " +
				"It carried the state of this browser's login, and a state is used once: this login is now spent, " +
				"and a response that comes later for it is refused. Log in again to start a new one.",
			Rule:  ruleCodeNotError.Quoted(),
			Retry: true,
		})
	}
	return s, p, nil
}

// repeatedParam returns the first of names that q holds more than once.
func repeatedParam(q url.Values, names ...string) string {
	for _, name := range names {
		if len(q[name]) > 1 {
			return name
		}
	}
	return ""
}

// stateMismatch explains a response whose state this browser is not waiting
// for: a forged or replayed response, or a login CSRF attempt. When the
// response is an error, it shows what the provider said, and why the client
// still cannot act on it.
func stateMismatch(r authorizationResponse) error {
	v := stateMismatchView
	if code := r.Error; code != "" {
		v.Title = "The provider answered with an error, for a login this browser did not start"
		v.Code, v.Description = code, r.ErrorDescription
		v.Message = "The provider sent the browser back with the error below. The client cannot tie this response to a " +
			"login of this browser: its state is missing, unknown, expired or already used. The error may be genuine " +
			"(most often: the login began before the client restarted, in another browser, or at another address such " +
			"as 127.0.0.1 instead of localhost, whose cookies differ), but an attacker could send the same response, " +
			"so the client treats it as not meant for you and does nothing."
	}
	return pageErr(http.StatusForbidden, v)
}

// stateMismatchView explains a response whose state this browser is not
// waiting for: a forged or replayed response, or a login CSRF attempt.
var stateMismatchView = errorView{
	Title: "State mismatch: response refused",
	Message: "This authorization response does not carry the state value this browser's session is waiting for " +
		"(it is missing, altered, already used, expired, or was started in another browser). " +
		"It may be an attacker's response planted in your browser (login CSRF), so the client did not exchange the code.",
	Rule:  ruleStateIsWaited.Quoted(),
	Retry: true,
}

// takePending finds the caller's session and removes from it the
// authorization request whose state is state, of the MCP walkthrough when
// mcp is set, else of a login.
func (a *App) takePending(c *gin.Context, state string, mcp bool) (*webSession, pendingAuthorization, bool) {
	s, ok := a.currentSession(c)
	if !ok {
		return nil, pendingAuthorization{}, false
	}
	s.Lock()
	defer s.Unlock()
	p, ok := s.Data.takePending(state, mcp, a.now())
	return s, p, ok
}

// serverOf returns the metadata, as the browser sees it, of the
// authorization server p's request went to: the one the MCP walkthrough
// discovered, or the client's own.
func (a *App) serverOf(p pendingAuthorization) metadata.Metadata {
	if p.MCP != nil {
		return p.MCP.Server
	}
	return a.public
}

// issuerRule returns the rule of [RFC 9207 Section 2.4] that r's iss is
// checked against: ruleIssuerMatches when r carries one, else ruleIssuerSent.
//
// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
func issuerRule(r authorizationResponse) rule {
	if r.HasIssuer {
		return ruleIssuerMatches
	}
	return ruleIssuerSent
}

// checkIssuer applies ruleIssuerMatches, [RFC 9207 Section 2.4]: "This
// comparison MUST use simple string comparison" (so a trailing "/" is a
// difference), and ruleIssuerSent. This defeats mix-up attacks. server is
// the metadata of the authorization server the request went to. A missing
// iss and another issuer get each their own explanation, its detail in l.
//
// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
func checkIssuer(r authorizationResponse, server metadata.Metadata, l i18n.Lang) error {
	iss, present := r.Issuer, r.HasIssuer
	switch {
	case present && iss == server.Issuer:
		return nil
	case !present && !server.AuthorizationResponseIssParameterSupported:
		return nil
	case !present:
		return pageErr(http.StatusForbidden, errorView{
			Title: "Missing issuer: response refused",
			Message: "The authorization response carries no iss, but the authorization server's metadata says it always sends one " +
				"(authorization_response_iss_parameter_supported). The response may not come from that server (a mix-up attack), " +
				"so the client did not exchange the code.",
			Detail: l.T("expected iss=%q", server.Issuer),
			Rule:   ruleIssuerSent.Quoted(),
			Retry:  true,
		})
	}
	return pageErr(http.StatusForbidden, errorView{
		Title: "Wrong issuer: response refused",
		Message: "The authorization response names another issuer than the one the request went to. " +
			"It may come from another authorization server (a mix-up attack), so the client did not exchange the code.",
		Detail: l.T("iss=%q, expected %q", wirelog.Shorten(iss), server.Issuer),
		Rule:   ruleIssuerMatches.Quoted(),
		Retry:  true,
	})
}

// redeem performs steps (D) and (E): it exchanges the code with the client's
// secret and the PKCE code_verifier ([RFC 7636 Section 4.5]), then verifies
// the ID token and learns who the user is. It returns the hops of the
// exchanges it made, the token response that carried the ID token holding
// its checks.
//
// [RFC 7636 Section 4.5]: https://www.rfc-editor.org/rfc/rfc7636#section-4.5
func (a *App) redeem(ctx context.Context, code string, p pendingAuthorization) (*login, []xray.Hop, error) {
	ctx, capture := a.recording(ctx)
	tok, err := a.oauthFor(p.SignWithKey).Exchange(ctx, code, oauth2.VerifierOption(p.CodeVerifier))
	if err != nil {
		return nil, a.hopsOf(capture.Entries()), tokenRequestError("The token request (step D) failed", codeGrant, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	verifying := time.Now() // the clock of the wire log's entries
	idt, checks, err := verifyIDToken(ctx, a.verifierFor(p.SignWithKey), raw, tok.AccessToken, p.Nonce)
	hops := withIDTokenChecks(a.withKeyFetches(a.hopsOf(capture.Entries()), verifying, checks), checks)
	if err != nil {
		return nil, hops, pageErr(http.StatusBadGateway, errorView{
			Title:   "The ID token was rejected (step E)",
			Message: "The provider answered with tokens, but the ID token did not pass validation, so the client does not trust them:",
			Detail:  wirelog.Shorten(err.Error()),
			Rule:    "OIDC Core Section 3.1.3.7: the client MUST validate the ID token (signature, iss, aud, exp, nonce).",
			Retry:   true,
		}).withCause(err)
	}
	lg := &login{Token: tok, IDToken: raw, User: a.userOf(ctx, idt, tok), At: a.now(), SignWithKey: p.SignWithKey, UsedCode: code, CodeVerifier: p.CodeVerifier}
	lg.addToFamily(tok, lg.At)
	return lg, hops, nil
}

// withIDTokenChecks gives the ID token checks to the hop whose response
// carried the ID token: the last token request of step (D). Those before it
// were refused (a DPoP nonce retry, [RFC 9449 Section 8]) and carried no
// token, so they get none.
//
// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
func withIDTokenChecks(hops []xray.Hop, checks []xray.Check) []xray.Hop {
	for i := len(hops) - 1; i >= 0; i-- {
		if hops[i].Step == "D" {
			hops[i].Checks, hops[i].ChecksTitle = checks, "ID token validation (E)"
			break
		}
	}
	return hops
}

// replaceSession ends the session that started the login and starts a new
// one holding data, so the session ID changes when the user logs in
// (session fixation, [RFC 9700 Section 4.7]). The new session keeps what
// the old one still waits for and chose: the authorization requests of
// logins started in other tabs (the one completed was taken already), so
// their responses still find their state, and the language. A tab that
// holds the old session while it builds a request (a PAR on the back
// channel) adds that request after the copy: the old session's ReplacedBy,
// set under the same lock as the copy is made, sends it to the new one
// (App.addPending).
//
// [RFC 9700 Section 4.7]: https://www.rfc-editor.org/rfc/rfc9700#section-4.7
func (a *App) replaceSession(c *gin.Context, old *webSession, data sessionData) error {
	old.Lock()
	defer old.Unlock()
	old.Data.dropExpiredPending(a.now())
	data.Pending, data.Lang = old.Data.Pending, old.Data.Lang
	s, err := a.startSession(c, data)
	old.Data.Pending, old.Data.ReplacedBy = nil, s
	a.sessions.Delete(old.ID())
	return err
}

// authorizationError explains an error response ([RFC 6749 Section 4.1.2.1]).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
func authorizationError(r authorizationResponse) error {
	code := r.Error
	v := errorView{
		Title:       "The authorization request failed",
		Message:     "The provider sent the browser back with an error instead of a code, so there is nothing to exchange.",
		Code:        code,
		Description: r.ErrorDescription,
		Retry:       true,
	}
	v.explain(authorizationErrors, "")
	status := http.StatusBadRequest
	if code == "access_denied" {
		status = http.StatusForbidden
		v.Title = "Access denied"
		v.Message = "You (the resource owner) chose not to grant this client access, or the provider refused it. " +
			"The provider sent the browser back with error=access_denied: no authorization code was issued, nothing was exchanged, and the client holds no tokens."
	}
	return pageErr(status, v)
}
