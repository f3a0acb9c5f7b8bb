package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// slowDownStep is how much the polling interval grows on each slow_down:
// "the interval MUST be increased by 5 seconds for this and all subsequent
// requests" ([RFC 8628 Section 3.5]).
//
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
const slowDownStep = 5 * time.Second

// exchangeDeviceCode implements the device access token request, [RFC 8628
// Section 3.4], and its answers, [RFC 8628 Section 3.5]: authorization_pending
// while the user has not decided, slow_down when polled sooner than the
// interval, access_denied, expired_token, and then the tokens — once.
//
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
func (p *Provider) exchangeDeviceCode(ctx context.Context, client store.Client, r TokenRequest) (*TokenResponse, *Error) {
	if r.DeviceCode == "" {
		return nil, invalidRequest("device_code is required")
	}
	hash := HashSecret(r.DeviceCode)
	dc, err := p.Store.GetDeviceCode(ctx, hash)
	if errors.Is(err, store.ErrNotFound) || (err == nil && dc.ClientID != client.ID) {
		return nil, NewError(ErrInvalidGrant, "the device_code is invalid")
	}
	if err != nil {
		return nil, serverError(err)
	}
	now := p.now()
	switch {
	case dc.Status == store.DeviceUsed:
		return nil, NewError(ErrInvalidGrant, "the device_code was already used")
	case !now.Before(dc.ExpiresAt):
		return nil, NewError(ErrExpiredToken, "the device_code has expired; start again")
	case dc.Status == store.DeviceDenied:
		return nil, NewError(ErrAccessDenied, "the user denied the request")
	case dc.Status == store.DevicePending:
		return nil, p.pollPending(ctx, dc, now)
	}
	return p.redeemDeviceCode(ctx, client, hash)
}

// pollPending answers a poll for a pending device code and records it:
// slow_down if it came sooner than the interval (which then grows),
// authorization_pending otherwise. The record is a compare-and-set on the
// last poll time: of two concurrent polls one is recorded, and the other
// was, by definition, too soon — slow_down.
func (p *Provider) pollPending(ctx context.Context, dc store.DeviceCode, now time.Time) *Error {
	answer := NewError(ErrAuthorizationPending, "the user has not yet approved the request")
	interval := dc.Interval
	if !dc.LastPolledAt.IsZero() && now.Sub(dc.LastPolledAt) < dc.Interval {
		interval += slowDownStep
		answer = NewError(ErrSlowDown, "polling too fast: wait at least "+interval.String()+" between requests")
	}
	err := p.Store.RecordDevicePoll(ctx, dc.Hash, dc.LastPolledAt, now, interval)
	switch {
	case errors.Is(err, store.ErrConflict):
		return NewError(ErrSlowDown, "polling too fast: another request for this device_code is in flight")
	case err != nil:
		return serverError(err)
	}
	return answer
}

// redeemDeviceCode consumes an approved device code, atomically, and issues
// the tokens of its grant.
func (p *Provider) redeemDeviceCode(ctx context.Context, client store.Client, hash string) (*TokenResponse, *Error) {
	dc, err := p.Store.ConsumeDeviceCode(ctx, hash)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		return nil, NewError(ErrInvalidGrant, "the device_code was already used")
	case errors.Is(err, store.ErrNotFound): // purged since it was read
		return nil, NewError(ErrInvalidGrant, "the device_code is invalid")
	case err != nil:
		return nil, serverError(err)
	}
	grant, err := p.Store.GetGrant(ctx, dc.GrantID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && grant.Revoked()):
		return nil, NewError(ErrInvalidGrant, "the device authorization was revoked")
	case err != nil:
		return nil, serverError(err)
	}
	return p.issueAndStore(ctx, issuedTokens{client: client, grant: grant, scope: grant.Scope,
		audience: p.Config.ResourceAudience(), refresh: true})
}
