package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/tokenview"
)

// resourceView is the content of the resource page.
type resourceView struct {
	Fetched   bool     // the resources were called; else the page offers to call them
	Dead      string   // why the login's tokens no longer work, if they do not
	DPoP      bool     // the access token is DPoP-bound: each call carries a proof
	Refreshed bool     // the access token had expired and was refreshed first
	Expiry    string   // of the access token used
	Walk      walkView // the requests as sent and the answers as received
	Errors    []string // calls that could not be made at all
}

// handleResource handles "GET /resource": the page that offers to fetch
// the resources, and calls nothing. A fetch may refresh the access token,
// which rotates the refresh token: a change of state that a GET, which a
// link from another site can make, must not cause. [RFC 9110 Section 9.2.1]
// on safe methods: "the client does not request, and does not expect, any
// state change on the origin server".
//
// [RFC 9110 Section 9.2.1]: https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
func (a *App) handleResource(c *gin.Context) {
	a.withLogin(c, false, func(s *webSession) {
		a.render(c, http.StatusOK, "resource.html", "Protected resources", resourceView{Dead: s.Data.Login.Dead})
	})
}

// handleFetchResource handles "POST /resource", a form with the session's
// CSRF token: it calls the provider's /protected/resource and /user/profile
// with the access token as a Bearer token ([RFC 6750 Section 2.1]), or with
// a DPoP proof when it is bound to the client's key
// ([RFC 9449 Section 7.1]), and shows both requests as sent and both
// answers as received.
//
// When the access token has expired, x/oauth2 first refreshes it
// ([RFC 6749 Section 6]), and the page says so.
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (a *App) handleFetchResource(c *gin.Context) {
	a.withLogin(c, true, func(s *webSession) { a.callResources(c, s) })
}

// callResources calls both resources with the session's login, locked, and
// writes the page. The access token is taken once, before the calls: an
// oauth2.TokenSource asked at each call would refresh at each, for x/oauth2
// counts a token as expired 10 seconds before its expiry, and all but the
// last rotation would go unrecorded.
func (a *App) callResources(c *gin.Context, s *webSession) {
	lg := s.Data.Login
	ctx, capture := a.recording(c.Request.Context())
	tok, err := a.resourceToken(ctx, lg)
	if err != nil {
		s.Data.Walk.Add(a.hopsOf(capture.Entries())...)
		a.refreshFailed(c, s, err)
		return
	}
	v := resourceView{Fetched: true, Refreshed: tok.AccessToken != lg.Token.AccessToken}
	if v.Refreshed {
		a.keepRefreshed(ctx, lg, tok)
	}
	client := oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok))
	for _, path := range []string{resource.ProtectedResourcePath, resource.UserProfilePath} {
		// The page shows the exchange as the transport recorded it.
		if _, _, err := resource.Get(ctx, client, a.resourceURL(path)); err != nil {
			v.Errors = append(v.Errors, err.Error())
		}
	}
	v.DPoP = tok.Type() == "DPoP"
	v.Expiry = expiryText(a.lang(c), tok, a.now())
	hops := a.hopsOf(capture.Entries())
	s.Data.Walk.Add(hops...)
	v.Walk = a.viewHops(c.Request.Context(), hops)
	a.render(c, http.StatusOK, "resource.html", "Protected resources", v)
}

// resourceToken returns the login's access token for a fetch: refreshed
// first ([RFC 6749 Section 6]) when it has expired and there is a refresh
// token. Without one, an expired token goes out as it is, and the
// resource's answer says what became of it.
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (a *App) resourceToken(ctx context.Context, lg *login) (*oauth2.Token, error) {
	if lg.Token.RefreshToken == "" {
		return lg.Token, nil
	}
	return a.oauthFor(lg.SignWithKey).TokenSource(ctx, lg.Token).Token()
}

// keepRefreshed stores the tokens of a refresh in the login. A new ID token,
// if the provider sent one, is kept only once verified and only if it names
// the same user ([OIDC Core Section 12.2]).
//
// [OIDC Core Section 12.2]: https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
func (a *App) keepRefreshed(ctx context.Context, lg *login, tok *oauth2.Token) {
	lg.Token, lg.Dead = tok, ""
	lg.addToFamily(tok, a.now())
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return
	}
	idt, _, err := verifyIDToken(ctx, a.verifierFor(lg.SignWithKey), raw, tok.AccessToken, "")
	if err != nil || idt.Subject != lg.User.Subject {
		a.log.WarnContext(ctx, "ignoring the ID token of a refresh response", "err", err, "masked", tokenview.Mask(raw))
		return
	}
	lg.IDToken = raw
}
