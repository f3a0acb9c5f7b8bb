package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/wirelog"
	"github.com/oauth-reference/client/internal/xray"
)

// Step-by-step mode pauses a login three times, so a learner can read each
// step before the next happens: after (A), the authorization request before
// the browser goes (login.go); at (C), the authorization response and the
// client's checks before any exchange; and before (E), the token request
// as it will be sent. Each pause has a Continue button.

// heldTTL is how long a response paused at step (C) waits for Continue: the
// code it holds lives 10 minutes at most ([RFC 6749 Section 4.1.2]).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
const heldTTL = pendingTTL

// exchangePath is where a paused login continues: GET shows the token
// request before it is sent, POST sends it.
const exchangePath = "/callback/exchange"

// heldResponse is an authorization response that passed the checks of step
// (C) and waits, in the session, for the learner to continue.
type heldResponse struct {
	Pending pendingAuthorization
	Code    string
	Walk    *xray.Walk
	Created time.Time
}

// waiting reports whether h is a response still waiting for Continue: there
// is one, and it is younger than heldTTL.
func (h *heldResponse) waiting(now time.Time) bool {
	return h != nil && now.Sub(h.Created) < heldTTL
}

// stepView is the content of a step-by-step page.
type stepView struct {
	Step      string // the letter of the step just done, or about to be
	Explain   string // what happened and what Continue does
	Hops      []xray.Hop
	Walk      walkView
	Next      string // a link to follow (GET), or
	NextForm  string // a form to post (with CSRF)
	NextLabel string
	CSRFField string
	CSRFToken string
}

// renderStep writes a step-by-step page.
func (a *App) renderStep(c *gin.Context, v stepView) {
	v.Walk = a.viewHops(c.Request.Context(), v.Hops)
	v.CSRFField = csrfField
	a.render(c, http.StatusOK, "step.html", a.lang(c).T("Step %s", v.Step), v)
}

// holdResponse keeps a checked authorization response in the session and
// shows it: the pause at step (C).
func (a *App) holdResponse(c *gin.Context, s *webSession, h heldResponse) {
	s.Lock()
	s.Data.Held = &h
	s.Unlock()
	a.renderStep(c, stepView{Step: "C", Hops: h.Walk.Hops(), Next: exchangePath, NextLabel: "Continue: prepare the token request (D)",
		Explain: "Your browser came back with an authorization code, and the client's checks passed. " +
			"Nothing has been exchanged yet: the code waits in this client's session."})
}

// handleExchangePreview handles "GET /callback/exchange": the pause before
// (E). It shows the access token request ([RFC 6749 Section 4.1.3]) as
// golang.org/x/oauth2 will send it, captured by a transport that does not
// send it, with placeholders for the parts made at send time.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
func (a *App) handleExchangePreview(c *gin.Context) {
	var h heldResponse
	var csrf string
	if !a.withHeld(c, false, func(s *webSession, held heldResponse) { h, csrf = held, s.Data.CSRFToken }) {
		return
	}
	preview, placeholders := a.previewTokenRequest(c.Request.Context(), h)
	explain := "This is the back-channel request the client will send, server to server: your browser never sees it. " +
		"The provider will answer (E) with tokens, which the client then validates."
	if placeholders {
		explain = "This is the back-channel request the client will send, server to server: your browser never sees it. " +
			"The parts in ‹ › are made only when you send, fresh, as each may be used once and only for a short time: " +
			"the request's hop shows them decoded once it is sent. " +
			"The provider will answer (E) with tokens, which the client then validates."
	}
	a.renderStep(c, stepView{Step: "D", Hops: append(h.Walk.Hops(), preview), NextForm: exchangePath, CSRFToken: csrf,
		NextLabel: "Send the token request (D) and receive the tokens (E)", Explain: explain})
}

// handleExchange handles "POST /callback/exchange": it continues a paused
// login with steps (D) and (E), as the callback does without pauses.
func (a *App) handleExchange(c *gin.Context) {
	var s *webSession
	var h heldResponse
	if !a.withHeld(c, true, func(held *webSession, r heldResponse) {
		s, h = held, r
		held.Data.Held = nil
	}) {
		return
	}
	a.completeLogin(c, s, h.Code, h.Pending, h.Walk)
}

// withHeld is withSession for a login paused at step (C): fn runs with the
// held response while it is fresh, else the "no login to continue" page is
// written. That page comes first, before the CSRF check: a Continue sent
// again from the old page after the login (whose CSRF token the login
// replaced) is told the truth, not that its form may be another site's;
// it reads and changes nothing. It reports whether fn ran.
func (a *App) withHeld(c *gin.Context, form bool, fn func(s *webSession, h heldResponse)) (ran bool) {
	if !a.holdsLogin(c) {
		a.renderNothingHeld(c)
		return false
	}
	a.withSession(c, form, a.renderNothingHeld, func(s *webSession) {
		h := s.Data.Held
		if !h.waiting(a.now()) {
			s.Data.Held = nil
			a.renderNothingHeld(c)
			return
		}
		fn(s, *h)
		ran = true
	})
	return ran
}

// holdsLogin reports whether the caller's session holds a login paused at
// (C) that still waits.
func (a *App) holdsLogin(c *gin.Context) bool {
	s, ok := a.currentSession(c)
	if !ok {
		return false
	}
	s.Lock()
	defer s.Unlock()
	return s.Data.Held.waiting(a.now())
}

// renderNothingHeld writes the page for a Continue with no paused login.
func (a *App) renderNothingHeld(c *gin.Context) {
	a.renderError(c, http.StatusConflict, errorView{
		Title:   "No login to continue",
		Message: "This browser has no login paused at step (C): it was continued already, has expired, or began in another browser.",
		Retry:   true,
	})
}

// errNotSent is the answer of the transport that captures a request
// without sending it.
var errNotSent = errors.New("web: captured for display, not sent")

// notSent is an http.RoundTripper that sends nothing.
type notSent struct{}

func (notSent) RoundTrip(*http.Request) (*http.Response, error) { return nil, errNotSent }

// previewTokenRequest runs the code exchange through a transport that
// records the request (masked) and does not send it, and returns it as the
// hop of step (D), not yet sent, and whether it holds placeholders for
// parts made when it is sent (markMadeAtSend).
func (a *App) previewTokenRequest(ctx context.Context, h heldResponse) (xray.Hop, bool) {
	capture := wirelog.NewLog(1)
	client := a.signingClient(&http.Client{Transport: &wirelog.Transport{Base: notSent{}, Log: capture}})
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	_, _ = a.oauthFor(h.Pending.SignWithKey).Exchange(ctx, h.Code, oauth2.VerifierOption(h.Pending.CodeVerifier))
	hops := a.hopsOf(capture.Entries())
	if len(hops) == 0 {
		return xray.Hop{Step: "D", Title: "Access token request", Channel: xray.Back, Note: "The request could not be prepared."}, false
	}
	hop := hops[0]
	hop.Exchange.Err = ""
	hop.Title = "Access token request, not sent yet"
	hop.Note = "The client authenticates with its secret and proves with the code_verifier that it is the one that started this login (PKCE)."
	if h.Pending.SignWithKey {
		hop.Note = "The client authenticates with an assertion signed by its private key (private_key_jwt) and proves with the code_verifier that it is the one that started this login (PKCE)."
	}
	return hop, a.markMadeAtSend(i18n.FromContext(ctx), hop.Exchange)
}

// markMadeAtSend puts a placeholder, in a token request captured for the
// preview, where the real request carries a part made only when it is
// sent: its DPoP proof ([RFC 9449 Section 4.2]) and its client assertion
// ([RFC 7523 Section 3]). It reports whether it put any.
//
// The preview does not make them, nor show ones made for it: each is single
// use and carries its iat (this provider takes a proof within a minute of
// it, an assertion within 30 seconds of skew), and a learner may read the
// page for longer, so ones made now could be refused when sent; and ones
// made for the preview only would show a jti that never goes on the wire.
//
// [RFC 9449 Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
func (a *App) markMadeAtSend(l i18n.Lang, e *wirelog.Exchange) bool {
	marked := false
	if a.cfg.DPoP == "on" {
		e.RequestHeader["DPoP"] = l.T("‹a fresh DPoP proof, made when you send›")
		e.DPoPProof, marked = "", true
	}
	if e.ClientAssertion != "" {
		e.ClientAssertion, marked = l.T("‹a fresh assertion, with its own jti and iat, signed when you send›"), true
	}
	return marked
}
