package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/resource"
	"github.com/oauth-reference/client/internal/xray"
)

// devicePath is the device grant's page. The provider's /device is the
// verification URI, where the user enters the code; this is the device's
// side, played by the client.
const devicePath = "/device-flow"

// devicePollPath serves the page's script, which polls without reloading
// the page: it fetches the page again and shows its new result and hops in
// place, so that the focus stays where the reader put it
// ([WCAG 2.2 Success Criterion 2.4.3]).
//
// [WCAG 2.2 Success Criterion 2.4.3]: https://www.w3.org/TR/WCAG22/#focus-order
const devicePollPath = "/static/device-poll.js"

//go:embed static/device-poll.js
var devicePollJS []byte

// deviceScopes are the scopes the device asks for, as `client device` does.
var deviceScopes = []string{"openid", "profile", "read"}

// deviceWalkSize is how many hops a run keeps: the device authorization
// request, then the newest polls (the oldest are dropped first), the token
// response and the resource.
const deviceWalkSize = 12

// slowDownStep is what a slow_down answer adds to the polling interval.
// [RFC 8628 Section 3.5]: "the interval MUST be increased by 5 seconds for
// this and all subsequent requests."
//
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
const slowDownStep = 5 * time.Second

// defaultPollInterval is the interval of an answer that announces none.
// [RFC 8628 Section 3.2]: "If no value is provided, clients MUST use 5 as
// the default."
//
// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
const defaultPollInterval = 5 * time.Second

// deviceRun is a run of the device grant, kept in the browser's session:
// the device_code never leaves this server.
type deviceRun struct {
	Auth     oauth2.DeviceAuthResponse
	Interval time.Duration // between two polls: the announced interval, plus slowDownStep per slow_down
	NextPoll time.Time     // no token request before this
	Walk     *xray.Walk
	Done     bool       // approved, denied, expired or failed: no more polls
	Failure  *errorView // why the run ended without tokens; nil otherwise
	Token    *oauth2.Token
}

// deviceView is the content of the device grant's page.
type deviceView struct {
	ClientID string
	Run      *deviceRun // nil before the first run
	Walk     walkView
	Refresh  int  // seconds until the page polls again (its script, or a reload without scripting); 0: it does not
	ByHand   bool // the reader stopped the automatic polling: each load they ask for polls instead
}

// byHandQuery, in the page's URL, stops its automatic polling: a page that
// changes by itself every few seconds gets in the way of a screen reader,
// or of reading the hops at one's own pace
// ([WCAG 2.2 Success Criterion 2.2.1]: the user can turn such a time limit
// off). Each load past the interval still polls once, as before.
//
// [WCAG 2.2 Success Criterion 2.2.1]: https://www.w3.org/TR/WCAG22/#timing-adjustable
const byHandQuery = "by_hand"

// handleDeviceFlow handles "GET /device-flow": the device grant
// ([RFC 8628]) as a device would run it. While a run waits for the user,
// the page loads itself again every interval (its script fetches it and
// shows the new parts in place; without scripting, it reloads), and each
// load that finds the interval over sends one token request; a load before
// it sends none, and so does a HEAD, which is safe
// ([RFC 9110 Section 9.2.1]: it asks for nothing to change). The poll is
// made with the session locked, so loads at once (two tabs) never poll
// twice within the interval.
//
// [RFC 8628]: https://www.rfc-editor.org/rfc/rfc8628
// [RFC 9110 Section 9.2.1]: https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
func (a *App) handleDeviceFlow(c *gin.Context) {
	s, ok := a.anySession(c)
	if !ok {
		return
	}
	s.Lock()
	run := s.Data.Device
	if run != nil && !run.Done && !a.now().Before(run.NextPoll) && c.Request.Method != http.MethodHead {
		a.devicePoll(c, run)
	}
	v := deviceView{ClientID: a.cfg.DeviceClientID, ByHand: c.Query(byHandQuery) != ""}
	if run != nil {
		copied := *run
		v.Run = &copied
		if !run.Done && !v.ByHand {
			v.Refresh = max(1, int(math.Ceil(run.NextPoll.Sub(a.now()).Seconds())))
		}
	}
	s.Unlock()
	if run != nil {
		v.Walk = a.viewWalk(c.Request.Context(), run.Walk)
	}
	a.render(c, http.StatusOK, "device.html", "Device grant, hop by hop", v)
}

// handleDeviceStart handles "POST /device-flow": a new run's device
// authorization request ([RFC 8628 Section 3.1]), kept in the session in
// place of any earlier run; then 303 to the page, which shows the user
// code and polls. A visitor past deviceStartsPerHour gets 429 instead, and
// the provider no request (admitVisitor).
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
func (a *App) handleDeviceStart(c *gin.Context) {
	var s *webSession
	a.withSession(c, true, a.renderCSRFError, func(held *webSession) { s = held })
	if s == nil || !a.admitVisitor(c, a.visitors.deviceStarts) {
		return
	}
	run := &deviceRun{Walk: xray.NewWalk(deviceWalkSize)}
	hops, err := a.walkStep(c.Request.Context(), "1", "Device authorization request", "RFC 8628 Section 3.1", func(ctx context.Context, l *checklist) (err error) {
		run.Auth, err = a.deviceAuthorization(ctx, l)
		return err
	})
	run.Walk.Add(hops...)
	if err != nil {
		run.Done = true
		run.Failure, _ = a.runFailure(c, err)
	}
	run.Interval = defaultPollInterval
	if run.Auth.Interval > 0 {
		run.Interval = time.Duration(run.Auth.Interval) * time.Second
	}
	run.NextPoll = a.now().Add(run.Interval)
	s.Lock()
	s.Data.Device = run
	s.Unlock()
	c.Redirect(http.StatusSeeOther, devicePath)
}

// The rules of the device authorization response, in the order
// deviceAuthorization checks them.
var (
	ruleDeviceEndpointAdvertised    = rule{Text: "the provider's metadata names a device_authorization_endpoint", Ref: "RFC 8628 Section 4"}
	ruleDeviceAuthorizationAnswered = rule{Text: "the provider answers", Ref: "RFC 8628 Section 3.2"}
	ruleDeviceCodesIssued           = rule{Text: "the provider answered 200 with device_code, user_code and verification_uri", Ref: "RFC 8628 Section 3.2",
		Quote: `"In response, the authorization server generates a unique device verification code and an end-user code that are valid for a limited time".`}
	ruleVerificationURIAtIssuer        = rule{Text: "verification_uri is at the issuer, where the user's browser reaches the provider", Ref: "RFC 8628 Section 3.2"}
	ruleVerificationURICompleteHasCode = rule{Text: "verification_uri_complete carries the user code, so a link or a QR code saves typing it", Ref: "RFC 8628 Section 3.3.1"}
	ruleExpiresInGiven                 = rule{Text: "expires_in says how long the codes live", Ref: "RFC 8628 Section 3.2"}
	ruleIntervalGiven                  = rule{Text: "interval is the least time between two polls (5 seconds when absent)", Ref: "RFC 8628 Section 3.2"}
)

// deviceAuthorization sends the device authorization request
// ([RFC 8628 Section 3.1]) and checks its answer ([RFC 8628 Section 3.2]):
// the codes, where the user goes, how long it all lives and how often the
// device may poll. The device is the public client DEVICE_CLIENT_ID: it
// authenticates with nothing but its client_id.
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
func (a *App) deviceAuthorization(ctx context.Context, l *checklist) (oauth2.DeviceAuthResponse, error) {
	var da oauth2.DeviceAuthResponse
	if a.back.DeviceAuthorizationEndpoint == "" {
		l.check(ruleDeviceEndpointAdvertised, false, "")
		return da, stepFailed("The provider offers no device grant", "", "")
	}
	resp, err := a.postForm(ctx, a.back.DeviceAuthorizationEndpoint, url.Values{"client_id": {a.cfg.DeviceClientID}, "scope": {strings.Join(deviceScopes, " ")}})
	if err != nil {
		l.check(ruleDeviceAuthorizationAnswered, false, err.Error())
		return da, stepFailed("The device authorization request failed", err.Error(), "")
	}
	defer resp.Body.Close()
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&da) // DeviceAuthResponse turns expires_in into Expiry
	if !l.check(ruleDeviceCodesIssued, resp.StatusCode == http.StatusOK && err == nil && da.DeviceCode != "" && da.UserCode != "" && da.VerificationURI != "", resp.Status) {
		return da, stepFailed("The device authorization request failed", resp.Status, ruleDeviceCodesIssued.Quoted())
	}
	l.check(ruleVerificationURIAtIssuer, strings.HasPrefix(da.VerificationURI, a.cfg.AuthServer+"/"), da.VerificationURI)
	l.check(ruleVerificationURICompleteHasCode, strings.Contains(da.VerificationURIComplete, url.QueryEscape(da.UserCode)), da.VerificationURIComplete)
	l.check(ruleExpiresInGiven, !da.Expiry.IsZero(), da.Expiry.Sub(a.now()).Round(time.Second).String())
	l.check(ruleIntervalGiven, da.Interval > 0, (time.Duration(da.Interval) * time.Second).String())
	return da, nil
}

// postForm sends form to endpoint over the back channel, recorded in the
// log of ctx (x/oauth2's DeviceAuth builds its request without the
// context, so its exchange would not be).
func (a *App) postForm(ctx context.Context, endpoint string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return a.http.Do(req)
}

// devicePoll is one poll of a waiting run: one device access token
// request, a hop, and when it brings tokens, the resource called with
// them. It sets when the next poll may be. The provider decides when the
// codes have expired (expired_token), so the device needs no clock of its
// own for that.
func (a *App) devicePoll(c *gin.Context, run *deviceRun) {
	hops, err := a.walkStep(c.Request.Context(), "", "Device access token request (a poll)", "RFC 8628 Section 3.4", func(ctx context.Context, l *checklist) (err error) {
		run.Token, err = a.deviceTokenRequest(ctx, l, run)
		return err
	})
	run.Walk.Add(hops...)
	run.NextPoll = a.now().Add(run.Interval)
	if err == nil && run.Token != nil {
		hops, err = a.walkStep(c.Request.Context(), "", "The resource, with the token", "RFC 6750 Section 2.1", func(ctx context.Context, l *checklist) error {
			return a.callWithToken(ctx, l, run.Token, resource.UserProfilePath)
		})
		run.Walk.Add(hops...)
		run.Done = true
	}
	if err != nil {
		run.Done = true
		run.Failure, _ = a.runFailure(c, err)
	}
}

// deviceErrors are the answers of [RFC 8628 Section 3.5] to a poll, quoted.
//
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
var deviceErrors = map[string]string{
	"authorization_pending": `RFC 8628 Section 3.5: "authorization_pending: The authorization request is still pending as the end user hasn't yet completed the user-interaction steps".`,
	"slow_down":             `RFC 8628 Section 3.5: "slow_down: A variant of "authorization_pending", the authorization request is still pending and polling should continue, but the interval MUST be increased by 5 seconds for this and all subsequent requests."`,
	"access_denied":         `RFC 8628 Section 3.5: "access_denied: The authorization request was denied."`,
	"expired_token":         `RFC 8628 Section 3.5: "expired_token: The "device_code" has expired, and the device authorization session has concluded."`,
}

// The rules of a poll's answer, in the order deviceTokenRequest and
// readDeviceAnswer check them.
var (
	ruleDevicePollAnswered = rule{Text: "the provider answers", Ref: "RFC 8628 Section 3.4"}
	ruleDevicePollIsJSON   = rule{Text: "the answer is JSON", Ref: "RFC 6749 Section 5.1"}
	ruleDeviceApproved     = rule{Text: "the provider issued tokens: the user approved", Ref: "RFC 8628 Section 3.5"}
	ruleDevicePending      = rule{Text: "authorization_pending: the user has not decided yet; the device polls again after the interval", Ref: "RFC 8628 Section 3.5"}
	ruleDeviceSlowDown     = rule{Text: "slow_down: the device waits 5 seconds longer between polls, from now on", Ref: "RFC 8628 Section 3.5"}
)

// deviceTokenRequest sends one device access token request
// ([RFC 8628 Section 3.4]) and reads its answer ([RFC 8628 Section 3.5]):
// tokens, or nil and no error while the user has not decided (with
// slow_down, the interval grows by slowDownStep), or the error that ends
// the run. It is built here, not by x/oauth2, whose DeviceAccessToken
// polls in a loop until the end: this page polls once per load.
//
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
func (a *App) deviceTokenRequest(ctx context.Context, l *checklist, run *deviceRun) (*oauth2.Token, error) {
	resp, err := a.postForm(ctx, a.back.TokenEndpoint, url.Values{"grant_type": {string(deviceGrant)}, "device_code": {run.Auth.DeviceCode}, "client_id": {a.cfg.DeviceClientID}})
	if err != nil {
		l.check(ruleDevicePollAnswered, false, err.Error())
		return nil, stepFailed("The device access token request failed", err.Error(), "")
	}
	defer resp.Body.Close()
	var answer deviceAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&answer); err != nil {
		l.check(ruleDevicePollIsJSON, false, resp.Status)
		return nil, stepFailed("The token endpoint gave an unusable answer", resp.Status, "")
	}
	return a.readDeviceAnswer(l, run, resp.StatusCode, answer)
}

// deviceAnswer is the token endpoint's answer to a poll: tokens
// ([RFC 6749 Section 5.1]) or an error ([RFC 8628 Section 3.5]).
//
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
type deviceAnswer struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// readDeviceAnswer makes the device's checks of a poll's answer
// ([RFC 8628 Section 3.5]): tokens end the run; authorization_pending and
// slow_down (which adds slowDownStep to the interval) mean poll again;
// anything else ends the run with its error.
//
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
func (a *App) readDeviceAnswer(l *checklist, run *deviceRun, status int, ans deviceAnswer) (*oauth2.Token, error) {
	switch {
	case status == http.StatusOK && ans.AccessToken != "":
		l.check(ruleDeviceApproved, true, ans.TokenType)
		return &oauth2.Token{AccessToken: ans.AccessToken, TokenType: ans.TokenType, RefreshToken: ans.RefreshToken,
			Expiry: a.now().Add(time.Duration(ans.ExpiresIn) * time.Second)}, nil
	case ans.Error == "authorization_pending":
		l.check(ruleDevicePending, true, run.Interval.String())
		return nil, nil
	case ans.Error == "slow_down":
		run.Interval += slowDownStep
		l.check(ruleDeviceSlowDown, true, run.Interval.String())
		return nil, nil
	}
	l.check(ruleDeviceApproved, false, fmt.Sprintf("%d %s", status, ans.Error))
	v := errorView{Code: ans.Error, Description: ans.ErrorDescription, Rule: deviceErrors[ans.Error]}
	switch ans.Error {
	case "access_denied":
		v.Title, v.Message = "The user denied the request", "At the provider, the user chose Deny: the device gets no token, and stops polling."
	case "expired_token":
		v.Title, v.Message = "The codes expired before the user decided", "The provider answered expired_token: the device stops polling. Start a new run for new codes."
	default:
		v.Title, v.Message = "The token endpoint refused the poll", "The provider's token endpoint refused the request."
		v.explain(tokenErrors, deviceGrant)
	}
	return nil, pageErr(http.StatusOK, v)
}
