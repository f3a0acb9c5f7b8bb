package web

import (
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/tokenview"
	"github.com/oauth-reference/client/internal/wirelog"
)

// Resource paths of the provider's resource server (SPEC.md).
const (
	protectedResourcePath = "/protected/resource"
	userProfilePath       = "/user/profile"
)

// resourceView is the content of the resource page.
type resourceView struct {
	Refreshed bool   // the access token had expired and was refreshed first
	Expiry    string // of the access token used
	Answers   []answerView
}

// answerView is one resource call and its answer.
type answerView struct {
	URL    string
	Status int
	Type   string // Content-Type
	Body   string
	Err    string
}

// handleResource handles "GET /resource": it calls the provider's
// /protected/resource and /user/profile with the access token as a Bearer
// token ([RFC 6750 Section 2.1]) and shows both answers.
//
// The calls go through an oauth2.TokenSource: when the access token has
// expired, x/oauth2 first refreshes it ([RFC 6749 Section 6]), and the page
// says so.
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
// [RFC 6749 Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (a *App) handleResource(c *gin.Context) {
	s, ok := a.loginSession(c, false)
	if !ok {
		return
	}
	defer s.Unlock()
	lg := s.Data.Login
	ctx := a.backChannel(c.Request.Context(), s.Data.Wire)
	ts := a.oauth.TokenSource(ctx, lg.Token)
	client := oauth2.NewClient(ctx, ts)
	v := resourceView{Answers: []answerView{
		a.call(ctx, client, a.resourceURL(protectedResourcePath)),
		a.call(ctx, client, a.resourceURL(userProfilePath)),
	}}
	if tok, err := ts.Token(); err == nil && tok.AccessToken != lg.Token.AccessToken {
		v.Refreshed = true
		a.keepRefreshed(ctx, lg, tok)
	}
	v.Expiry = expiryText(lg.Token, a.now())
	a.render(c, http.StatusOK, "resource.html", "Protected resources", v)
}

// call makes one GET with client and records the answer for display.
func (a *App) call(ctx context.Context, client *http.Client, url string) answerView {
	av := answerView{URL: url}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		av.Err = err.Error()
		return av
	}
	resp, err := client.Do(req)
	if err != nil {
		av.Err = err.Error()
		return av
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	av.Status, av.Type = resp.StatusCode, resp.Header.Get("Content-Type")
	av.Body = wirelog.BodyText(av.Type, body)
	if wa := resp.Header.Get("WWW-Authenticate"); wa != "" {
		av.Body = "WWW-Authenticate: " + wa + "\n\n" + av.Body
	}
	return av
}

// keepRefreshed stores the tokens of a refresh in the login. A new ID token,
// if the provider sent one, is kept only once verified and only if it names
// the same user ([OpenID Connect Core 1.0 Section 12.2]).
//
// [OpenID Connect Core 1.0 Section 12.2]: https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
func (a *App) keepRefreshed(ctx context.Context, lg *login, tok *oauth2.Token) {
	lg.Token = tok
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return
	}
	idt, err := a.verifyIDToken(ctx, raw, tok.AccessToken, "")
	if err != nil || idt.Subject != lg.User.Subject {
		a.log.Warn("ignoring the ID token of a refresh response", "err", err, "masked", tokenview.Mask(raw))
		return
	}
	lg.IDToken = raw
}
