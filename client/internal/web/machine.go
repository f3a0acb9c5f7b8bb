package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/xray"
)

// machinePath is the client credentials grant's page.
const machinePath = "/machine"

// machineView is the content of the client credentials page.
type machineView struct {
	ClientID string
	Ran      bool
	Walk     walkView
	Failure  *errorView // why the run stopped, at its last hop; nil when it got through
}

// handleMachine handles "GET /machine": the client credentials grant
// ([RFC 6749 Section 4.4]) and the life of its token, and the form that
// runs them. A browser without a session gets one, for the form's CSRF
// token.
//
// [RFC 6749 Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
func (a *App) handleMachine(c *gin.Context) {
	if _, ok := a.anySession(c); !ok {
		return
	}
	a.render(c, http.StatusOK, "machine.html", "Client credentials, hop by hop", machineView{ClientID: a.cfg.ClientID})
}

// handleMachineRun handles "POST /machine": the token request with the
// client's own credentials, the token introspected and used, then revoked
// and introspected again. A step that fails shows its hop and why.
func (a *App) handleMachineRun(c *gin.Context) {
	ran := false
	a.withSession(c, true, a.renderCSRFError, func(*webSession) { ran = true })
	if !ran {
		return
	}
	hops, err := a.machineRun(c.Request.Context())
	v := machineView{ClientID: a.cfg.ClientID, Ran: true, Walk: a.viewHops(c.Request.Context(), hops)}
	status := http.StatusOK
	if err != nil {
		v.Failure, status = a.runFailure(c, err)
	}
	a.render(c, status, "machine.html", "Client credentials, hop by hop", v)
}

// The rules of the client credentials run, in the order machineRun,
// machineToken and machineIntrospect check them.
var (
	ruleMachineTokenIssued    = rule{Text: "the provider issued an access token", Ref: "RFC 6749 Section 4.4.3"}
	ruleMachineNoRefreshToken = rule{Text: "no refresh token: the client can ask again with its credentials", Ref: "RFC 6749 Section 4.4.3"}
	ruleIntrospectionAnswered = rule{Text: "the provider answers 200 with JSON", Ref: "RFC 7662 Section 2.2"}
	ruleActive                = rule{Text: `"active": true`, Ref: "RFC 7662 Section 2.2"}
	ruleMachineOwnsToken      = rule{Text: "client_id and sub are this client: no user is involved", Ref: "RFC 7662 Section 2.2"}
	ruleMachineRevoked        = rule{Text: "the provider answers 200: the token is revoked, or was already invalid", Ref: "RFC 7009 Section 2.2"}
	ruleRevokedInactive       = rule{Text: `"active": false: the revoked token is dead`, Ref: "RFC 7662 Section 2.2"}
)

// machineRun runs the five steps, stopping at the first that fails.
func (a *App) machineRun(ctx context.Context) ([]xray.Hop, error) {
	var tok *oauth2.Token
	steps := []struct {
		Title string
		Ref   xray.Ref
		Do    func(context.Context, *checklist) error
	}{
		{Title: "Client credentials grant", Ref: "RFC 6749 Section 4.4.2", Do: func(ctx context.Context, l *checklist) (err error) {
			tok, err = a.machineToken(ctx, l)
			return err
		}},
		{Title: "Token introspection", Ref: "RFC 7662 Section 2.1", Do: func(ctx context.Context, l *checklist) error {
			return a.machineIntrospect(ctx, l, tok, true)
		}},
		{Title: "Protected resource request", Ref: "RFC 6750 Section 2.1", Do: func(ctx context.Context, l *checklist) error {
			return a.callWithToken(ctx, l, tok, resource.ProtectedResourcePath)
		}},
		{Title: "Token revocation", Ref: "RFC 7009 Section 2.1", Do: func(ctx context.Context, l *checklist) error {
			rv := a.revoke(ctx, a.oauth, tok.AccessToken, "access_token")
			if !l.check(ruleMachineRevoked, rv.Status == http.StatusOK, rv.Err) {
				return stepFailed("The revocation failed", rv.Err, "")
			}
			return nil
		}},
		{Title: "Token introspection, after the revocation", Ref: "RFC 7662 Section 2.2", Do: func(ctx context.Context, l *checklist) error {
			return a.machineIntrospect(ctx, l, tok, false)
		}},
	}
	var hops []xray.Hop
	for i, s := range steps {
		more, err := a.walkStep(ctx, fmt.Sprint(i+1), s.Title, s.Ref, s.Do)
		if hops = append(hops, more...); err != nil {
			return hops, err
		}
	}
	return hops, nil
}

// machineToken sends the access token request of the client credentials
// grant ([RFC 6749 Section 4.4.2]) with the client's secret in HTTP Basic
// ([RFC 6749 Section 2.3.1]). [RFC 6749 Section 4.4.3]: "A refresh token
// SHOULD NOT be included."
//
// [RFC 6749 Section 4.4.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
// [RFC 6749 Section 4.4.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4.3
func (a *App) machineToken(ctx context.Context, l *checklist) (*oauth2.Token, error) {
	cc := clientcredentials.Config{ClientID: a.cfg.ClientID, ClientSecret: a.cfg.ClientSecret, TokenURL: a.back.TokenEndpoint,
		Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(ctx)
	if !l.check(ruleMachineTokenIssued, err == nil, tokenAnswer(err)) {
		return nil, tokenRequestError("The token request failed", credentialsGrant, err)
	}
	l.check(ruleMachineNoRefreshToken, tok.RefreshToken == "", "")
	return tok, nil
}

// machineIntrospect asks the provider about the token ([RFC 7662 Section 2.1])
// and checks that it is active, and whose, or no longer active.
//
// [RFC 7662 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
func (a *App) machineIntrospect(ctx context.Context, l *checklist, tok *oauth2.Token, active bool) error {
	answer := a.introspect(ctx, a.oauth, tok.AccessToken, "access_token")
	if answer.Err != "" {
		l.check(ruleIntrospectionAnswered, false, answer.Err)
		return stepFailed("The introspection request failed", answer.Err, "")
	}
	if !active {
		if !l.check(ruleRevokedInactive, !answer.Active, fmt.Sprint(answer.Active)) {
			return stepFailed("The revoked token is still active", "", `RFC 7009 Section 2.1: "The invalidation takes place immediately, and the token cannot be used again after the revocation."`)
		}
		return nil
	}
	if !l.check(ruleActive, answer.Active, fmt.Sprint(answer.Active)) {
		return stepFailed("The new token is not active", "", "")
	}
	l.check(ruleMachineOwnsToken, answer.ClientID == a.cfg.ClientID && answer.Sub == a.cfg.ClientID, answer.ClientID+", "+answer.Sub)
	return nil
}
