package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/tokenview"
)

// refreshView is the content of the refresh page: the rotation, masked.
type refreshView struct {
	OldRefresh string
	NewRefresh string
	Rotated    bool
	OldAccess  string
	NewAccess  string
	Expiry     string
	Scope      string
	Walk       walkView
}

// handleRefresh handles "POST /refresh": it uses the refresh token
// ([RFC 6749 Section 6]) and shows the rotation: the provider answers with a
// new refresh token and the old one stops working ([RFC 9700 Section 4.14.2]).
//
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
func (a *App) handleRefresh(c *gin.Context) {
	a.withLogin(c, true, func(s *webSession) { a.rotateRefreshToken(c, s) })
}

// rotateRefreshToken uses the refresh token of the session's login, held
// locked, and writes the page.
func (a *App) rotateRefreshToken(c *gin.Context, s *webSession) {
	lg := s.Data.Login
	if lg.Token.RefreshToken == "" {
		a.renderError(c, http.StatusBadRequest, errorView{Title: "No refresh token", Message: "The provider issued no refresh token with this login."})
		return
	}
	ctx, capture := a.recording(c.Request.Context())
	// A token with only a refresh token is expired to x/oauth2, so the
	// TokenSource refreshes at once.
	tok, err := a.oauthFor(lg.SignWithKey).TokenSource(ctx, &oauth2.Token{RefreshToken: lg.Token.RefreshToken}).Token()
	hops := a.hopsOf(capture.Entries())
	s.Data.Walk.Add(hops...)
	if err != nil {
		a.refreshFailed(c, s, err)
		return
	}
	old := lg.Token
	a.keepRefreshed(ctx, lg, tok)
	scope, _ := tok.Extra("scope").(string)
	a.render(c, http.StatusOK, "refresh.html", "Refresh token rotation", refreshView{
		OldRefresh: tokenview.Mask(old.RefreshToken),
		NewRefresh: tokenview.Mask(tok.RefreshToken),
		Rotated:    tok.RefreshToken != old.RefreshToken,
		OldAccess:  tokenview.Mask(old.AccessToken),
		NewAccess:  tokenview.Mask(tok.AccessToken),
		Expiry:     expiryText(a.lang(c), tok, a.now()),
		Scope:      scope,
		Walk:       a.viewHops(c.Request.Context(), hops),
	})
}

// refreshFailed records a refused refresh of the session's login (a
// refusal with invalid_grant leaves its tokens dead) and writes the page
// that explains it, with the hops that led there.
func (a *App) refreshFailed(c *gin.Context, s *webSession, err error) {
	s.Data.Login.refused(err)
	a.renderFailure(c, tokenRequestError("The refresh failed", refreshGrant, err), s.Data.Walk)
}
