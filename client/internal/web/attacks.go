package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/dpop"
	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
)

// attack is one demonstration of the attack lab: an attack of
// [RFC 9700 Section 4] tried against the real provider, with every defence
// on. Run sends what an attacker would send, through the back-channel
// client (so the exchanges become hops, with the provider's traces), and
// reports what stopped it and what it left behind.
//
// [RFC 9700 Section 4]: https://www.rfc-editor.org/rfc/rfc9700#section-4
type attack struct {
	Name       string
	Title      string
	Tries      string   // what the attacker tries, in a sentence
	Expect     string   // what must happen
	Ref        xray.Ref // the section describing the attack or its defence
	NeedsLogin bool     // it uses the tokens of this browser's login
	run        func(a *App, c *gin.Context, s *webSession) attackResult
}

// attackResult is what a demonstration found.
type attackResult struct {
	Answer string // the answer to the attacker, in words
	Note   string // how the demonstration was run, when it needs saying
	// Hops are what the attacker sent and what came back.
	Hops []xray.Hop
	// Before counts the hops, first in Hops, that come before the
	// attacker's request: the legitimate client's own requests (made to
	// have something to steal) and, with DPOP_NONCE=on, a use_dpop_nonce
	// challenge of the attacker's request, which the client then sends
	// again with the new nonce. The defence is looked for after them.
	Before int
	// Aftermath are the checks made after the attack: each passes when the
	// defence left things as they must be.
	Aftermath []xray.Check
	// Unavailable says why the demonstration cannot run here.
	Unavailable string
	// Redirect, when set, sends the browser there instead of showing a
	// page: the demonstration goes on when the browser comes back.
	Redirect string
}

// attacks are the demonstrations, in the order the lab lists them.
var attacks = []attack{
	{"code-replay", "Authorization code replay",
		"Redeem this login's authorization code a second time, exactly as the client first did: what an attacker holding the code would send, if able to authenticate as this client (a public client needs nothing more).",
		"invalid_grant and, while the provider remembers the code (until it expires and is purged), every token of that grant revoked: the next resource call gets 401.",
		"RFC 6749 Section 4.1.2", true, (*App).attackCodeReplay},
	{"refresh-reuse", "Refresh token reuse",
		"Refresh, then present the refresh token that the rotation has just retired: what an attacker holding it would send, if able to authenticate as this client (a public client needs nothing more).",
		"invalid_grant, and the newest refresh token and the access tokens of the grant are dead too.",
		"RFC 9700 Section 4.14.2", true, (*App).attackRefreshReuse},
	{"pkce-wrong-verifier", "PKCE with the wrong code_verifier",
		"A fresh authorization that you approve, then the code exchanged with a code_verifier that is not the one behind the code_challenge: what the provider sees when a stolen code is injected into the client, which exchanges it with its own verifier (code injection, RFC 9700 Section 4.5).",
		"invalid_grant, and no tokens.",
		"RFC 7636 Section 4.6", false, (*App).attackPKCEWrongVerifier},
	{"redirect-uri-mismatch", "redirect_uri with a path appended",
		"An authorization request whose redirect_uri is the registered one with /../attacker appended: a server matching redirect URIs by prefix would accept it, and the browser would carry the code to another page of the client's site, one an attacker may be able to read it from.",
		"The provider's error page, and no redirect anywhere.",
		"RFC 6749 Section 3.1.2.4", false, (*App).attackRedirectURIMismatch},
	{"state-forgery", "Forged state (login CSRF)",
		"The client's callback receives a code and a state this browser's session never issued: an attacker's own authorization response planted in your browser.",
		"403, and the code is never exchanged.",
		"RFC 6749 Section 10.12", false, (*App).attackStateForgery},
	{"iss-mixup", "Mix-up: the honest provider's code, for the attacker's server",
		"The MCP client, which talks to whichever authorization server a resource names, starts an authorization at an attacker's server, which sends your browser on to the honest provider. The provider's response, its code and its iss, comes back with the state this session is waiting for: without a check the client would redeem that code at the attacker's token endpoint.",
		"Refused by the client: the iss is not the issuer the request went to, so the code never reaches the attacker.",
		"RFC 9700 Section 4.4.1", false, (*App).attackIssMixup},
	{"token-in-query", "Access token in the query string (a client's mistake)",
		"Not an attack but a client's mistake that the resource server refuses: call it with this login's access token as ?access_token= instead of in the Authorization header.",
		"Refused by the resource server: URLs end up in browser history, logs and Referer headers, and the token with them.",
		"RFC 6750 Section 2.3", true, (*App).attackTokenInQuery},
	{"dpop-replay", "DPoP proof replay",
		"Resend a DPoP proof already used, or use a DPoP-bound access token as a plain Bearer token.",
		"Refused: invalid_dpop_proof or invalid_token.",
		"RFC 9449 Section 11.1", true, (*App).attackDPoPReplay},
}

// findAttack returns the attack named name.
func findAttack(name string) (attack, bool) {
	for _, at := range attacks {
		if at.Name == name {
			return at, true
		}
	}
	return attack{}, false
}

// attacksView is the content of the attack lab page.
type attacksView struct {
	Attacks   []attack
	LoggedIn  bool
	CSRFToken string
	// Run and Result are the demonstration just run, if any.
	Run     *attack
	Result  attackResult
	Walk    walkView
	Defence *xray.Check // the check that stopped the attack
	// DefenceTrace is the provider's trace of the request when the
	// provider made that check; nil when the client did.
	DefenceTrace *xray.Trace
}

// handleAttacks handles "GET /attacks": the list of demonstrations, each a
// form that runs it. A browser without a session gets one, for the forms'
// CSRF token.
func (a *App) handleAttacks(c *gin.Context) {
	s, ok := a.anySession(c)
	if !ok {
		return
	}
	a.renderAttacks(c, s, nil, attackResult{})
}

// handleAttack handles "POST /attacks/{name}": it runs one demonstration
// and shows what was sent, the answer, the defence and the aftermath.
func (a *App) handleAttack(c *gin.Context) {
	at, ok := findAttack(c.Param("name"))
	if !ok {
		a.handleNotFound(c)
		return
	}
	var s *webSession // set once the form's CSRF token is the session's
	var loggedIn bool
	a.withSession(c, true, a.renderCSRFError, func(held *webSession) { s, loggedIn = held, held.Data.Login != nil })
	switch {
	case s == nil:
		return
	case at.NeedsLogin && !loggedIn:
		a.renderNotLoggedIn(c)
		return
	}
	res := at.run(a, c, s)
	if res.Redirect != "" {
		c.Redirect(http.StatusSeeOther, res.Redirect)
		return
	}
	a.renderAttacks(c, s, &at, res)
}

// renderAttacks writes the lab page, with the result of run when there is one.
func (a *App) renderAttacks(c *gin.Context, s *webSession, run *attack, res attackResult) {
	s.Lock()
	v := attacksView{Attacks: attacks, LoggedIn: s.Data.Login != nil, CSRFToken: s.Data.CSRFToken, Run: run, Result: res}
	if run != nil {
		s.Data.Walk.Add(res.Hops...)
	}
	s.Unlock()
	if run != nil {
		v.Walk = a.viewHops(c.Request.Context(), res.Hops)
		v.Defence, v.DefenceTrace = defenceOf(v.Walk.Hops[min(res.Before, len(v.Walk.Hops)):])
	}
	title := "Attack lab"
	if run != nil {
		title = a.lang(c).T("Attack: %s", a.lang(c).T(run.Title))
	}
	a.render(c, http.StatusOK, "attacks.html", title, v)
}

// defenceOf returns the first check that failed in hops, preferring, in
// each hop, the provider's (from its trace) to the client's own, and the
// provider's trace when the check was the provider's.
func defenceOf(hops []xray.Hop) (*xray.Check, *xray.Trace) {
	for _, h := range hops {
		if h.Trace != nil {
			if c := firstFailed(h.Trace.Checks); c != nil {
				return c, h.Trace
			}
		}
		if c := firstFailed(h.Checks); c != nil {
			return c, nil
		}
	}
	return nil, nil
}

func firstFailed(checks []xray.Check) *xray.Check {
	for i := range checks {
		if !checks[i].Passed {
			return &checks[i]
		}
	}
	return nil
}

// outcome is one aftermath check.
func outcome(rule string, ref xray.Ref, passed bool, detail string) xray.Check {
	return xray.Check{Rule: rule, Ref: ref, Passed: passed, Detail: detail}
}

// tokenAnswer says in words how the token endpoint answered a request
// that returned err.
func tokenAnswer(err error) string {
	var re *oauth2.RetrieveError
	switch {
	case err == nil:
		return "tokens issued"
	case errors.As(err, &re):
		return fmt.Sprintf("%d %s", re.Response.StatusCode, re.ErrorCode)
	}
	return "no answer: " + err.Error()
}

// isInvalidGrant reports whether err is the token endpoint's invalid_grant
// ([RFC 6749 Section 5.2]).
//
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// resourceStatus calls the provider's protected resource with accessToken
// as the client uses it: a Bearer token ([RFC 6750 Section 2.1]), or with
// DPOP=on a DPoP-bound token with a fresh proof ([RFC 9449 Section 7.1]),
// and returns the status.
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
func (a *App) resourceStatus(ctx context.Context, accessToken string) int {
	if a.oauthHTTP != a.http {
		return a.sendWith(ctx, a.oauthHTTP, a.resourceURL(resource.ProtectedResourcePath), "DPoP "+accessToken, "")
	}
	return a.send(ctx, a.resourceURL(resource.ProtectedResourcePath), "Bearer "+accessToken)
}

// send makes a GET to rawURL with the Authorization header authz (none
// when empty), following no redirect, and returns the status (0 when no
// answer came).
func (a *App) send(ctx context.Context, rawURL, authz string) int {
	noRedirect := *a.http
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return a.sendWith(ctx, &noRedirect, rawURL, authz, "")
}

// attackCodeReplay redeems the login's code again. [RFC 6749 Section 4.1.2]:
// "If an authorization code is used more than once, the authorization
// server MUST deny the request and SHOULD revoke (when possible) all tokens
// previously issued based on that authorization code."
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func (a *App) attackCodeReplay(c *gin.Context, s *webSession) attackResult {
	s.Lock()
	defer s.Unlock()
	lg := s.Data.Login
	if lg.Dead != "" {
		return deadLogin(a.lang(c), lg, nil)
	}
	ctx, capture := a.recording(c.Request.Context())
	_, err := a.oauth.Exchange(ctx, lg.UsedCode, oauth2.VerifierOption(lg.CodeVerifier))
	replay := a.viewHops(ctx, a.hopsOf(capture.Entries())).Hops // with the provider's traces, which say what refused it
	if len(replay) == 0 || replay[len(replay)-1].Exchange.Err != "" {
		return noAnswer(replay)
	}
	res := attackResult{
		Answer:    tokenAnswer(err),
		Hops:      replay,
		Before:    len(replay) - 1, // the replay's answer is the last of its hops
		Aftermath: []xray.Check{outcome("the replayed code was refused with invalid_grant", "RFC 6749 Section 5.2", isInvalidGrant(err), tokenAnswer(err))},
	}
	if codeForgotten(replay[res.Before]) {
		res.Note = "The provider has forgotten this login's authorization code: the code expired and was purged, so the provider refuses it as a code it does not know, and has nothing to revoke. Log in again and run this demonstration before the new code expires to see the replay defence."
		return res
	}
	status := a.resourceStatus(ctx, lg.Token.AccessToken)
	res.Hops = append(res.Hops, a.hopsOf(capture.Entries()[len(replay):])...)
	res.Aftermath = append(res.Aftermath, outcome("the access token issued for that code is revoked: the resource server answers 401", "RFC 6749 Section 4.1.2",
		status == http.StatusUnauthorized, a.lang(c).T("GET %s answered %s", resource.ProtectedResourcePath, http.StatusText(status))))
	if status == http.StatusUnauthorized {
		lg.Dead = deadByCodeReplay
		res.Note = "Your login's tokens are now revoked, as the defence demands: log in again to go on."
	}
	return res
}

// codeForgotten reports whether the provider's trace of hop, a replay of
// the login's code, says it refused the code as one it never issued
// ([RFC 6749 Section 4.1.3]) rather than as one used before
// ([RFC 6749 Section 4.1.2]): the provider purges expired codes, and then
// cannot tell a replay or find the grant to revoke.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func codeForgotten(hop xray.Hop) bool {
	check, trace := defenceOf([]xray.Hop{hop})
	return trace != nil && check.Ref == "RFC 6749 Section 4.1.3"
}

// noAnswer is the result of a demonstration whose request the provider did
// not answer: it is down, or out of the client's reach. No rule was put to
// the test, so the page shows what was sent, with no defence and no
// aftermath (a ✗ would read as a defence that failed), as it does for a
// refresh-reuse whose first refresh failed.
func noAnswer(hops []xray.Hop) attackResult {
	return attackResult{
		Answer: "the provider did not answer",
		Note:   "No defence was put to the test: start the provider, or check that the client reaches it, then run this demonstration again.",
		Hops:   hops,
	}
}

// attackRefreshReuse refreshes, then presents the retired refresh token.
// [RFC 9700 Section 4.14.2]: with rotation, when a refresh token is used
// again "the authorization server cannot determine which party submitted
// the invalid refresh token, and it will revoke the active refresh token"
// (and so the whole grant).
//
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
func (a *App) attackRefreshReuse(c *gin.Context, s *webSession) attackResult {
	s.Lock()
	defer s.Unlock()
	lg := s.Data.Login
	switch {
	case lg.Token.RefreshToken == "":
		return attackResult{Unavailable: "The provider issued no refresh token with this login."}
	case lg.Dead != "":
		return deadLogin(a.lang(c), lg, nil)
	}
	ctx, capture := a.recording(c.Request.Context())
	retired := lg.Token.RefreshToken
	fresh, err := a.refresh(ctx, retired)
	if lg.refused(err); lg.Dead != "" {
		return deadLogin(a.lang(c), lg, a.hopsOf(capture.Entries()))
	}
	if err != nil {
		return attackResult{Answer: a.lang(c).T("the first, legitimate refresh failed: %s", a.lang(c).T(tokenAnswer(err))), Hops: a.hopsOf(capture.Entries())}
	}
	a.keepRefreshed(ctx, lg, fresh)
	legitHops := len(capture.Entries()) // the legitimate refresh, after a use_dpop_nonce challenge if the provider made one
	_, reuseErr := a.refresh(ctx, retired)
	newest, newestErr := a.refresh(ctx, fresh.RefreshToken)
	status := a.resourceStatus(ctx, fresh.AccessToken)
	res := attackResult{
		Answer: tokenAnswer(reuseErr),
		Hops:   a.hopsOf(capture.Entries()),
		Before: legitHops,
		Aftermath: []xray.Check{
			outcome("the retired refresh token was refused with invalid_grant", "RFC 6749 Section 5.2", isInvalidGrant(reuseErr), tokenAnswer(reuseErr)),
			outcome("the newest refresh token is dead too", "RFC 9700 Section 4.14.2", isInvalidGrant(newestErr), tokenAnswer(newestErr)),
			outcome("the newest access token is dead: the resource server answers 401", "RFC 9700 Section 4.14.2",
				status == http.StatusUnauthorized, a.lang(c).T("GET %s answered %s", resource.ProtectedResourcePath, http.StatusText(status))),
		},
	}
	switch {
	case reuseErr == nil:
		res.Note = "The provider accepted the retired refresh token and issued a fresh pair: it runs with " +
			"REFRESH_REUSE_GRACE, which lets the refresh token rotated out most recently be presented again for a " +
			"while after its rotation (README, \"Refresh token reuse grace\"), so it saw no reuse and revoked " +
			"nothing. Start the provider without it (strict reuse detection, the default) to see the defence."
	case isInvalidGrant(newestErr):
		lg.Dead = deadByRefreshReuse
		res.Note = "The first refresh was the legitimate client's; the second request is what an attacker holding the old refresh token would send, if able to authenticate as this client (a public client needs nothing more). Your login's tokens are now revoked: log in again to go on."
	}
	if newestErr == nil {
		a.keepRefreshed(ctx, lg, newest) // the probe rotated the login's refresh token out: its successor is the login's now
	}
	return res
}

// deadLogin is the answer of a demonstration that needs the login's tokens
// alive, when they are not (lg.Dead says why): a refusal now would be that
// earlier event's doing, not this demonstration's defence. hops are the
// requests that found it out, if any.
func deadLogin(l i18n.Lang, lg *login, hops []xray.Hop) attackResult {
	return attackResult{
		Unavailable: l.T("This login's tokens no longer work: %s. This demonstration needs live ones: log in again, then run it.", l.T(lg.Dead)),
		Hops:        hops,
	}
}

// refresh uses refreshToken once ([RFC 6749 Section 6]).
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (a *App) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	return a.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// attackPKCEWrongVerifier starts a real authorization request, as /login
// does, marked for this demonstration: the browser goes to the provider,
// the user approves, and the callback hands the code to finishAttack
// instead of the ordinary exchange.
func (a *App) attackPKCEWrongVerifier(c *gin.Context, s *webSession) attackResult {
	p := a.newPending(a.lang(c))
	p.Attack = "pkce-wrong-verifier"
	authURL := a.authorizationURL(p)
	p.Request = authorizationRequestHop(authURL, a.now())
	a.addPending(s, p)
	return attackResult{Redirect: authURL}
}

// finishAttack is the callback's end of a demonstration that needed a real
// authorization: the pkce-wrong-verifier exchange, which the provider sees
// as code injection ([RFC 9700 Section 4.5.3.1]: "When the attacker attempts
// to inject an authorization code, the check of the code_verifier fails:
// the client uses its correct verifier, but the code is associated with a
// code_challenge that does not match this verifier").
// [RFC 7636 Section 4.6]: "If the values are not equal, an error response
// indicating "invalid_grant" as described in Section 5.2 of [RFC6749] MUST
// be returned."
//
// [RFC 9700 Section 4.5.3.1]: https://www.rfc-editor.org/rfc/rfc9700#section-4.5.3.1
// [RFC 7636 Section 4.6]: https://www.rfc-editor.org/rfc/rfc7636#section-4.6
func (a *App) finishAttack(c *gin.Context, s *webSession, p pendingAuthorization, code string, walk *xray.Walk) {
	ctx, capture := a.recording(c.Request.Context())
	tok, err := a.oauth.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	walk.Add(a.hopsOf(capture.Entries())...)
	at, _ := findAttack(p.Attack)
	a.renderAttacks(c, s, &at, attackResult{
		Answer: tokenAnswer(err),
		Hops:   walk.Hops(),
		Aftermath: []xray.Check{
			outcome("the exchange with the wrong code_verifier was refused with invalid_grant", "RFC 7636 Section 4.6", isInvalidGrant(err), tokenAnswer(err)),
			outcome("no access token was issued", "RFC 7636 Section 4.6", tok == nil, ""),
		},
		Note: "You approved a real authorization at the provider (steps A to C). The client then sent the code it " +
			"received with a freshly generated code_verifier instead of the one it kept in its session. To the " +
			"provider this is code injection (RFC 9700 Section 4.5): an attacker's stolen code, injected into the " +
			"client in the attacker's own session, exchanged with that session's verifier, which is not the one " +
			"behind the code's code_challenge. A thief who can authenticate as this client and sends the code " +
			"without its verifier is refused the same way (a public client needs nothing more).",
	})
}

// appendedToRedirectURI is what redirect-uri-mismatch appends to the
// registered redirect URI: a server matching by prefix would accept the
// result, which a browser resolves to another page of the client's site
// ([RFC 9700 Section 4.1.3]: "the authorization server MUST ensure that
// the two URIs are equal").
//
// [RFC 9700 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3
const appendedToRedirectURI = "/../attacker"

// attackRedirectURIMismatch sends an authorization request whose
// redirect_uri is the registered one with appendedToRedirectURI appended.
// [RFC 6749 Section 4.1.2.1]: "If the request fails due to a missing,
// invalid, or mismatching redirection URI ... the authorization server
// SHOULD inform the resource owner of the error and MUST NOT automatically
// redirect the user-agent to the invalid redirection URI."
// The client sends it itself, through its back channel, which reaches the
// provider where the browser's address for it may not (docker compose).
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
func (a *App) attackRedirectURIMismatch(c *gin.Context, _ *webSession) attackResult {
	registered := a.cfg.RedirectURI
	altered := registered + appendedToRedirectURI
	p := a.newPending(a.lang(c))
	authURL := a.authorizationURL(p, oauth2.SetAuthURLParam("redirect_uri", altered))
	ctx, capture := a.recording(c.Request.Context())
	status := a.send(ctx, a.backChannelURL(authURL), "")
	hops := a.hopsOf(capture.Entries())
	location := ""
	for i := range hops {
		hops[i].Title, hops[i].Ref = "Authorization request with an altered redirect_uri", "RFC 6749 Section 3.1.2.4"
		hops[i].Params = explainParams(authURL, authorizationParams)
		location = hops[i].Exchange.ResponseHeader["Location"]
	}
	if status == 0 {
		return noAnswer(hops)
	}
	return attackResult{
		Answer: a.lang(c).T("%d %s (the provider's error page)", status, http.StatusText(status)),
		Hops:   hops,
		Aftermath: []xray.Check{
			outcome("the provider answered with its error page", "RFC 6749 Section 4.1.2.1", status == http.StatusBadRequest, fmt.Sprintf("status %d", status)),
			outcome("it did not redirect anywhere", "RFC 6749 Section 4.1.2.1", location == "" && (status < 300 || status > 399), location),
		},
		Note: a.lang(c).T("Registered: %s — sent: %s. The client fetched the URL itself, as a browser would, so the answer shows here.", registered, altered),
	}
}

// newPending returns a fresh authorization request's secrets, as /login
// makes them, asking for the provider's pages in l.
func (a *App) newPending(l i18n.Lang) pendingAuthorization {
	return pendingAuthorization{State: randomToken(), Nonce: randomToken(), CodeVerifier: oauth2.GenerateVerifier(), Created: a.now(), UILocales: l.Code}
}

// authorizationURL returns the authorization request of p
// ([RFC 6749 Section 4.1.1]) with its PKCE challenge, nonce and ui_locales,
// the language of this client's pages ([OIDC Core Section 3.1.2.1]: "End-User's
// preferred languages and scripts for the user interface").
//
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func (a *App) authorizationURL(p pendingAuthorization, extra ...oauth2.AuthCodeOption) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(p.CodeVerifier), oidc.Nonce(p.Nonce)}
	if p.UILocales != "" {
		opts = append(opts, oauth2.SetAuthURLParam("ui_locales", p.UILocales))
	}
	opts = append(opts, extra...)
	return a.oauthFor(p.SignWithKey).AuthCodeURL(p.State, opts...)
}

// stateForgeryNote explains what attackStateForgery forges, and the defences
// behind the state check.
const stateForgeryNote = "The attacker's response: a code standing in for one of the attacker's own login (made up here: the " +
	"state check stops the client before any code is used) and a state they made up. The client runs the " +
	"checks of its callback on it. The state is not the only defence: with PKCE, which this provider " +
	"enforces, a real attacker's code would also be refused at the token endpoint, bound to the " +
	"code_challenge of the attacker's session; and were it not, the ID token it brought would carry the " +
	"nonce of the attacker's session, which the client refuses (RFC 9700 Section 4.7.1)."

// attackStateForgery hands the client's own callback checks a response
// with a state this session never issued. The state is not the only
// defence here ([RFC 9700 Section 4.7.1]: "The same protection is provided
// by PKCE or the OpenID Connect nonce value."): a real attacker's code would
// fail at the token endpoint too, bound to another code_challenge.
//
// [RFC 9700 Section 4.7.1]: https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
func (a *App) attackStateForgery(c *gin.Context, _ *webSession) attackResult {
	q := url.Values{"code": {"attacker-" + randomToken()}, "state": {randomToken()}, "iss": {a.public.Issuer}}
	return a.forgedCallback(c, q, false, "RFC 6749 Section 10.12", stateForgeryNote)
}

// attackerIssuer names the attacker's authorization server of iss-mixup.
// Nothing is ever sent there: the .example domain is reserved.
const attackerIssuer = "https://attacker.example"

// issMixupNote explains the mix-up attackIssMixup stages.
const issMixupNote = "The MCP client, which uses whichever authorization server a resource names, started an authorization " +
	"at the attacker's (https://attacker.example: its state is pending in this session). The attacker's " +
	"server sent your browser on to the honest provider, and the provider's response comes back: its code " +
	"(made up here: the iss check stops the client before any code is used) and its iss. Without the " +
	"check, the client would send the honest provider's code to the attacker's token endpoint."

// attackIssMixup is the mix-up attack of [RFC 9700 Section 4.4]: "The goal
// of the attack is to obtain an authorization code or an access token for
// an uncompromised authorization server." It needs a client that talks to
// more than one authorization server ([RFC 9700 Section 4.4.2]: "When an
// OAuth client can only interact with one authorization server, a mix-up
// defense is not required"): the client of the MCP walkthrough, which uses
// whichever server a resource names, with one redirect URI for all. The
// user is led to start an authorization at the attacker's server, which
// sends the browser on to the honest provider; the provider's response,
// its code and its iss, comes back to the client ([RFC 9700 Section 4.4.1]):
// "Since the client still assumes that the code was issued by A-AS, it will
// try to redeem the code at A-AS's token endpoint." The iss check
// ([RFC 9207 Section 2.4]) refuses it first: the issuer the request went to
// is the attacker's.
//
// [RFC 9700 Section 4.4]: https://www.rfc-editor.org/rfc/rfc9700#section-4.4
// [RFC 9700 Section 4.4.1]: https://www.rfc-editor.org/rfc/rfc9700#section-4.4.1
// [RFC 9700 Section 4.4.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.4.2
// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
func (a *App) attackIssMixup(c *gin.Context, s *webSession) attackResult {
	attacker := metadata.Metadata{Issuer: attackerIssuer, AuthorizationEndpoint: attackerIssuer + "/authorize",
		TokenEndpoint: attackerIssuer + "/token", AuthorizationResponseIssParameterSupported: true}
	p := a.newPending(a.lang(c))
	p.Nonce = "" // the MCP client asks for no ID token
	p.MCP = &mcpRun{Server: attacker, Config: oauth2.Config{RedirectURL: a.cfg.MCPRedirectURI(),
		Endpoint: oauth2.Endpoint{AuthURL: attacker.AuthorizationEndpoint, TokenURL: attacker.TokenEndpoint}}}
	a.addPending(s, p)
	q := url.Values{"code": {"honest-" + randomToken()}, "state": {p.State}, "iss": {a.public.Issuer}}
	return a.forgedCallback(c, q, true, "RFC 9207 Section 2.4", issMixupNote)
}

// forgedCallback runs the checks of the callback (step C) on the forged
// response q, as it would arrive at the client's redirect URI (the MCP
// client's when mcp is set); a refusal means no token request is ever sent.
// refusal is the rule that makes the client refuse this forgery: the state
// check ([RFC 6749 Section 10.12]) or the issuer's ([RFC 9207 Section 2.4]:
// "clients MUST reject the authorization response and MUST NOT proceed
// with the authorization grant").
//
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
// [RFC 9207 Section 2.4]: https://www.rfc-editor.org/rfc/rfc9207#section-2.4
func (a *App) forgedCallback(c *gin.Context, q url.Values, mcp bool, refusal xray.Ref, note string) attackResult {
	redirectURI := a.cfg.RedirectURI
	if mcp {
		redirectURI = a.cfg.MCPRedirectURI()
	}
	hop := a.authorizationResponseHop(&url.URL{RawQuery: q.Encode()}, redirectURI)
	hop.Title = "Forged authorization response"
	hop.Note = "The attacker's authorization response, as it would arrive at the client's redirect URI through your browser."
	r := parseAuthorizationResponse(q)
	r.MCP = mcp
	_, _, err := a.checkAuthorizationResponse(c, r, &hop)
	var pe *pageError
	status, answer := http.StatusOK, "accepted"
	if errors.As(err, &pe) {
		status, answer = pe.status, fmt.Sprintf("%d %s", pe.status, a.lang(c).T(pe.view.Title))
	}
	return attackResult{
		Answer: answer,
		Hops:   []xray.Hop{hop},
		Aftermath: []xray.Check{
			outcome("the client refused the response with 403", refusal, status == http.StatusForbidden, answer),
			outcome("the client stopped at step (C): the code was never exchanged", "RFC 6749 Section 4.1.3", err != nil, ""),
		},
		Note: note,
	}
}

// staleLogin is the answer of a demonstration that needs the login's
// access token to work, when it no longer does: it expired, or an earlier
// demonstration (code replay, refresh reuse) revoked its grant, and its ✗
// here would read as a defence that failed.
var staleLogin = attackResult{Unavailable: "This login's access token no longer works: it has expired, or an earlier demonstration (code replay, refresh reuse) revoked its grant, which was that demonstration's defence. Log in again, then run this one."}

// loginTokenRefused reports whether the resource server refuses the login's
// access token. It is the precondition of a demonstration, not one of its
// hops, so it is left out of every wire log: the demonstration's, and the
// client's own, which the home page shows every new visitor.
func (a *App) loginTokenRefused(ctx context.Context, accessToken string) bool {
	return a.resourceStatus(wirelog.Unrecorded(ctx), accessToken) == http.StatusUnauthorized
}

// attackTokenInQuery makes a client's mistake, not an attack: it sends the
// access token in the URI query, the method of [RFC 6750 Section 2.3],
// which [RFC 9700 Section 4.3.2] forbids ("Clients MUST NOT pass access
// tokens in a URI query parameter in the way described in Section 2.3 of
// [RFC6750]"): the token would leak with the URL. The provider's resource
// server refuses it by the rule its trace names, RFC 6750 Section 2.3,
// which the lab cites too. Whoever holds the token can still send it in the
// header, as the aftermath shows.
//
// [RFC 6750 Section 2.3]: https://www.rfc-editor.org/rfc/rfc6750#section-2.3
// [RFC 9700 Section 4.3.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.3.2
func (a *App) attackTokenInQuery(c *gin.Context, s *webSession) attackResult {
	s.Lock()
	token := s.Data.Login.Token.AccessToken
	s.Unlock()
	if a.loginTokenRefused(c.Request.Context(), token) {
		return staleLogin
	}
	ctx, capture := a.recording(c.Request.Context())
	status := a.send(ctx, a.resourceURL(resource.ProtectedResourcePath)+"?"+url.Values{"access_token": {token}}.Encode(), "")
	if status == 0 {
		return noAnswer(a.hopsOf(capture.Entries()))
	}
	after := a.resourceStatus(ctx, token)
	return attackResult{
		Answer: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Hops:   a.hopsOf(capture.Entries()),
		Aftermath: []xray.Check{
			outcome("the resource server refused the token in the query", "RFC 6750 Section 2.3", status == http.StatusBadRequest || status == http.StatusUnauthorized, http.StatusText(status)),
			outcome("the same token in the Authorization header still works: only the way it was sent was refused", "RFC 6750 Section 2.1", after == http.StatusOK, http.StatusText(after)),
		},
		Note: "This refusal stops no attacker: whoever holds the token sends it in the header, as the second request does. It keeps an honest client's token out of URLs, which browsers keep in their history, servers in their logs, and pages pass on in Referer headers.",
	}
}

// attackDPoPReplay steals what DPoP leaves on the wire
// ([RFC 9449 Section 11.1]): a proof, resent as it was ("servers can store
// the jti value of each DPoP proof for the time window in which the
// respective DPoP proof JWT would be accepted to prevent multiple uses of
// the same DPoP proof"), and the bound access token, presented as a Bearer
// token ([RFC 9449 Section 7.2]: "such a protected resource MUST reject a
// DPoP-bound access token received as a bearer token"). It needs DPOP=on.
//
// [RFC 9449 Section 11.1]: https://www.rfc-editor.org/rfc/rfc9449#section-11.1
// [RFC 9449 Section 7.2]: https://www.rfc-editor.org/rfc/rfc9449#section-7.2
func (a *App) attackDPoPReplay(c *gin.Context, s *webSession) attackResult {
	s.Lock()
	tok := s.Data.Login.Token
	s.Unlock()
	signer, ok := a.oauthHTTP.Transport.(*dpop.Transport)
	if !ok || tok.Type() != "DPoP" {
		return attackResult{Unavailable: "This demonstration needs DPoP (RFC 9449): start the client with DPOP=on and log in again, so its tokens are bound to its key and each request carries a proof."}
	}
	if a.loginTokenRefused(c.Request.Context(), tok.AccessToken) {
		return staleLogin
	}
	ctx, capture := a.recording(c.Request.Context())
	seen := &lastProof{base: a.http.Transport}
	legit := &http.Client{Transport: &dpop.Transport{Key: signer.Key, Base: seen, Now: a.now, HTU: signer.HTU}}
	first := a.sendWith(ctx, legit, a.resourceURL(resource.ProtectedResourcePath), "DPoP "+tok.AccessToken, "")
	if first == 0 {
		return noAnswer(a.hopsOf(capture.Entries()))
	}
	legitHops := len(capture.Entries()) // with DPOP_NONCE=on, a use_dpop_nonce challenge and the retry
	replayed := a.sendWith(ctx, a.http, a.resourceURL(resource.ProtectedResourcePath), "DPoP "+tok.AccessToken, seen.proof)
	asBearer := a.send(ctx, a.resourceURL(resource.ProtectedResourcePath), "Bearer "+tok.AccessToken)
	fresh := a.sendWith(ctx, legit, a.resourceURL(resource.ProtectedResourcePath), "DPoP "+tok.AccessToken, "")
	hops := a.hopsOf(capture.Entries())
	for i := range legitHops {
		hops[i].Note = "The legitimate client's request, with a fresh proof: what the attacker copies."
	}
	return attackResult{
		Answer: a.lang(c).T("the replayed proof: %d %s; the token as Bearer: %d %s", replayed, http.StatusText(replayed), asBearer, http.StatusText(asBearer)),
		Note:   "First a legitimate request, with a fresh proof; then the attacker resends that request's DPoP header unchanged, and tries the stolen access token as a Bearer token.",
		Hops:   hops,
		Before: legitHops,
		Aftermath: []xray.Check{
			outcome("the legitimate request, with a fresh proof, was served", "RFC 9449 Section 7.1", first == http.StatusOK, http.StatusText(first)),
			outcome("the replayed proof was refused (its jti was seen)", "RFC 9449 Section 11.1", replayed == http.StatusUnauthorized, http.StatusText(replayed)),
			outcome("the DPoP-bound token sent as a Bearer token was refused", "RFC 9449 Section 7.2", asBearer == http.StatusUnauthorized, http.StatusText(asBearer)),
			outcome("the token still works for its holder, with a new proof", "RFC 9449 Section 7.1", fresh == http.StatusOK, http.StatusText(fresh)),
		},
	}
}

// lastProof is a RoundTripper that remembers the DPoP header of the last
// request it sent: what an attacker on the wire would copy.
type lastProof struct {
	base  http.RoundTripper
	proof string
}

func (l *lastProof) RoundTrip(req *http.Request) (*http.Response, error) {
	l.proof = req.Header.Get("DPoP")
	return cmp.Or(l.base, http.DefaultTransport).RoundTrip(req)
}

// sendWith makes a GET to rawURL through client with the Authorization
// header authz and, when proof is set, that DPoP header; it returns the
// status (0 when no answer came).
func (a *App) sendWith(ctx context.Context, client *http.Client, rawURL, authz, proof string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode
}
