package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/tokenview"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
	"github.com/oauth-reference/provider/service"
)

// logoutTTL is how long a logout waits for the browser to come back from
// the provider's end_session_endpoint.
const logoutTTL = 10 * time.Minute

// logoutView is the content of the page after logging out.
type logoutView struct {
	Revocations    []revocationView
	Introspections []introspectionView
	// AtProvider says the browser went through the provider's
	// end_session_endpoint, which ended the login session there too.
	AtProvider bool
	Walk       walkView
}

// Unrevoked returns the revocations the provider did not confirm: only a
// 200 says a token is revoked ([RFC 7009 Section 2.2], quoted at revoke).
// A token whose revocation was refused, or got no answer, may still be
// valid, and the page must not say it was revoked.
//
// [RFC 7009 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7009#section-2.2
func (v logoutView) Unrevoked() []revocationView {
	var failed []revocationView
	for _, rv := range v.Revocations {
		if rv.Err != "" || rv.Status != http.StatusOK {
			failed = append(failed, rv)
		}
	}
	return failed
}

// revocationView is the outcome of one revocation request.
type revocationView struct {
	Hint   string // token_type_hint
	Masked string
	Status int
	Err    string
}

// introspectionView is what the provider says of a token now
// ([RFC 7662 Section 2.2]).
//
// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
type introspectionView struct {
	Hint     string
	Masked   string
	Active   bool
	ClientID string // whose token it is, when active
	Sub      string
	Err      string
}

// pendingLogout is a logout waiting for the browser to come back from the
// provider's end_session_endpoint: the state sent there, the revoked tokens
// (introspected once the browser is back, then forgotten), the outcome of
// their revocation and the logout's hops so far.
type pendingLogout struct {
	State       string
	SignWithKey bool // the login was the private_key_jwt client's
	Token       *oauth2.Token
	Revocations []revocationView
	Hops        []xray.Hop
	Created     time.Time
}

// handleLogout handles "POST /logout": it revokes the refresh token, then
// the access token (those the login has: heldTokens), at the provider's
// revocation endpoint ([RFC 7009 Section 2]), even if the visitor hangs
// up meanwhile (outlastingVisitor), ends the client's session, and sends
// the browser to the provider's end_session_endpoint
// ([OIDC RP-Initiated Logout Section 2]) so the login session there ends
// too, once the user confirms it on the provider's page (endSessionURL):
// the next login asks for the password again. Revoking the refresh
// token first matters: [RFC 7009 Section 2.1] lets the provider revoke the
// whole grant with it, while an access token alone would leave the refresh
// token alive. A provider without an end_session_endpoint gets the
// revocations only, and the page shows at once.
//
// [RFC 7009 Section 2]: https://www.rfc-editor.org/rfc/rfc7009#section-2
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
func (a *App) handleLogout(c *gin.Context) {
	// The login leaves the session at once; the revocations, slow, run
	// without holding the session's lock.
	var s *webSession
	var lg *login
	var walk *xray.Walk
	if !a.withLogin(c, true, func(held *webSession) {
		s, lg, walk = held, held.Data.Login, held.Data.Walk
		held.Data.Login = nil
	}) {
		return
	}
	detached, cancel := a.outlastingVisitor(c.Request.Context())
	defer cancel()
	ctx, capture := a.recording(detached)
	conf := a.oauthFor(lg.SignWithKey)
	p := &pendingLogout{State: randomToken(), SignWithKey: lg.SignWithKey, Token: lg.Token, Created: a.now()}
	for _, held := range heldTokens(lg.Token) {
		p.Revocations = append(p.Revocations, a.revoke(ctx, conf, held.Value, held.Hint))
	}
	p.Hops = a.hopsOf(capture.Entries())
	endSession := a.endSessionURL(conf.ClientID, p.State, a.lang(c).Code)
	if endSession == "" {
		if err := a.deleteSession(c, s); err != nil {
			a.renderInternalError(c, "ending the session", err)
			return
		}
		a.renderLoggedOut(c, p, walk, false)
		return
	}
	// The session that held the login goes; a new one, without, waits for the return.
	a.sessions.Delete(s.ID())
	p.Hops = append(p.Hops, endSessionHop(endSession, a.now()))
	if _, err := a.startSession(c, sessionData{Logout: p, Walk: walk}); err != nil {
		a.renderInternalError(c, "ending the session", err)
		return
	}
	c.Redirect(http.StatusSeeOther, endSession)
}

// outlastingVisitor returns ctx without the visitor's cancellation, for the
// calls of a logout: the session goes whatever happens, so a visitor who
// closes the tab while the refresh token's revocation is in flight must
// not leave the access token unrevoked. It keeps ctx's deadline, the page's
// time (RequestTimeout, with service.ErrRequestTimeout as the cause the
// page names), or sets one when ctx has none, so a silent provider still
// cannot hold the handler for ever. Call cancel when done.
func (a *App) outlastingVisitor(ctx context.Context) (detached context.Context, cancel context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(a.requestTimeout)
	}
	return context.WithDeadlineCause(context.WithoutCancel(ctx), deadline, service.ErrRequestTimeout)
}

// heldToken is a token a login holds, with its token_type_hint.
type heldToken struct {
	Value string
	Hint  string
}

// heldTokens lists the tokens of a login, refresh token first (see
// handleLogout). A provider need not issue a refresh token
// ([RFC 6749 Section 5.1]: refresh_token is "OPTIONAL"); a login without
// one has nothing to revoke or introspect for it.
//
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func heldTokens(t *oauth2.Token) []heldToken {
	var held []heldToken
	for _, h := range []heldToken{{t.RefreshToken, "refresh_token"}, {t.AccessToken, "access_token"}} {
		if h.Value != "" {
			held = append(held, h)
		}
	}
	return held
}

// endSessionURL is the logout request to the provider's end_session_endpoint
// ([OIDC RP-Initiated Logout Section 2]): client_id names the client;
// post_logout_redirect_uri (registered, matched exactly:
// [OIDC RP-Initiated Logout Section 3]) and state bring the browser back;
// ui_locales asks for the provider's logout page in the client's language.
// It is "" when the provider's metadata names no end_session_endpoint.
//
// It leaves out id_token_hint, which [OIDC RP-Initiated Logout Section 2]
// only recommends: the request is a URL the browser's address bar and
// history keep, and proxies may log, and a token never goes in a URL. The
// provider, unable to tell who sent a request without the hint, asks the
// user to confirm on its own page ([OIDC RP-Initiated Logout Section 6]).
// A cross-site POST would not do instead: the provider's session cookie is
// SameSite=Lax, so such a POST would not carry it, and the user would stay
// signed in there.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
// [OIDC RP-Initiated Logout Section 3]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
// [OIDC RP-Initiated Logout Section 6]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#Security
func (a *App) endSessionURL(clientID, state, uiLocales string) string {
	u, err := url.Parse(a.public.EndSessionEndpoint)
	if a.public.EndSessionEndpoint == "" || err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", clientID)
	q.Set("post_logout_redirect_uri", a.cfg.PostLogoutRedirectURI())
	q.Set("state", state)
	q.Set("ui_locales", uiLocales)
	u.RawQuery = q.Encode()
	return u.String()
}

// logoutParams explain the parameters of the logout request, in the order
// the walkthrough lists them.
var logoutParams = []paramDoc{
	{"client_id", "Who is asking: the provider checks post_logout_redirect_uri against this client's registration, and names the client when it asks you to confirm.", "OIDC RP-Initiated Logout Section 2"},
	{"post_logout_redirect_uri", "Where to send your browser afterwards; it must exactly match one the client registered.", "OIDC RP-Initiated Logout Section 3"},
	{"state", "A random value bound to this browser's session; the return must bring it back.", "OIDC RP-Initiated Logout Section 2"},
	{"ui_locales", "The language this client's pages are in, asked for the provider's logout page.", "OIDC RP-Initiated Logout Section 2"},
}

// endSessionHop is the front-channel hop of the logout request.
func endSessionHop(endSession string, now time.Time) xray.Hop {
	u, _ := url.Parse(endSession) // built by endSessionURL
	return xray.Hop{
		Title: "Logout request (RP-Initiated Logout)", Ref: "OIDC RP-Initiated Logout Section 2", Time: now, Channel: xray.Front,
		Note: "The client redirects your browser (303) to the provider's end_session_endpoint. It leaves out " +
			"id_token_hint, which OIDC RP-Initiated Logout Section 2 only recommends: a token never goes in a " +
			"URL, which the address bar, the history and logs keep. Without the hint the provider cannot tell who " +
			"sent the request, so it asks you to confirm (OIDC RP-Initiated Logout Section 6), then ends your " +
			"login session there.",
		URL:    wirelog.MaskURL(u),
		Params: explainParams(endSession, logoutParams),
	}
}

// handleLogoutReturn handles the browser's return from the provider's
// end_session_endpoint to the post-logout redirect URI, "GET /?state=…":
// the state must be the one this session sent
// ([OIDC RP-Initiated Logout Section 2]: the RP's "Opaque value used by
// the RP to maintain state between the logout request and the callback");
// the page then shows the revoked tokens as the provider's introspection
// endpoint now sees them ([RFC 7662 Section 2.2]). A request without
// state is the home page, and goes on to it.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
// [RFC 7662 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
func (a *App) handleLogoutReturn(c *gin.Context) {
	state, ok := c.GetQuery("state")
	if !ok {
		return
	}
	c.Abort()
	p, walk := a.takeLogout(c, state)
	if p == nil {
		a.renderError(c, http.StatusBadRequest, errorView{Title: "Unknown logout",
			Message: "This page was opened with a state this browser's session did not send to the provider's logout, or that logout is over. Nothing was done; the client only shows the results of a logout it started itself."})
		return
	}
	a.renderLoggedOut(c, p, walk, true)
}

// takeLogout removes and returns the session's pending logout if its state
// equals state (compared in constant time) and it is recent, with the
// session's walk.
func (a *App) takeLogout(c *gin.Context, state string) (*pendingLogout, *xray.Walk) {
	s, ok := a.currentSession(c)
	if !ok {
		return nil, nil
	}
	s.Lock()
	defer s.Unlock()
	p := s.Data.Logout
	if p == nil || a.now().Sub(p.Created) >= logoutTTL || subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) != 1 {
		return nil, nil
	}
	s.Data.Logout = nil
	return p, s.Data.Walk
}

// renderLoggedOut asks the provider about the revoked tokens, as the
// revocations were sent (outlastingVisitor), and shows the logout's
// outcome, every hop of it, which the walk keeps too.
func (a *App) renderLoggedOut(c *gin.Context, p *pendingLogout, walk *xray.Walk, atProvider bool) {
	detached, cancel := a.outlastingVisitor(c.Request.Context())
	defer cancel()
	ctx, capture := a.recording(detached)
	conf := a.oauthFor(p.SignWithKey)
	v := logoutView{Revocations: p.Revocations, AtProvider: atProvider}
	for _, held := range heldTokens(p.Token) {
		v.Introspections = append(v.Introspections, a.introspect(ctx, conf, held.Value, held.Hint))
	}
	hops := append(p.Hops, a.hopsOf(capture.Entries())...)
	walk.Add(hops...)
	v.Walk = a.viewHops(c.Request.Context(), hops)
	a.render(c, http.StatusOK, "logout.html", "Logged out", v)
}

// revoke sends one revocation request ([RFC 7009 Section 2.1]) with the
// authentication of conf's client. [RFC 7009 Section 2.2]: "The authorization server
// responds with HTTP status code 200 if the token has been revoked
// successfully or if the client submitted an invalid token."
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7009 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7009#section-2.2
func (a *App) revoke(ctx context.Context, conf *oauth2.Config, token, hint string) revocationView {
	rv := revocationView{Hint: hint, Masked: tokenview.Mask(token)}
	req, err := a.tokenRequest(ctx, conf, a.back.RevocationEndpoint, "revocation_endpoint", token, hint)
	if err != nil {
		rv.Err = err.Error()
		return rv
	}
	resp, err := a.http.Do(req)
	if err != nil {
		rv.Err = err.Error()
		return rv
	}
	defer resp.Body.Close()
	rv.Status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		rv.Err = answerError(resp)
	}
	return rv
}

// introspect asks the provider whether a token is active
// ([RFC 7662 Section 2.1]), as conf's client, the one it was issued to.
//
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
func (a *App) introspect(ctx context.Context, conf *oauth2.Config, token, hint string) introspectionView {
	iv := introspectionView{Hint: hint, Masked: tokenview.Mask(token)}
	req, err := a.tokenRequest(ctx, conf, a.back.IntrospectionEndpoint, "introspection_endpoint", token, hint)
	if err != nil {
		iv.Err = err.Error()
		return iv
	}
	var answer struct {
		Active   bool   `json:"active"`
		ClientID string `json:"client_id"`
		Sub      string `json:"sub"`
	}
	if err := a.postJSON(req, http.StatusOK, "the introspection answer", &answer); err != nil {
		iv.Err = err.Error()
	}
	iv.Active, iv.ClientID, iv.Sub = answer.Active, answer.ClientID, answer.Sub
	return iv
}

// tokenRequest builds the request that sends token (with its
// token_type_hint) to a token endpoint's companion, the revocation or the
// introspection endpoint, as conf's client.
func (a *App) tokenRequest(ctx context.Context, conf *oauth2.Config, endpoint, name, token, hint string) (*http.Request, error) {
	switch {
	case token == "":
		return nil, fmt.Errorf("no %s to send", hint)
	case endpoint == "":
		return nil, fmt.Errorf("the provider's metadata has no %s", name)
	}
	return a.authenticatedPost(ctx, conf, endpoint, url.Values{"token": {token}, "token_type_hint": {hint}})
}

// maxAnswer bounds how much of a provider's JSON answer the client reads.
const maxAnswer = 64 << 10

// postJSON sends req and decodes the JSON of its answer into out, reading at
// most maxAnswer bytes of it. An answer with a status other than wantStatus
// is an error that describes it (answerError); what names the answer in the
// error a body that is not JSON gives.
func (a *App) postJSON(req *http.Request, wantStatus int, what string, out any) error {
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != wantStatus {
		return errors.New(answerError(resp))
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswer)).Decode(out); err != nil {
		return fmt.Errorf("%s is not JSON: %w", what, err)
	}
	return nil
}

// answerError describes a provider's answer that is not a 200.
func answerError(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return fmt.Sprintf("the provider answered %s: %s", resp.Status, wirelog.BodyText(resp.Header.Get("Content-Type"), body))
}

// authenticatedPost builds a POST to the revocation, introspection or PAR
// endpoint as conf's client, with client authentication in the style the
// token endpoint uses. [RFC 7009 Section 2.1]: "The client also includes its
// authentication credentials as described in Section 2.3. of [RFC6749]";
// [RFC 7662 Section 2.1] asks for "some form of authorization", such as
// "client authentication as described in OAuth 2.0 [RFC6749]". With HTTP
// Basic, conf's client_id and secret are form-encoded first
// ([RFC 6749 Section 2.3.1]).
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func (a *App) authenticatedPost(ctx context.Context, conf *oauth2.Config, endpoint string, form url.Values) (*http.Request, error) {
	basic := conf.Endpoint.AuthStyle == oauth2.AuthStyleInHeader
	if !basic {
		form.Set("client_id", conf.ClientID)
		if conf.ClientSecret != "" { // the key client signs instead (keyclient.go)
			form.Set("client_secret", conf.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(conf.ClientID), url.QueryEscape(conf.ClientSecret))
	}
	return req, nil
}
