package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/tokenview"
	"github.com/oauth-reference/client/internal/xray"
)

// homeView is the content of the home page.
type homeView struct {
	Login     *loginView // nil when not logged in
	CSRFField string
	CSRFToken string
	Client    clientView
	Walk      walkView // this browser's latest login and what followed, oldest first
	Startup   bool     // Walk shows the client's start-up exchanges, not a login
	StepField string   // the name of the step-by-step switch
	PARField  string   // the name of the PAR switch; "" when the provider has no PAR endpoint
	KeyField  string   // the name of the private_key_jwt switch; "" when no key client is registered
	Paused    bool     // a step-by-step login waits at (C) for Continue
	Legend    []string // the labels of the figure, translated beside it when the page is not in English
}

// figureLabels are the labels of [RFC 6749 Section 4.1]'s Figure 3, as the
// RFC writes them.
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
var figureLabels = []string{"Resource Owner", "User-Agent", "Client", "Authorization Server",
	"Client Identifier & Redirection URI", "User authenticates", "Authorization Code",
	"Authorization Code & Redirection URI", "Access Token (w/ Optional Refresh Token)"}

// clientView is the client's configuration, shown next to the diagram.
type clientView struct {
	ClientID              string
	RedirectURI           string
	Issuer                string
	AuthorizationEndpoint string
	TokenEndpoint         string
	Scope                 string
	Channels              channelsView
}

// loginView shows a login: who, and the tokens.
type loginView struct {
	User   user
	Scope  string
	Expiry string // the access token's, in human terms
	Dead   string // why the tokens no longer work, translated; "" while they may
	Tokens []tokenView
}

// tokenView shows one token: masked, and decoded when it is a JWT.
type tokenView struct {
	Name   string
	Kind   string // what it is and which RFC defines it
	Masked string
	JWT    *tokenview.JWT
}

// handleHome handles "GET /": it explains the authorization code flow
// ([RFC 6749 Section 4.1], steps A to E) and, once logged in, shows the user,
// the tokens decoded (values masked), their expiry, the actions, and the
// story of this login hop by hop, with the provider's checks in teaching
// mode. When the client has seen the login's tokens die (login.Dead), it
// says so and offers to log in again instead of actions that would fail.
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
func (a *App) handleHome(c *gin.Context) {
	v := homeView{CSRFField: csrfField, Client: a.clientView(), StepField: stepByStepField, Legend: figureLabels}
	if a.public.PushedAuthorizationRequestEndpoint != "" {
		v.PARField = parField
	}
	if a.keyed != nil {
		v.KeyField = keyField
	}
	var walk *xray.Walk
	if s, ok := a.currentSession(c); ok {
		s.Lock()
		v.CSRFToken = s.Data.CSRFToken
		walk = s.Data.Walk
		v.Paused = s.Data.Held.waiting(a.now())
		if s.Data.Login != nil {
			v.Login = a.loginView(a.lang(c), s.Data.Login)
		}
		s.Unlock()
	}
	if len(walk.Hops()) > 0 {
		v.Walk = a.viewWalk(c.Request.Context(), walk)
	} else {
		v.Walk, v.Startup = a.walkViewOf(a.hopsOf(a.wire.Entries())), true
	}
	a.render(c, http.StatusOK, "home.html", "Authorization code flow", v)
}

func (a *App) clientView() clientView {
	return clientView{
		ClientID:              a.cfg.ClientID,
		RedirectURI:           a.cfg.RedirectURI,
		Issuer:                a.public.Issuer,
		AuthorizationEndpoint: a.public.AuthorizationEndpoint,
		TokenEndpoint:         a.back.TokenEndpoint,
		Scope:                 strings.Join(loginScopes, " "),
		Channels:              a.channelsView(),
	}
}

// loginView decodes a login's tokens for display.
func (a *App) loginView(l i18n.Lang, lg *login) *loginView {
	scope, _ := lg.Token.Extra("scope").(string)
	v := &loginView{
		User:   lg.User,
		Scope:  scope,
		Expiry: expiryText(l, lg.Token, a.now()),
		Tokens: []tokenView{
			tokenOf("Access token", accessTokenNote(lg.Token), lg.Token.AccessToken),
			tokenOf("Refresh token", "RFC 6749 Section 1.5; rotated on every use", lg.Token.RefreshToken),
			tokenOf("ID token", "OIDC Core Section 2; verified by this client (signature, iss, aud, exp, nonce)", lg.IDToken),
		},
	}
	if lg.Dead != "" {
		v.Dead, v.Expiry = l.T(lg.Dead), l.T("no longer accepted by the provider")
	}
	return v
}

// tokenOf masks a token and decodes it when it is a JWT. The decoding is
// for display: verification is the provider's job for access tokens, and
// go-oidc's (at the callback) for the ID token.
func tokenOf(name, kind, raw string) tokenView {
	tv := tokenView{Name: name, Kind: kind, Masked: tokenview.Mask(raw)}
	if raw == "" {
		tv.Masked = "(none)"
	}
	if jwt, err := tokenview.Decode(raw); err == nil {
		tv.JWT = &jwt
	}
	return tv
}

// expiryText says when an access token expires, in words of l.
func expiryText(l i18n.Lang, tok *oauth2.Token, now time.Time) string {
	switch {
	case tok.Expiry.IsZero():
		return l.T("no expiry given")
	case tok.Expiry.After(now):
		return l.T("expires %s", l.When(tok.Expiry, now))
	default:
		return l.T("expired %s; the next resource call refreshes it", l.When(tok.Expiry, now))
	}
}

// accessTokenNote says how the access token is used: as a Bearer token, or
// bound to this app's DPoP key (token_type DPoP, [RFC 9449 Section 5]).
//
// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
func accessTokenNote(tok *oauth2.Token) string {
	if tok.Type() == "DPoP" {
		return "JWT access token, RFC 9068; bound to this app's DPoP key (cnf.jkt), sent with a DPoP proof, RFC 9449"
	}
	return "JWT access token, RFC 9068; sent as a Bearer token, RFC 6750"
}
