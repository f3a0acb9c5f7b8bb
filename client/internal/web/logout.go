package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/tokenview"
	"github.com/oauth-reference/client/internal/wirelog"
)

// logoutView is the content of the page after logging out.
type logoutView struct {
	Revocations []revocationView
	Walk        walkView
}

// revocationView is the outcome of one revocation request.
type revocationView struct {
	Hint   string // token_type_hint
	Masked string
	Status int
	Err    string
}

// handleLogout handles "POST /logout": it revokes the refresh token, then
// the access token, at the provider's revocation endpoint ([RFC 7009 Section
// 2]), and ends the session in the client. Revoking the refresh token first
// matters: [RFC 7009 Section 2.1] lets the provider revoke the whole grant
// with it, while an access token alone would leave the refresh token alive.
//
// [RFC 7009 Section 2]: https://www.rfc-editor.org/rfc/rfc7009#section-2
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
func (a *App) handleLogout(c *gin.Context) {
	s, ok := a.loginSession(c, true)
	if !ok {
		return
	}
	lg := s.Data.Login
	s.Data.Login = nil
	s.Unlock()
	ctx, capture := a.recording(c.Request.Context())
	v := logoutView{Revocations: []revocationView{
		a.revoke(ctx, lg.Token.RefreshToken, "refresh_token"),
		a.revoke(ctx, lg.Token.AccessToken, "access_token"),
	}}
	v.Walk = a.viewHops(c.Request.Context(), a.hopsOf(capture.Entries()))
	if err := a.endSession(c, s); err != nil {
		a.renderInternalError(c, "ending the session", err)
		return
	}
	a.render(c, http.StatusOK, "logout.html", "Logged out", v)
}

// revoke sends one revocation request ([RFC 7009 Section 2.1]) with the
// client's authentication. [RFC 7009 Section 2.2]: "The authorization server
// responds with HTTP status code 200 if the token has been revoked
// successfully or if the client submitted an invalid token."
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 7009 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7009#section-2.2
func (a *App) revoke(ctx context.Context, token, hint string) revocationView {
	rv := revocationView{Hint: hint, Masked: tokenview.Mask(token)}
	switch {
	case token == "":
		rv.Err = "no such token to revoke"
		return rv
	case a.back.RevocationEndpoint == "":
		rv.Err = "the provider's metadata has no revocation_endpoint"
		return rv
	}
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, err := a.revocationRequest(ctx, form)
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
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		rv.Err = fmt.Sprintf("the provider answered %s: %s", resp.Status, wirelog.BodyText(resp.Header.Get("Content-Type"), body))
	}
	return rv
}

// revocationRequest builds the POST to the revocation endpoint, with client
// authentication in the style the token endpoint uses ([RFC 7009 Section
// 2.1]: "The client also includes its authentication credentials as
// described in Section 2.3. of [RFC6749]"). With HTTP Basic, client_id and
// secret are form-encoded first ([RFC 6749 Section 2.3.1]).
//
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func (a *App) revocationRequest(ctx context.Context, form url.Values) (*http.Request, error) {
	basic := a.oauth.Endpoint.AuthStyle == oauth2.AuthStyleInHeader
	if !basic {
		form.Set("client_id", a.cfg.ClientID)
		form.Set("client_secret", a.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.back.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(a.cfg.ClientID), url.QueryEscape(a.cfg.ClientSecret))
	}
	return req, nil
}
