package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/xray"
)

// parField is the home page's switch: /login?par=on pushes the
// authorization request to the provider before sending the browser
// ([RFC 9126 Section 2.1]). The home page shows it only when the provider's
// metadata advertises pushed_authorization_request_endpoint.
//
// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
const parField = "par"

// requestURIParam explains the one parameter a pushed request adds to the
// short URL.
var requestURIParam = paramDoc{"request_uri",
	"A one-time reference to the request this client pushed over the back channel; the provider looks the parameters up by it, so they never pass through your browser.",
	"RFC 9126 Section 4"}

// pushedAuthorization is the PAR endpoint's answer ([RFC 9126 Section 2.2]).
//
// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
type pushedAuthorization struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int    `json:"expires_in"`
}

// requestURL returns the URL that sends the browser to the authorization
// endpoint with p's request, and records in p step (A) and, when push is on
// and the provider has a PAR endpoint, the pushed request before it.
func (a *App) requestURL(ctx context.Context, p *pendingAuthorization, push bool) (string, error) {
	longURL := a.authorizationURL(*p)
	p.Request = authorizationRequestHop(longURL, a.now())
	if !push || a.back.PushedAuthorizationRequestEndpoint == "" {
		return longURL, nil
	}
	shortURL, hops, err := a.pushAuthorizationRequest(ctx, a.oauthFor(p.SignWithKey), longURL)
	p.Pushed = hops
	if err != nil {
		return "", err
	}
	p.Request = pushedRequestHop(shortURL, longURL, a.now())
	return shortURL, nil
}

// pushAuthorizationRequest sends the parameters of the authorization
// request longURL to the PAR endpoint over the back channel, authenticated
// as conf's client authenticates its token requests ([RFC 9126 Section 2.1]),
// and returns the short URL the browser is sent to instead, with only
// client_id and request_uri ([RFC 9126 Section 4]). The exchange is returned
// as a hop even when it failed.
//
// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
// [RFC 9126 Section 4]: https://www.rfc-editor.org/rfc/rfc9126#section-4
func (a *App) pushAuthorizationRequest(ctx context.Context, conf *oauth2.Config, longURL string) (string, []xray.Hop, error) {
	long, err := url.Parse(longURL)
	if err != nil {
		return "", nil, err
	}
	ctx, capture := a.recording(ctx)
	pushed, err := a.postPushedRequest(ctx, conf, long.Query())
	hops := a.hopsOf(capture.Entries())
	if err != nil {
		return "", hops, pageErr(http.StatusBadGateway, errorView{
			Title:   "The pushed authorization request failed",
			Message: "The provider did not accept the pushed request. Log in again without PAR, or check the provider's log.",
			Detail:  err.Error(),
			Rule:    `RFC 9126 Section 2.2: "the server MUST generate a request URI and provide it in the response with a 201 HTTP status code"`,
			Retry:   true,
		}).withCause(err)
	}
	short := *long
	short.RawQuery = url.Values{"client_id": {conf.ClientID}, "request_uri": {pushed.RequestURI}}.Encode()
	return short.String(), hops, nil
}

// postPushedRequest posts form to the PAR endpoint, authenticated as conf's
// client, and reads its answer: 201 Created with a request_uri
// ([RFC 9126 Section 2.2]).
//
// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
func (a *App) postPushedRequest(ctx context.Context, conf *oauth2.Config, form url.Values) (pushedAuthorization, error) {
	var pushed pushedAuthorization
	req, err := a.authenticatedPost(ctx, conf, a.back.PushedAuthorizationRequestEndpoint, form)
	if err != nil {
		return pushed, err
	}
	if err := a.postJSON(req, http.StatusCreated, "the PAR answer", &pushed); err != nil {
		return pushed, err
	}
	if pushed.RequestURI == "" {
		return pushed, errors.New("the PAR answer has no request_uri")
	}
	return pushed, nil
}

// pushedRequestHop is step (A) of a pushed request: the short URL the
// browser carries, and beside it the long one it replaces.
func pushedRequestHop(shortURL, longURL string, now time.Time) xray.Hop {
	hop := authorizationRequestHop(shortURL, now)
	hop.Note = "The parameters went to the provider over the back channel first; the client redirects your browser (302) with only client_id and request_uri."
	hop.Params = explainParams(shortURL, append(authorizationParams, requestURIParam))
	long := authorizationRequestHop(longURL, now)
	hop.Replaces = &long
	return hop
}
