package web

import (
	"context"
	"net/url"
	"strings"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
)

const (
	walkSize    = 24 // hops kept per session: the login's, then the latest exchanges
	captureSize = 8  // exchanges one action may make (a login: token, userinfo; a resource page: refresh and two calls)
)

// recording returns a back-channel context whose exchanges are captured in
// a fresh log, to become the hops of one action.
func (a *App) recording(ctx context.Context) (context.Context, *wirelog.Log) {
	capture := wirelog.NewLog(captureSize)
	return a.backChannel(ctx, capture), capture
}

// hopsOf turns recorded exchanges into hops, each named after the endpoint
// it went to.
func (a *App) hopsOf(entries []wirelog.Exchange) []xray.Hop {
	hops := make([]xray.Hop, len(entries))
	for i := range entries {
		e := entries[i]
		step, title, ref := a.describe(e)
		hops[i] = xray.Hop{Step: step, Title: title, Ref: ref, Time: e.Time, Channel: xray.Back, Exchange: &e}
	}
	return hops
}

// describe names an exchange by the endpoint it went to and, at the token
// endpoint, by its grant type.
func (a *App) describe(e wirelog.Exchange) (step, title string, ref xray.Ref) {
	endpoint, _, _ := strings.Cut(e.URL, "?")
	switch endpoint {
	case a.back.TokenEndpoint:
		form, _ := url.ParseQuery(e.RequestBody) // masked, but grant_type is never masked
		switch form.Get("grant_type") {
		case "authorization_code":
			return "D", "Access token request and response", "RFC 6749 Section 4.1.3"
		case "refresh_token":
			return "", "Refresh token grant", "RFC 6749 Section 6"
		case "client_credentials":
			return "", "Client credentials grant", "RFC 6749 Section 4.4"
		}
		return "", "Token request", "RFC 6749 Section 3.2"
	case a.back.PushedAuthorizationRequestEndpoint:
		return "", "Pushed authorization request", "RFC 9126 Section 2.1"
	case a.back.RevocationEndpoint:
		return "", "Token revocation", "RFC 7009 Section 2.1"
	case a.back.IntrospectionEndpoint:
		return "", "Token introspection", "RFC 7662 Section 2.1"
	case a.back.UserinfoEndpoint:
		return "", "UserInfo request", "OIDC Core Section 5.3"
	case a.back.JWKSURI:
		return "", "The provider's signing keys (JWKS)", "RFC 7517 Section 5"
	case a.back.RegistrationEndpoint:
		return "", "Client registration", "RFC 7591 Section 3.1"
	case a.resourceURL(resource.ProtectedResourcePath), a.resourceURL(resource.UserProfilePath):
		if e.DPoPProof != "" {
			return "", "Protected resource request", "RFC 9449 Section 7.1"
		}
		return "", "Protected resource request", "RFC 6750 Section 2.1"
	}
	if strings.Contains(endpoint, "/.well-known/") {
		return "", "Authorization server metadata", "RFC 8414 Section 3"
	}
	return "", "Request to the provider", ""
}

// walkView is a walkthrough as a page shows it.
type walkView struct {
	Hops     []xray.Hop
	Done     map[string]bool // the steps of RFC 6749 Section 4.1 that happened
	Teaching bool            // the provider's traces were asked for
	// TracesURL is the provider's page of its traces of this client's
	// requests, as the browser reaches it ("" unless in teaching mode):
	// the checks of the requests the browser carried, which never showed
	// this client an X-Request-Id.
	TracesURL string
}

// walkViewOf returns the view of hops, with the provider's traces page in
// teaching mode.
func (a *App) walkViewOf(hops []xray.Hop) walkView {
	v := walkView{Hops: hops, Done: xray.Steps(hops), Teaching: a.cfg.Teaching()}
	if v.Teaching {
		v.TracesURL = a.cfg.IssuerURL("/debug/traces") + "?" + url.Values{"client_id": {a.cfg.ClientID}}.Encode()
	}
	return v
}

// viewWalk returns the walk for a page, first fetching (in teaching mode)
// the provider's trace of every exchange that has none yet in the page's
// language, so its rule texts arrive in that language. The requests for
// traces are not themselves recorded.
func (a *App) viewWalk(ctx context.Context, w *xray.Walk) walkView {
	if w != nil && a.cfg.Teaching() {
		w.FetchTraces(wirelog.Unrecorded(ctx), a.tracer, a.now(), i18n.FromContext(ctx).Code)
	}
	return a.walkViewOf(w.Hops())
}

// viewHops is viewWalk for hops that belong to no session's walk.
func (a *App) viewHops(ctx context.Context, hops []xray.Hop) walkView {
	w := xray.NewWalk(len(hops))
	w.Add(hops...)
	return a.viewWalk(ctx, w)
}
