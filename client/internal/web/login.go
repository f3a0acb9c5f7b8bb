package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
)

// stepByStepField is the home page's switch: /login?step_by_step=on pauses
// the login after each step.
const stepByStepField = "step_by_step"

// handleLogin handles "GET /login", step (A) of [RFC 6749 Section 4.1]: it
// sends the browser to the authorization endpoint with an authorization
// request ([RFC 6749 Section 4.1.1]) carrying
//   - state, bound to this browser's session ([RFC 6749 Section 10.12]),
//   - a PKCE code_challenge with method S256 ([RFC 7636 Section 4.3];
//     [RFC 9700 Section 2.1.1]: confidential clients use PKCE too),
//   - an OpenID Connect nonce, echoed in the ID token.
//
// The state, nonce and code_verifier stay on the server, in the session.
// With the PAR switch on, the parameters go to the provider over the back
// channel first and the browser carries only a request_uri (par.go); a
// visitor past pushesPerHour gets 429 instead, and the provider no request
// (admitVisitor). In step-by-step mode the page shows the request instead
// of redirecting, and the learner follows the link.
//
// [RFC 6749 Section 4.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 6749 Section 10.12]: https://www.rfc-editor.org/rfc/rfc6749#section-10.12
// [RFC 7636 Section 4.3]: https://www.rfc-editor.org/rfc/rfc7636#section-4.3
// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
func (a *App) handleLogin(c *gin.Context) {
	push := c.Query(parField) == "on" && a.back.PushedAuthorizationRequestEndpoint != ""
	if push && !a.admitVisitor(c, a.visitors.pushes) {
		return
	}
	s, ok := a.anySession(c)
	if !ok {
		return
	}
	p := a.newPending(a.lang(c))
	p.StepByStep = c.Query(stepByStepField) == "on"
	p.SignWithKey = c.Query(keyField) == "on" && a.keyed != nil
	authURL, err := a.requestURL(c.Request.Context(), &p, push)
	if err != nil {
		walk := xray.NewWalk(walkSize)
		walk.Add(p.Pushed...)
		a.renderFailure(c, err, walk)
		return
	}
	a.addPending(s, p)
	if p.StepByStep {
		a.renderStep(c, stepView{Step: "A", Hops: append(p.Pushed, p.Request), Next: authURL,
			NextLabel: "Continue to the provider (B)",
			Explain:   "The client has built the authorization request and kept state, nonce and code_verifier in its session. Continuing sends your browser to this URL."})
		return
	}
	c.Redirect(http.StatusFound, authURL)
}

// authorizationRequestHop is step (A) for the walkthrough: the URL, each
// parameter with its meaning.
func authorizationRequestHop(authURL string, now time.Time) xray.Hop {
	return xray.Hop{
		Step: "A", Title: "Authorization request", Ref: "RFC 6749 Section 4.1.1", Time: now, Channel: xray.Front,
		Note:   "The client redirects your browser (302) to the authorization endpoint.",
		URL:    authURL,
		Params: explainParams(authURL, authorizationParams),
	}
}

// paramDoc explains a parameter of a front-channel URL.
type paramDoc struct {
	Name    string
	Meaning string
	Ref     xray.Ref
}

// authorizationParams explain the parameters of the authorization request,
// in the order the walkthrough lists them.
var authorizationParams = []paramDoc{
	{"response_type", "code: the client asks for an authorization code (the code flow).", "RFC 6749 Section 4.1.1"},
	{"client_id", "Who is asking: the client's public identifier, registered at the provider.", "RFC 6749 Section 2.2"},
	{"redirect_uri", "Where to send the answer; it must exactly match a registered redirect URI.", "RFC 6749 Section 3.1.2"},
	{"scope", "What access is asked for; openid makes this an OpenID Connect login.", "RFC 6749 Section 3.3"},
	{"state", "A random value bound to this browser's session; the answer must bring it back (CSRF defence).", "RFC 6749 Section 10.12"},
	{"nonce", "A random value the ID token must carry back, so no other ID token can be slipped into this login.", "OIDC Core Section 3.1.2.1"},
	{"code_challenge", "BASE64URL(SHA256(code_verifier)): only the holder of the verifier, kept in this client's session, can redeem the code (PKCE).", "RFC 7636 Section 4.2"},
	{"code_challenge_method", "S256: the challenge is a SHA-256 hash, not the verifier itself.", "RFC 7636 Section 4.3"},
	{"ui_locales", "The languages the user prefers for the provider's pages, most preferred first: this client asks for the language of its own pages.", "OIDC Core Section 3.1.2.1"},
}

// explainParams lists the query parameters of rawURL with their meanings:
// the documented ones in the table's order, then any other, by name. A
// code or token is shown masked, a secret not at all, as on the wire.
func explainParams(rawURL string, docs []paramDoc) []xray.Param {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	q := u.Query()
	var out []xray.Param
	for _, d := range docs {
		if q.Has(d.Name) {
			out = append(out, xray.Param{Name: d.Name, Value: wirelog.MaskParam(d.Name, q.Get(d.Name)), Meaning: d.Meaning, Ref: d.Ref})
			q.Del(d.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		out = append(out, xray.Param{Name: name, Value: wirelog.MaskParam(name, q.Get(name))})
	}
	return out
}
