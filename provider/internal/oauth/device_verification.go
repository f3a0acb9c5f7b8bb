package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
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
// page again, as for ParseDecision.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func ParseDeviceDecision(ctx context.Context, field string) (decision Decision, ok bool) {
	if field == "" {
		return DecisionNone, true
	}
	if decision, ok = parseDecisionValue(field); !ok {
		TraceFrom(ctx).Check(ruleDeviceDecision, false)
	}
	return decision, ok
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
