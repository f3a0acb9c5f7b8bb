package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// handleDeviceAuthorization handles "POST /oauth/device/code", the device
// authorization endpoint ([RFC 8628 Section 3.1]). The answer carries a
// credential (the device code), so it must not be cached ([RFC 6749 Section 5.1]).
// Over DEVICE_AUTHORIZATIONS_PER_HOUR the answer is 429 with Retry-After.
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
// [RFC 6749 Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
func (s *Server) handleDeviceAuthorization(c *gin.Context) {
	form, err := postForm(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	req, err := oauth.ParseDeviceAuthorizationRequest(c.Request.Context(), form, c.Request.Header.Values("Authorization"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	req.ClientAddr = clientAddr(c)
	resp, authErr := s.p.AuthorizeDevice(c.Request.Context(), req)
	if authErr != nil {
		s.writeLimitedError(c, limitDeviceAuthorization, errorStatus(authErr), authErr)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusOK, resp)
}

// deviceEntryPage is what device.html shows: the form to type the user code.
type deviceEntryPage struct {
	UserCode string // prefilled
	CSRF     string
	Error    string
}

// deviceConsentPage is what device_consent.html shows: the request to
// approve, with the sign-in fields when there is no login session.
type deviceConsentPage struct {
	Device       *oauth.DeviceAuthorization
	NeedPassword bool
	SignedInAs   signedInUser // when no password is needed
	Username     string       // prefilled after a failed attempt
	CSRF         string
	Error        string
}

// deviceResultPage is what device_result.html shows: how the visit ended.
type deviceResultPage struct {
	Title, Message string
	TryAgain       bool // the code was not decided: the link to the code entry form offers to try again, else to enter another code
}

// handleDevice handles "GET /device" and "POST /device", the verification
// URI ([RFC 8628 Section 3.3]): "The authorization server authenticates the
// end user … and prompts the user to input the user code provided by the
// device client." GET shows the code entry form (verification_uri_complete's
// user code prefills it: oauth.ParseVerificationQuery). Each POST comes from
// the provider's own page (sameOriginForm) and carries the session's CSRF
// token and the user code (deviceForm); once the code names a pending
// request, the form's step is answered (answerDeviceForm). Every answer is
// a page; none is a redirect.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func (s *Server) handleDevice(c *gin.Context) {
	sess, ok := s.session(c)
	if !ok {
		return
	}
	if c.Request.Method != http.MethodPost { // GET or HEAD
		s.showDeviceEntry(c, http.StatusOK, sess, oauth.ParseVerificationQuery(c.Request.Context(), c.Request.URL.Query()), "")
		return
	}
	f, ok := s.deviceForm(c, sess)
	if !ok {
		return
	}
	d, err := s.p.LookUpUserCode(c.Request.Context(), clientAddr(c), f.UserCode)
	if err != nil {
		s.userCodeFailed(c, sess, f.UserCode, err)
		return
	}
	s.answerDeviceForm(c, sess, d, f)
}

// deviceForm reads a POST to /device (oauth.ParseDeviceVerificationForm:
// each field came once) and checks that it carries the session's CSRF
// token, before the user code is looked up (so the sign-in need not check
// them again: FormChecked); on failure it shows the code entry form again
// (403 for a bad token: nothing changes) and reports false.
func (s *Server) deviceForm(c *gin.Context, sess loginSession) (oauth.DeviceVerificationForm, bool) {
	form, err := postForm(c)
	if err != nil {
		s.showDeviceEntry(c, http.StatusBadRequest, sess, "", formRefusal(err))
		return oauth.DeviceVerificationForm{}, false
	}
	f, ferr := oauth.ParseDeviceVerificationForm(c.Request.Context(), form)
	switch {
	case ferr != nil:
		s.showDeviceEntry(c, http.StatusBadRequest, sess, "", msgFormSentTwice)
	case oauth.CheckFormCSRF(c.Request.Context(), sess.CSRFValid(f.CSRFToken)) != nil:
		s.showDeviceEntry(c, http.StatusForbidden, sess, f.UserCode, msgFormNotOurs)
	default:
		return f, true
	}
	return oauth.DeviceVerificationForm{}, false
}

// answerDeviceForm answers a POST to /device whose user code names the
// pending request d, as its step asks (oauth.DeviceVerificationForm.Step):
// the consent page; the same page again, for a decision it does not offer;
// "Use another account" (switchAccount); or the decision (decideDevice).
func (s *Server) answerDeviceForm(c *gin.Context, sess loginSession, d *oauth.DeviceAuthorization, f oauth.DeviceVerificationForm) {
	reshow := func(status int, username, message string) { s.showDeviceConsent(c, status, d, sess, username, message) }
	step, decision := f.Step(c.Request.Context())
	form := oauth.SignInForm{Fields: f.Fields, Decision: decision, FormChecked: true}
	switch step {
	case oauth.DeviceStepConsent:
		reshow(http.StatusOK, "", "")
	case oauth.DeviceStepDecisionNotOffered:
		reshow(http.StatusBadRequest, "", msgChooseApproveOrDeny)
	case oauth.DeviceStepSwitchAccount:
		s.switchAccount(c, sess, form, reshow)
	default:
		s.decideDevice(c, d, sess, form, reshow)
	}
}

// decideDevice signs the user in (or checks the login session) and
// records the decision f carries, allow or deny
// (oauth.Provider.DecideDevice). Declining needs no sign-in, only the
// form's CSRF token.
func (s *Server) decideDevice(c *gin.Context, d *oauth.DeviceAuthorization, sess loginSession, f oauth.SignInForm, reshow reshowForm) {
	if !s.signIn(c, sess, f, reshow) {
		return
	}
	if err := s.p.DecideDevice(c.Request.Context(), d, f.Decision, sess.UserID(), sess.AuthTime()); err != nil {
		s.saveSession(c, sess) // a sign-in just made stands, though the code was decided elsewhere meanwhile
		s.userCodeFailed(c, sess, d.UserCode, err)
		return
	}
	result := deviceResultPage{Title: msgDeviceConnected, Message: msgDeviceConnectedDetail}
	if f.Decision == oauth.DecisionDeny {
		result = deviceResultPage{Title: msgDeviceDenied, Message: msgDeviceDeniedDetail}
	}
	s.saveSession(c, sess)
	s.render(c, http.StatusOK, "device_result.html", result)
}

// userCodeFailed shows why a user code cannot be approved: a page the user
// can act on for each outcome, and 429 over the limits of
// [RFC 8628 Section 5.1] (refuseUserCodes).
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
func (s *Server) userCodeFailed(c *gin.Context, sess loginSession, typed string, err error) {
	var tooMany *oauth.TooManyAttemptsError
	switch {
	case errors.As(err, &tooMany):
		s.showDeviceResult(c, http.StatusTooManyRequests, deviceResultPage{Title: msgTooManyCodes,
			Message: s.refuseUserCodes(c, tooMany), TryAgain: true})
	case errors.Is(err, oauth.ErrUnknownUserCode):
		s.showDeviceEntry(c, http.StatusBadRequest, sess, typed, msgUnknownUserCode)
	case errors.Is(err, oauth.ErrExpiredUserCode):
		s.showDeviceResult(c, http.StatusBadRequest, deviceResultPage{Title: msgExpiredUserCode,
			Message: msgExpiredUserCodeDetail, TryAgain: true})
	case errors.Is(err, oauth.ErrUsedUserCode):
		s.showDeviceResult(c, http.StatusBadRequest, deviceResultPage{Title: msgUsedUserCode,
			Message: msgUsedUserCodeDetail, TryAgain: true})
	default:
		s.renderFault(c, err)
	}
}

// refuseUserCodes records user-code entry refused by a limit of
// [RFC 8628 Section 5.1]: it logs and counts the refusal, sets its
// Retry-After, and returns what the page says: codes came faster than the entry rate (Paced), or the budget of
// wrong ones refused them (attemptsRefused), at once or for guessing.
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
func (s *Server) refuseUserCodes(c *gin.Context, tooMany *oauth.TooManyAttemptsError) string {
	switch {
	case tooMany.Paced:
		s.rateLimited(c, limitUserCodeEntryRate)
		setRetryAfter(c, tooMany.RetryAfter)
		return msgTooManyCodesTooFast
	case s.attemptsRefused(c, tooMany, limitUserCode, limitUserCodeInFlight):
		return msgTooManyCodesAtOnce
	}
	return msgTooManyCodesDetail
}

// showDeviceEntry renders the code entry form, and the message it shows
// with it, if any. Only a well-formed user code is prefilled, in its
// display form; other input is not echoed back.
func (s *Server) showDeviceEntry(c *gin.Context, status int, sess loginSession, typed, message string) {
	page := deviceEntryPage{CSRF: sess.CSRFToken(), Error: message}
	if code, ok := oauth.NormalizeUserCode(typed); ok {
		page.UserCode = oauth.FormatUserCode(code)
	}
	s.saveSession(c, sess)
	oauth.TraceFrom(c.Request.Context()).Succeeded(formShown("code entry form", message))
	s.render(c, status, "device.html", page)
}

// showDeviceResult renders how a visit to the verification URI ended
// without a decision (an expired or used code, too many codes), with the
// page's title as the trace's outcome.
func (s *Server) showDeviceResult(c *gin.Context, status int, page deviceResultPage) {
	oauth.TraceFrom(c.Request.Context()).Succeeded(pageShown("result page", page.Title))
	s.render(c, status, "device_result.html", page)
}

// showDeviceConsent renders the consent page of a device authorization
// request. It shows the user code to compare with the device's
// ([RFC 8628 Section 3.3.1]: the server "SHOULD display the "user_code" to
// the user and ask them to verify that it matches the "user_code" being
// displayed on the device"). A client that registered itself gets the
// note that its name is its own claim, as on the authorization endpoint's
// consent page: anyone may register a device client under the name of a
// trusted one and mail a victim its user code ([RFC 8628 Section 5.4]: "The
// authorization server SHOULD display information about the device so that
// the user could notice if a software client was attempting to impersonate
// a hardware device"). It asks for a password when
// oauth.Provider.NeedsPassword says so, as the authorization endpoint's
// consent page does.
//
// [RFC 8628 Section 3.3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3.1
// [RFC 8628 Section 5.4]: https://www.rfc-editor.org/rfc/rfc8628#section-5.4
func (s *Server) showDeviceConsent(c *gin.Context, status int, d *oauth.DeviceAuthorization, sess loginSession, username, message string) {
	page := deviceConsentPage{Device: d, NeedPassword: s.p.NeedsPassword(nil, sess.For(d.Client.ID)), Username: username,
		CSRF: sess.CSRFToken(), Error: message}
	var ok bool
	if page.SignedInAs, ok = s.signedInAs(c, sess, page.NeedPassword); !ok {
		return
	}
	s.saveSession(c, sess)
	oauth.TraceFrom(c.Request.Context()).Succeeded(formShown("device consent page", message))
	s.render(c, status, "device_consent.html", page)
}
