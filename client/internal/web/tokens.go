package web

import (
	"context"
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/resource"
)

// countdownPath serves the inspector's script: it shows each time claim in
// the browser's local time and counts down to it. A file, not an inline
// script, and it needs the page's CSP nonce like any other.
const countdownPath = "/static/countdown.js"

//go:embed static/countdown.js
var countdownJS []byte

// scopeWords says what each scope the provider knows lets the client do
// ([RFC 6749 Section 3.3], [OIDC Core Section 5.4]).
//
// [RFC 6749 Section 3.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.3
// [OIDC Core Section 5.4]: https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
var scopeWords = map[string]string{
	"openid":         "sign you in: an ID token says who you are (OpenID Connect)",
	"profile":        "read your name and other profile claims",
	"email":          "read your email address",
	"read":           "read the protected resources of the provider's resource server",
	"write":          "change the protected resources",
	"offline_access": "keep access while you are away (a refresh token)",
}

// scopeView is one granted scope, in words.
type scopeView struct {
	Name  string
	Words string
}

// inspectedToken is one token as the inspector shows it.
type inspectedToken struct {
	tokenView
	Signature string // the verdict of the signature check, for a JWT
	Verified  bool
	Status    introspectionView // live, from the provider; Hint "" when not asked
	Asked     bool              // introspection was asked
}

// familyView is one refresh token of the grant's family, on the timeline.
type familyView struct {
	Label  string
	At     time.Time
	Status introspectionView
}

// tokensView is the content of the inspector.
type tokensView struct {
	Tokens    []inspectedToken
	Scopes    []scopeView
	Family    []familyView
	Teaching  bool   // offer to reveal the access token
	Revealed  string // the access token, only in the answer to the reveal POST
	Resource  string // where to try it
	TokenType string // "Bearer", or "DPoP" for a sender-constrained token
	CSRFField string
	CSRFToken string
	Walk      walkView
	Countdown map[string]string // the countdown script's words, translated
}

// countdownWords are the words countdown.js writes, in every language.
var countdownWords = newDictionary([]string{"in %s", "%s ago", "%sh", "%sm", "%ss"})

// handleTokens handles "GET /tokens", the token inspector: each token
// decoded, its signature checked against the provider's JWKS
// ([RFC 7515 Section 5.2]), its times, the scopes in words, its live status
// from introspection ([RFC 7662 Section 2]) and the refresh token family
// ([RFC 9700 Section 4.14.2]). No token is ever shown whole on this page.
//
// [RFC 7515 Section 5.2]: https://www.rfc-editor.org/rfc/rfc7515#section-5.2
// [RFC 7662 Section 2]: https://www.rfc-editor.org/rfc/rfc7662#section-2
// [RFC 9700 Section 4.14.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
func (a *App) handleTokens(c *gin.Context) {
	a.inspect(c, false)
}

// handleReveal handles "POST /tokens/reveal": in teaching mode, the
// inspector with the learner's own access token shown whole, to try with
// curl. It answers a POST (CSRF-protected) so the token is never in a URL,
// a bookmark or a cached GET page.
func (a *App) handleReveal(c *gin.Context) {
	if !a.cfg.Teaching() {
		a.handleNotFound(c)
		return
	}
	a.inspect(c, true)
}

// inspect writes the inspector, with the access token whole when reveal
// (a form post, so the CSRF token is checked).
func (a *App) inspect(c *gin.Context, reveal bool) {
	a.withLogin(c, reveal, func(s *webSession) { a.renderInspector(c, s, reveal) })
}

// renderInspector writes the inspector of the session's login, locked.
func (a *App) renderInspector(c *gin.Context, s *webSession, reveal bool) {
	lg := s.Data.Login
	ctx, capture := a.recording(c.Request.Context())
	conf := a.oauthFor(lg.SignWithKey)
	v := tokensView{
		Tokens: []inspectedToken{
			a.inspectToken(ctx, conf, tokenOf("Access token", accessTokenNote(lg.Token), lg.Token.AccessToken), lg.Token.AccessToken, "access_token"),
			a.inspectToken(ctx, conf, tokenOf("ID token", "OIDC Core Section 2; not introspectable: it is for the client, not for the resource server", lg.IDToken), lg.IDToken, ""),
		},
		Teaching:  a.cfg.Teaching(),
		Resource:  a.cfg.IssuerURL(resource.ProtectedResourcePath),
		TokenType: lg.Token.Type(),
		CSRFField: csrfField,
		CSRFToken: s.Data.CSRFToken,
		Countdown: countdownWords[a.lang(c).Code],
	}
	scope, _ := lg.Token.Extra("scope").(string)
	for _, name := range strings.Fields(scope) {
		v.Scopes = append(v.Scopes, scopeView{Name: name, Words: scopeWords[name]})
	}
	for i, m := range lg.Family {
		label := "issued with the login"
		if i > 0 || len(lg.Family) == maxFamily {
			label = "issued by a rotation"
		}
		v.Family = append(v.Family, familyView{Label: label, At: m.At, Status: a.introspect(ctx, conf, m.Token, "refresh_token")})
	}
	if reveal {
		v.Revealed = lg.Token.AccessToken
	}
	hops := a.hopsOf(capture.Entries())
	s.Data.Walk.Add(hops...)
	v.Walk = a.viewHops(c.Request.Context(), hops)
	a.render(c, http.StatusOK, "tokens.html", "Token inspector", v)
}

// inspectToken checks the signature of a JWT against the provider's JWKS
// and, when hint is set, asks the provider, as conf's client, whether the
// token is active.
func (a *App) inspectToken(ctx context.Context, conf *oauth2.Config, tv tokenView, raw, hint string) inspectedToken {
	it := inspectedToken{tokenView: tv}
	l := i18n.FromContext(ctx)
	if tv.JWT != nil {
		if _, err := a.keys.VerifySignature(ctx, raw); err != nil {
			it.Signature = l.T("not verified: %s", err)
		} else {
			it.Verified = true
			it.Signature = l.T("valid: signed by a key of the provider's JWKS (%s)", a.back.JWKSURI)
		}
	}
	if hint != "" && raw != "" {
		it.Status, it.Asked = a.introspect(ctx, conf, raw, hint), true
	}
	return it
}
