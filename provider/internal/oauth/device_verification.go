package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// Why a user code cannot be approved. The verification page shows each one
// to the user; none of them is an OAuth error response.
var (
	// ErrUnknownUserCode: no device authorization request has this user code
	// (or the input cannot be a user code at all).
	ErrUnknownUserCode = errors.New("oauth: unknown user code")
	// ErrExpiredUserCode: the request expired; the device must start again.
	ErrExpiredUserCode = errors.New("oauth: the user code has expired")
	// ErrUsedUserCode: the request was approved or denied before.
	ErrUsedUserCode = errors.New("oauth: the user code was already used")
)

// DeviceAuthorization is a pending device authorization request found by
// its user code: what the verification page asks the user to approve.
type DeviceAuthorization struct {
	Client    store.Client
	UserCode  string // as the user typed it, normalized, e.g. "WDJBMJHT"; the store keeps its hash
	Scope     string
	ExpiresAt time.Time
}

// DisplayUserCode is the user code as the device shows it, e.g. "WDJB-MJHT".
func (d *DeviceAuthorization) DisplayUserCode() string { return FormatUserCode(d.UserCode) }

// LookUpUserCode finds the pending device authorization request a user typed
// the user code of, at the verification URI ([RFC 8628 Section 3.3]: "The
// authorization server authenticates the end user … and prompts the user to
// input the user code provided by the device client"). addr is the
// address of who typed it, for the limits of [RFC 8628 Section 5.1]: the
// entry rate (UserCodeEntriesPerMinute, in this process; over it the
// *TooManyAttemptsError is Paced) and the budget of wrong guesses
// (userCodeBudget); over a limit the answer is a *TooManyAttemptsError,
// before the store is asked for the code.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
func (p *Provider) LookUpUserCode(ctx context.Context, addr netip.Addr, typed string) (*DeviceAuthorization, error) {
	tr := TraceFrom(ctx)
	now := p.Now()
	if err := p.userCodes.allow(addr, now); !tr.Check(ruleUserCodeEntryRate, err == nil) {
		return nil, err
	}
	code, ok := NormalizeUserCode(typed)
	if !ok { // input that cannot name a code is no guess: the budget is not consulted
		tr.Check(ruleUserCodeKnown, false)
		return nil, ErrUnknownUserCode
	}
	ticket, err := p.reserveAttempt(ctx, p.userCodeBudget(), addr)
	if !tr.Check(ruleUserCodeAttempts, err == nil) {
		return nil, err
	}
	dc, err := p.Store.GetDeviceCodeByUserCodeHash(ctx, HashSecret(code))
	if errors.Is(err, store.ErrNotFound) {
		p.confirmAttempt(ctx, ticket) // a wrong guess
		tr.Check(ruleUserCodeKnown, false)
		return nil, ErrUnknownUserCode
	}
	p.forgiveAttempt(ctx, ticket)
	if err != nil {
		return nil, fmt.Errorf("oauth: look up user code: %w", err)
	}
	tr.Check(ruleUserCodeKnown, true)
	return p.pendingDeviceAuthorization(ctx, tr, dc, code, now)
}

// The rules of user code entry ([RFC 8628 Section 3.3], [RFC 8628 Section 5.1]).
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
var (
	ruleUserCodeEntryRate = Rule{"user codes entered from this network stay within the entry rate", "RFC 8628 Section 5.1"}
	ruleUserCodeAttempts  = Rule{"user codes entered from this network stay within the guessing limit", "RFC 8628 Section 5.1"}
	ruleUserCodeKnown     = Rule{"the user code names a device authorization request", "RFC 8628 Section 3.3"}
	ruleUserCodeUndecided = Rule{"the request has not been approved or denied before", "RFC 8628 Section 3.3"}
	ruleUserCodeUnexpired = Rule{"the request has not expired", "RFC 8628 Section 3.3"}
)

// pendingDeviceAuthorization checks that a device code found by userCode
// still awaits the user's decision, and loads its client for the consent page.
func (p *Provider) pendingDeviceAuthorization(ctx context.Context, tr *Trace, dc store.DeviceCode, userCode string, now time.Time) (*DeviceAuthorization, error) {
	if !tr.Check(ruleUserCodeUndecided, dc.Status == store.DevicePending) {
		return nil, ErrUsedUserCode
	}
	if !tr.Check(ruleUserCodeUnexpired, now.Before(dc.ExpiresAt)) {
		return nil, ErrExpiredUserCode
	}
	client, err := p.getClient(ctx, dc.ClientID)
	if err != nil {
		return nil, fmt.Errorf("oauth: client of device code: %w", err)
	}
	return &DeviceAuthorization{Client: client, UserCode: userCode, Scope: dc.Scope, ExpiresAt: dc.ExpiresAt}, nil
}

// ruleDeviceDecision: the verification URI's consent form asks the user
// "to approve or deny the request" ([RFC 8628 Section 3.3]), and its answer
// must be one of the two.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
var ruleDeviceDecision = Rule{"the user chose to approve or deny the request", "RFC 8628 Section 3.3"}

// ParseDeviceDecision reads the decision field of the verification URI's
// consent form: "The authorization server should then inform the user
// about the action they are undertaking and ask them to approve or deny
// the request" ([RFC 8628 Section 3.3]). No answer is DecisionNone: the
// form carried only the user code, and asks for the consent page; unlike
// the authorization endpoint's form, this one has no default answer. ok is
// false for anything but DecisionAllow, DecisionDeny or DecisionNone, and
// ruleDeviceDecision fails in the trace: the web layer shows the consent
// page again, as for ParseDecision. An answer the page offers passes it,
// so the trace of a decision lists the rule a bad one fails.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func ParseDeviceDecision(ctx context.Context, field string) (decision Decision, ok bool) {
	if field == "" {
		return DecisionNone, true
	}
	decision, ok = parseDecisionValue(field)
	TraceFrom(ctx).Check(ruleDeviceDecision, ok)
	return decision, ok
}

// ruleUserCodePrefillOnce: the user code a GET of the verification URI
// carries is read once, as every other parameter ("Request and response
// parameters MUST NOT be included more than once", [RFC 6749 Section 3.1]).
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
var ruleUserCodePrefillOnce = Rule{"the verification URI's user_code is sent at most once, as text (else the code entry form is shown empty)", "RFC 6749 Section 3.1"}

// ParseVerificationQuery reads the query of a GET of the verification URI:
// the user code that prefills the code entry form, from the
// verification_uri_complete a device may show as a QR code
// ([RFC 8628 Section 3.3.1]: "clients MAY present this URI in a
// non-textual manner … to save the user from typing the URI"). A user_code
// sent more than once, or not as text, prefills nothing, and
// ruleUserCodePrefillOnce fails in the trace: which copy the device meant
// is anyone's guess, and the empty form lets the user type the code the
// device shows, where an error page would only stop them; one sent at most
// once, as text, passes it. Any other parameter is ignored.
//
// [RFC 8628 Section 3.3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3.1
func ParseVerificationQuery(ctx context.Context, query url.Values) (userCode string) {
	userCode, err := singleValue(query, "user_code")
	TraceFrom(ctx).Check(ruleUserCodePrefillOnce, err == nil)
	return userCode
}

// DeviceVerificationForm is a POST to the verification URI, as
// ParseDeviceVerificationForm read it.
type DeviceVerificationForm struct {
	UserCode      string     // as the user typed it; LookUpUserCode normalizes it
	CSRFToken     string     // the login session's, on a form of the provider's own page
	SwitchAccount bool       // "Use another account" (SwitchAccountAsked)
	Fields        url.Values // the whole form, for SignIn (username and password)
	decision      string     // read by Step, once the user code names a request
}

// ParseDeviceVerificationForm reads a POST to the verification URI
// ([RFC 8628 Section 3.3]): the user code, the CSRF token, the decision and
// switch_account. A field sent more than once refuses the form
// (CheckFormFieldsOnce). The decision is read by Step, after the user code
// is looked up: a decision the page does not offer shows the consent page
// of that request again.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func ParseDeviceVerificationForm(ctx context.Context, form url.Values) (DeviceVerificationForm, *Error) {
	if err := CheckFormFieldsOnce(ctx, form); err != nil {
		return DeviceVerificationForm{}, err
	}
	return DeviceVerificationForm{UserCode: form.Get("user_code"), CSRFToken: form.Get("csrf_token"),
		SwitchAccount: SwitchAccountAsked(form), Fields: form, decision: form.Get("decision")}, nil
}

// DeviceStep is what a POST to the verification URI asks for, once its
// user code names a pending request (DeviceVerificationForm.Step).
type DeviceStep int

// The steps of the verification URI's consent form ([RFC 8628 Section 3.3]).
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
const (
	// DeviceStepConsent: the form carried only the user code; the
	// consent page is shown.
	DeviceStepConsent DeviceStep = iota
	// DeviceStepDecisionNotOffered: a decision the consent page does not
	// offer (ruleDeviceDecision failed); the page is shown again.
	DeviceStepDecisionNotOffered
	// DeviceStepSwitchAccount: "Use another account"; the login session
	// ends and the page is shown again with the sign-in fields.
	DeviceStepSwitchAccount
	// DeviceStepDecide: allow or deny, recorded (DecideDevice) once the
	// user has signed in (SignIn).
	DeviceStepDecide
)

// Step says what f asks for, and for DeviceStepDecide the decision
// (ParseDeviceDecision).
func (f DeviceVerificationForm) Step(ctx context.Context) (DeviceStep, Decision) {
	if f.SwitchAccount {
		return DeviceStepSwitchAccount, DecisionNone
	}
	switch decision, ok := ParseDeviceDecision(ctx, f.decision); {
	case !ok:
		return DeviceStepDecisionNotOffered, DecisionNone
	case decision == DecisionNone:
		return DeviceStepConsent, DecisionNone
	default:
		return DeviceStepDecide, decision
	}
}

// DecideDevice records the user's decision on a device authorization
// request: DecisionAllow approves it for userID, who signed in at authTime
// (approveDevice); any other declines it (denyDevice). Of two decisions on
// one request only the first counts: a later one is ErrUsedUserCode.
func (p *Provider) DecideDevice(ctx context.Context, d *DeviceAuthorization, decision Decision, userID string, authTime time.Time) error {
	if decision == DecisionAllow {
		return p.approveDevice(ctx, d, userID, authTime)
	}
	return p.denyDevice(ctx, d)
}

// approveDevice records the user's approval of a device authorization
// request as a grant; the device's next poll gets the tokens
// ([RFC 8628 Section 3.3]: "Once the user interaction is complete, the
// server instructs the user to return to their device").
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func (p *Provider) approveDevice(ctx context.Context, d *DeviceAuthorization, userID string, authTime time.Time) error {
	grant := p.newGrant(d.Client.ID, userID, d.Scope, authTime, p.Now(), d.ExpiresAt)
	return decided(ctx, p.Store.ApproveDeviceCode(ctx, HashSecret(d.UserCode), grant), "device request approved: grant created")
}

// denyDevice records that the user declined a device authorization request;
// the device's next poll gets access_denied ([RFC 8628 Section 3.5]).
//
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
func (p *Provider) denyDevice(ctx context.Context, d *DeviceAuthorization) error {
	return decided(ctx, p.Store.DenyDeviceCode(ctx, HashSecret(d.UserCode)), "device request denied")
}

// decided maps the store's answer to a decision, and records it.
func decided(ctx context.Context, err error, change string) error {
	tr := TraceFrom(ctx)
	switch {
	case errors.Is(err, store.ErrNotPending):
		tr.Check(ruleUserCodeUndecided, false)
		return ErrUsedUserCode
	case errors.Is(err, store.ErrNotFound): // purged since it was looked up
		tr.Check(ruleUserCodeUnexpired, false)
		return ErrExpiredUserCode
	case err != nil:
		return fmt.Errorf("oauth: decide device authorization: %w", err)
	}
	tr.Changed(change)
	tr.Succeeded(change)
	return nil
}
