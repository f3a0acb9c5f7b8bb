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

// maxPollGrace bounds pollGrace: half a second covers a request's own
// delays (a queue, a pool wait, the client's authentication) many times
// over, and stays a tenth of the default 5 s interval.
const maxPollGrace = 500 * time.Millisecond

// pollGrace is how much sooner than the interval after the last poll a poll
// may be stamped and still count as on time. The client "MUST wait at least
// the number of seconds specified by the "interval" parameter"
// ([RFC 8628 Section 3.5]) between its requests, but this server stamps a
// poll only after it has parsed the request and authenticated the client:
// two polls sent exactly one interval apart (golang.org/x/oauth2 polls on a
// ticker) can be stamped a few milliseconds less apart, and that latency is
// the server's, not the client's. A slow_down for it would grow the
// interval by 5 s for good. The grace is a tenth of the configured interval
// (DEVICE_POLL_INTERVAL, at least 1 s, so at least 100 ms), at most
// maxPollGrace: a poll at half the interval is still slow_down. It is the
// one grace of both checks of the interval, RecordOnTimePoll's and
// pollPending's. Both record a poll inside the grace at the instant it was
// due, the last poll plus the interval, not at its arrival (onTimePollAt):
// the grace forgives the server's latency once and never accumulates, so a
// client polling every nine tenths of the interval gets slow_down on its
// second early poll instead of keeping that pace for the code's life.
//
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
func (p *Provider) pollGrace() time.Duration {
	return min(p.Config.DevicePollInterval/10, maxPollGrace)
}

// grantDeviceCode implements the device access token request,
// [RFC 8628 Section 3.4], and its answers, [RFC 8628 Section 3.5]:
// authorization_pending while the user has not decided, slow_down when polled
// sooner than the interval, access_denied, expired_token, and then the tokens
// — once.
//
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
func (p *Provider) grantDeviceCode(ctx context.Context, client store.Client, r TokenRequest) (*TokenResponse, *Error) {
	tr := TraceFrom(ctx)
	if err := tr.Require(ruleDeviceCodePresent, r.DeviceCode != "", ErrInvalidRequest, "device_code is required"); err != nil {
		return nil, err
	}
	// A device authorization request names no resource, so its grant is
	// for the provider's own resource server, as an authorization request
	// that names none ([RFC 8707 Section 2.2]). The resource is checked
	// before the code is read: a refused request leaves it as it was.
	//
	// [RFC 8707 Section 2.2]: https://www.rfc-editor.org/rfc/rfc8707#section-2.2
	audience, targetErr := p.audienceFor(tr, r.Resources, "")
	if targetErr != nil {
		return nil, targetErr
	}
	hash, now := HashSecret(r.DeviceCode), p.Now()
	// Most polls come on time while the user has not decided: one
	// conditional write records those (RecordOnTimePoll's WHERE clause holds
	// the rules below, up to the interval less pollGrace), which spares them
	// the read of the code, a quarter of the poll's time. Every other poll
	// reads the code and meets the rules one by one.
	switch err := p.Store.RecordOnTimePoll(ctx, hash, client.ID, now, p.pollGrace()); {
	case err == nil:
		for _, rule := range onTimePollRules {
			tr.Check(rule, true)
		}
		return nil, answerPending(tr)
	case !errors.Is(err, store.ErrConflict):
		return nil, ServerError(err)
	}
	dc, err := p.Store.GetDeviceCode(ctx, hash)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, ServerError(err)
	}
	// One answer for an unknown code and another client's: a client learns
	// nothing of the codes it was not issued. The trace tells them apart.
	if err := tr.Require(ruleDeviceCodeKnown, err == nil, ErrInvalidGrant, "the device_code is invalid"); err != nil {
		return nil, err
	}
	if err := tr.Require(ruleDeviceCodeIssuedToClient, dc.ClientID == client.ID, ErrInvalidGrant, "the device_code is invalid"); err != nil {
		return nil, err
	}
	if err := checkDeviceCode(tr, dc, now); err != nil {
		return nil, err
	}
	if dc.Status == store.DevicePending {
		return nil, p.pollPending(ctx, tr, dc, now)
	}
	return p.redeemDeviceCode(ctx, tr, dc, tokensToIssue{now: now, client: client, audience: audience, refresh: true, jkt: r.dpopJKT})
}

// The rules of the device access token request ([RFC 8628 Section 3.4], [RFC 8628 Section 3.5]).
//
// RFC 8628 does not say how often a device_code may be redeemed. A single
// use is this provider's rule, cited to the token response it shapes
// ([RFC 8628 Section 3.5]). It is the rule of the authorization code
// ([RFC 6749 Section 4.1.2]: "The client MUST NOT use the authorization
// code more than once"): a device_code, too, is exchanged once for tokens.
// Its second use is refused but, unlike a replayed code's, revokes nothing:
// a code travels through the browser, where it can leak
// ([RFC 6749 Section 4.1.2] asks to revoke what it issued), while a
// device_code goes only from the device to this server, which polls it by
// design, so a poll after the tokens were issued is the device's own retry,
// not a sign of theft.
//
// [RFC 8628 Section 3.4]: https://www.rfc-editor.org/rfc/rfc8628#section-3.4
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
var (
	ruleDeviceCodePresent        = Rule{"the request carries the device_code", "RFC 8628 Section 3.4"}
	ruleDeviceCodeKnown          = Rule{"the device_code is one this server issued (expired codes are forgotten once purged)", "RFC 8628 Section 3.4"}
	ruleDeviceCodeIssuedToClient = Rule{"the device_code was issued to this client", "RFC 8628 Section 3.4"}
	ruleDeviceCodeSingleUse      = Rule{"the device_code has not been redeemed before (this provider's rule, as for an authorization code)", "RFC 8628 Section 3.5"}
	ruleDeviceCodeUnexpired      = Rule{"the device_code has not expired", "RFC 8628 Section 3.5"}
	ruleDeviceNotDenied          = Rule{"the user has not denied the request", "RFC 8628 Section 3.5"}
	ruleDevicePollInterval       = Rule{"the client waited the polling interval since its last poll", "RFC 8628 Section 3.5"}
	ruleDeviceApproved           = Rule{"the user has approved the request", "RFC 8628 Section 3.5"}
)

// onTimePollRules are the rules a poll that RecordOnTimePoll recorded has
// met, in the order the other polls meet them, before its interval's.
var onTimePollRules = []Rule{ruleDeviceCodeKnown, ruleDeviceCodeIssuedToClient, ruleDeviceCodeSingleUse, ruleDeviceCodeUnexpired, ruleDeviceNotDenied}

// checkDeviceCode makes the checks of a found device code that end the
// polling: used, expired, denied. Most pending polls never reach this:
// RecordOnTimePoll applies these rules in SQL (onTimePollRules), and
// grantDeviceCode records them as passed.
func checkDeviceCode(tr *Trace, dc store.DeviceCode, now time.Time) *Error {
	if err := tr.Require(ruleDeviceCodeSingleUse, dc.Status != store.DeviceUsed, ErrInvalidGrant, "the device_code was already used"); err != nil {
		return err
	}
	if err := tr.Require(ruleDeviceCodeUnexpired, now.Before(dc.ExpiresAt), ErrExpiredToken, "the device_code has expired; start again"); err != nil {
		return err
	}
	return tr.Require(ruleDeviceNotDenied, dc.Status != store.DeviceDenied, ErrAccessDenied, "the user denied the request")
}

// pollPending answers a poll for a pending device code and records it:
// slow_down if it came sooner than the interval less pollGrace (the
// interval then grows, and the poll is recorded at now),
// authorization_pending otherwise (recorded at onTimePollAt). The record
// is a compare-and-set on the last poll time: of two concurrent polls one
// is recorded, and the other was, by definition, too soon — slow_down.
// Most pending polls never reach this: RecordOnTimePoll applies the
// interval in SQL, with the rules of onTimePollRules, and grantDeviceCode
// answers them authorization_pending.
func (p *Provider) pollPending(ctx context.Context, tr *Trace, dc store.DeviceCode, now time.Time) *Error {
	interval, polledAt := dc.Interval, onTimePollAt(dc, now)
	tooSoon := !dc.LastPolledAt.IsZero() && now.Sub(dc.LastPolledAt) < dc.Interval-p.pollGrace()
	if tooSoon {
		interval, polledAt = interval+slowDownStep, now
	}
	err := p.Store.RecordDevicePoll(ctx, dc.Hash, dc.LastPolledAt, polledAt, interval)
	switch {
	case errors.Is(err, store.ErrConflict):
		return tr.Fail(ruleDevicePollInterval, ErrSlowDown, "polling too fast: another request for this device_code is in flight")
	case err != nil:
		return ServerError(err)
	case tooSoon:
		tr.Changed("polling interval increased by 5 s")
		return tr.Fail(ruleDevicePollInterval, ErrSlowDown, "polling too fast: wait at least "+interval.String()+" between requests")
	}
	return answerPending(tr)
}

// onTimePollAt is the time to record for a poll of dc at now that is on
// time: now, or for a poll inside pollGrace the instant it was due, the
// last poll plus the interval, as RecordOnTimePoll records it. A code
// never polled has a zero LastPolledAt, so its first poll is now.
func onTimePollAt(dc store.DeviceCode, now time.Time) time.Time {
	if due := dc.LastPolledAt.Add(dc.Interval); due.After(now) {
		return due
	}
	return now
}

// answerPending is the answer to a poll recorded on time, of a code the
// user has not decided on yet.
func answerPending(tr *Trace) *Error {
	tr.Check(ruleDevicePollInterval, true)
	tr.Changed("poll time recorded")
	return tr.Fail(ruleDeviceApproved, ErrAuthorizationPending, "the user has not yet approved the request")
}

// redeemDeviceCode issues the tokens t describes (client, audience, DPoP
// key) for an approved device code's grant, then redeems the code and stores what
// was issued in one store call, both or neither: a server fault on the
// way leaves the code approved, so the device's next poll gets the tokens.
// Of concurrent polls exactly one does; the others find the code used.
func (p *Provider) redeemDeviceCode(ctx context.Context, tr *Trace, dc store.DeviceCode, t tokensToIssue) (*TokenResponse, *Error) {
	tr.Check(ruleDeviceApproved, true)
	grant, err := p.Store.GetGrant(ctx, dc.GrantID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, ServerError(err)
	}
	if err := requireGrantInForce(tr, err == nil && !grant.Revoked()); err != nil {
		return nil, err
	}
	t.grant, t.scope = grant, grant.Scope
	resp, issued, ierr := p.issueTokens(ctx, t)
	if ierr != nil {
		return nil, ierr
	}
	switch err := p.Store.RedeemDeviceCode(ctx, dc.Hash, issued); {
	case errors.Is(err, store.ErrAlreadyUsed):
		return nil, tr.Fail(ruleDeviceCodeSingleUse, ErrInvalidGrant, "the device_code was already used")
	case errors.Is(err, store.ErrNotFound):
		return nil, grantGone(tr)
	case err != nil:
		return nil, ServerError(err)
	}
	redeemed(tr, "device code consumed", issued)
	return resp, nil
}
