package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/xray"
)

// The step machinery of the walkthrough pages (/mcp, /device-flow,
// /machine): each step sends its requests over the back channel, recorded
// as hops, with the client's checks under them; a step that cannot go on
// ends the run, and the page shows why.

// checklist records a hop's checks as they are made.
type checklist []xray.Check

// check records want applied once, with its outcome, and returns whether it
// passed.
func (l *checklist) check(want rule, passed bool, detail string) bool {
	*l = append(*l, want.checked(passed, detail))
	return passed
}

// walkStep runs one step: do sends its requests over the back channel,
// recorded, and makes the client's checks. The exchanges become hops of
// step, titled title and citing ref, the checks under the last one (a hop
// of their own when nothing was sent). The step's requests use the plain
// back-channel client: the walkthrough's tokens are Bearer tokens, even
// with DPOP=on.
func (a *App) walkStep(ctx context.Context, step, title string, ref xray.Ref, do func(context.Context, *checklist) error) ([]xray.Hop, error) {
	rctx, capture := a.recording(ctx)
	rctx = context.WithValue(rctx, oauth2.HTTPClient, a.http)
	var checks checklist
	err := do(rctx, &checks)
	hops := a.hopsOf(capture.Entries())
	if len(hops) == 0 {
		hops = []xray.Hop{{Time: a.now(), Channel: xray.Back}}
	}
	for i := range hops {
		hops[i].Step, hops[i].Title, hops[i].Ref = step, title, ref
	}
	last := &hops[len(hops)-1]
	last.Checks, last.ChecksTitle = checks, "The client's checks"
	return hops, err
}

// stepFailed is the error of a step whose answer the client cannot go on
// with: the provider answered, but not as the rule says.
func stepFailed(title, detail, rule string) *pageError {
	return pageErr(http.StatusBadGateway, errorView{
		Title:   title,
		Message: "The walkthrough stopped at the hop below, the last one: its answer is not what the client needs to go on.",
		Detail:  detail, Rule: rule,
	})
}

// stepRefused is the error of a step the client would not take: what the
// last answer names is not for it to fetch, so nothing was sent.
func stepRefused(title, detail, rule string) *pageError {
	return pageErr(http.StatusBadGateway, errorView{
		Title:   title,
		Message: "The walkthrough stopped after the hop below, the last one: the client refused to send the next request, to an address that answer named.",
		Detail:  detail, Rule: rule,
	})
}

// ruleResourceServed is the rule of a resource called with a token.
var ruleResourceServed = rule{Text: "the resource answers 200 OK", Ref: "RFC 6750 Section 2.1"}

// callWithToken calls the provider's resource at path with the access
// token in the Authorization header ([RFC 6750 Section 2.1]): step 7 of the
// MCP walkthrough (/user/profile), the last hop of an approved device grant
// (the same), the third of the client credentials run (/protected/resource).
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
func (a *App) callWithToken(ctx context.Context, l *checklist, tok *oauth2.Token, path string) error {
	status := a.sendWith(ctx, a.http, a.resourceURL(path), "Bearer "+tok.AccessToken, "")
	if !l.check(ruleResourceServed, status == http.StatusOK, http.StatusText(status)) {
		return stepFailed("The resource refused the token", fmt.Sprint(status), "")
	}
	return nil
}

// runFailure is why a run of a walkthrough page (/mcp, /device-flow,
// /machine) stopped, as its page shows it, and the page's status. The
// cause, if any, goes to the log.
func (a *App) runFailure(c *gin.Context, err error) (*errorView, int) {
	var pe *pageError
	if !errors.As(err, &pe) {
		pe = stepFailed("The walkthrough failed", err.Error(), "")
	}
	if pe.cause != nil {
		a.log.WarnContext(c.Request.Context(), pe.view.Title, "route", c.FullPath(), "err", pe.cause)
	}
	return &pe.view, pe.status
}
