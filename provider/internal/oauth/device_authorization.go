package oauth

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// DeviceAuthorizationRequest is the device authorization request of
// [RFC 8628 Section 3.1], as received.
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
type DeviceAuthorizationRequest struct {
	Client     ClientCredentials
	Scope      string
	ClientAddr netip.Addr // who sent it, for DEVICE_AUTHORIZATIONS_PER_HOUR
}

// ParseDeviceAuthorizationRequest reads a device authorization request from
// the form body and the Authorization header. Parameters sent more than once
// are refused ([RFC 6749 Section 3.1]: "Request and response parameters MUST
// NOT be included more than once").
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
func ParseDeviceAuthorizationRequest(ctx context.Context, form url.Values, authorization []string) (DeviceAuthorizationRequest, *Error) {
	var scope string
	cc, err := parseClientRequest(ctx, PathDeviceAuthorization, authorization, form, param{"scope", &scope})
	if err != nil {
		return DeviceAuthorizationRequest{}, err
	}
	return DeviceAuthorizationRequest{Client: cc, Scope: scope}, nil
}

// DeviceAuthorizationResponse is the device authorization response of
// [RFC 8628 Section 3.2].
//
// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
type DeviceAuthorizationResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// maxUserCodeDraws is how many user codes AuthorizeDevice draws before it
// gives up: with 20^8 codes, even a million pending ones collide with a
// fresh draw once in 25,600, so a fifth collision in a row means a broken store.
const maxUserCodeDraws = 5

// AuthorizeDevice answers a device authorization request,
// [RFC 8628 Section 3.1] and [RFC 8628 Section 3.2]. The client authenticates
// as at the token endpoint: "The client authentication requirements of
// Section 3.2.1 of [RFC6749] apply to requests on this endpoint". The device
// code is a 256-bit secret, stored hashed ([RFC 8628 Section 5.2]: "a very
// high entropy code SHOULD be used"); the user code is 8 letters of base 20
// ([RFC 8628 Section 6.1]), stored hashed too. Over DEVICE_AUTHORIZATIONS_PER_HOUR the error
// says when to try again (Error.RetryAfter, admitDeviceAuthorization).
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
// [RFC 8628 Section 5.2]: https://www.rfc-editor.org/rfc/rfc8628#section-5.2
// [RFC 8628 Section 6.1]: https://www.rfc-editor.org/rfc/rfc8628#section-6.1
func (p *Provider) AuthorizeDevice(ctx context.Context, r DeviceAuthorizationRequest) (*DeviceAuthorizationResponse, *Error) {
	tr := TraceFrom(ctx)
	if err := p.admitDeviceAuthorization(tr, r.ClientAddr); err != nil {
		return nil, err
	}
	client, err := p.authenticateClient(ctx, r.Client)
	if err != nil {
		return nil, err
	}
	if err := requireGrantType(tr, client, GrantTypeDeviceCode); err != nil {
		return nil, err
	}
	scope, err := resolveScope(tr, r.Scope, client.Scopes, client.DefaultScope)
	if err != nil {
		return nil, err
	}
	deviceCode, now := NewSecret(), p.Now()
	interval := p.Config.DevicePollInterval.Round(time.Second) // the client is told whole seconds
	record := store.DeviceCode{
		Hash: HashSecret(deviceCode), ClientID: client.ID, Scope: scope, Status: store.DevicePending,
		Interval: max(interval, time.Second), CreatedAt: now, ExpiresAt: now.Add(p.Config.DeviceCodeTTL),
	}
	userCode, err := p.createDeviceCode(ctx, &record)
	if err != nil {
		return nil, err
	}
	tr.Changed("device code and user code issued, pending the user's decision")
	tr.Succeeded("device code issued")
	return p.deviceAuthorizationResponse(deviceCode, userCode, record), nil
}

// ruleDeviceAuthorizationRate is the rate limit of admitDeviceAuthorization
// on the device authorization request ([RFC 8628 Section 3.1]), a bound of
// this server's: RFC 8628 limits the user codes entered
// ([RFC 8628 Section 5.1]), not the requests that issue them.
//
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
var ruleDeviceAuthorizationRate = Rule{"the address stays within its device authorization requests per hour, a bound of this server's: the specifications set none", "RFC 8628 Section 3.1"}

// admitDeviceAuthorization counts a device authorization request from addr,
// accepted or not, within DEVICE_AUTHORIZATIONS_PER_HOUR. Each request
// stores a pending user code, and every pending code is one more that a
// guess at the verification URI may hit, [RFC 8628 Section 5.1]: "The user
// code SHOULD have enough entropy that, when combined with rate-limiting
// and other mitigations, a brute-force attack becomes infeasible." So one
// address (an IPv6 /64, and ten times that for its /48) may neither fill
// the store nor thin out the code space.
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
func (p *Provider) admitDeviceAuthorization(tr *Trace, addr netip.Addr) *Error {
	return p.devices.admit(tr, ruleDeviceAuthorizationRate, "too many device authorization requests", addr, p.Now(),
		p.Config.DeviceAuthorizationsPerHour)
}

// createDeviceCode stores d, the device code of the client d.ClientID
// names, under the hash of a fresh user code, and returns the user code
// (normalized).
// User codes are short, so one may still be in use: "store.ErrDuplicate"
// means draw another.
func (p *Provider) createDeviceCode(ctx context.Context, d *store.DeviceCode) (string, *Error) {
	for range maxUserCodeDraws {
		userCode := newUserCode()
		d.UserCodeHash = HashSecret(userCode)
		err := p.Store.CreateDeviceCode(ctx, *d)
		switch {
		case err == nil:
			return userCode, nil
		case errors.Is(err, store.ErrNotFound):
			return "", clientGone(TraceFrom(ctx))
		case !errors.Is(err, store.ErrDuplicate):
			return "", ServerError(err)
		}
	}
	return "", ServerError(errors.New("oauth: no free user code after several draws"))
}

// deviceAuthorizationResponse builds the response for a stored device code
// and its user code (normalized):
// the verification URI is short, with the code to type shown apart
// ([RFC 8628 Section 3.2]: "The URI should be short and easy to remember as
// end users will be asked to manually type it into their user agent"), and
// the complete URI carries it "for non-textual transmission".
//
// [RFC 8628 Section 3.2]: https://www.rfc-editor.org/rfc/rfc8628#section-3.2
func (p *Provider) deviceAuthorizationResponse(deviceCode, userCode string, d store.DeviceCode) *DeviceAuthorizationResponse {
	userCode = FormatUserCode(userCode)
	verificationURI := p.Config.Issuer + PathDeviceVerification
	return &DeviceAuthorizationResponse{
		DeviceCode:              deviceCode,
		UserCode:                userCode,
		VerificationURI:         verificationURI,
		VerificationURIComplete: verificationURI + "?" + url.Values{"user_code": {userCode}}.Encode(),
		ExpiresIn:               int64(d.ExpiresAt.Sub(d.CreatedAt) / time.Second),
		Interval:                int64(d.Interval / time.Second),
	}
}
