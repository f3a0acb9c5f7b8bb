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
	DPoP      bool     // the access token is DPoP-bound: each call carries a proof
	Refreshed bool     // the access token had expired and was refreshed first
	Expiry    string   // of the access token used
	Walk      walkView // the requests as sent and the answers as received
	Errors    []string // calls that could not be made at all
}

// handleResource handles "GET /resource": it calls the provider's
// /protected/resource and /user/profile with the access token as a Bearer
// token ([RFC 6750 Section 2.1]), or with a DPoP proof when it is bound to
// the client's key ([RFC 9449 Section 7.1]), and shows both requests as sent
// and both answers as received.
//
// The calls go through an oauth2.TokenSource: when the access token has
// expired, x/oauth2 first refreshes it ([RFC 6749 Section 6]), and the page
// says so.
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (a *App) handleResource(c *gin.Context) {
	a.withLogin(c, false, func(s *webSession) { a.callResources(c, s) })
}

// callResources calls both resources with the session's login, locked, and
// writes the page.
func (a *App) callResources(c *gin.Context, s *webSession) {
	lg := s.Data.Login
	ctx, capture := a.recording(c.Request.Context())
	ts := a.oauthFor(lg.SignWithKey).TokenSource(ctx, lg.Token)
	client := oauth2.NewClient(ctx, ts)
	var v resourceView
	for _, path := range []string{resource.ProtectedResourcePath, resource.UserProfilePath} {
		// The page shows the exchange as the transport recorded it.
		if _, _, err := resource.Get(ctx, client, a.resourceURL(path)); err != nil {
			v.Errors = append(v.Errors, err.Error())
		}
	}
	switch tok, err := ts.Token(); {
	case err != nil:
		lg.refused(err)
	case tok.AccessToken != lg.Token.AccessToken:
		v.Refreshed = true
		a.keepRefreshed(ctx, lg, tok)
	}
	v.DPoP = lg.Token.Type() == "DPoP"
	v.Expiry = expiryText(a.lang(c), lg.Token, a.now())
	hops := a.hopsOf(capture.Entries())
	s.Data.Walk.Add(hops...)
	v.Walk = a.viewHops(c.Request.Context(), hops)
	a.render(c, http.StatusOK, "resource.html", "Protected resources", v)
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
