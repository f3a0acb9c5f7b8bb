package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// PushedRequestTTL is how long a request_uri from the PAR endpoint may be
// used: "The request URI lifetime is at the discretion of the authorization
// server but will typically be relatively short (e.g., between 5 and 600
// seconds)" ([RFC 9126 Section 2.2]).
//
// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
const PushedRequestTTL = 60 * time.Second

// requestURIPrefix is the form of every request_uri this provider issues:
// "The authorization server MAY construct the request_uri value using the
// form urn:ietf:params:oauth:request_uri:<reference-value>"
// ([RFC 9126 Section 2.2]).
//
// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// PushedAuthorizationRequest is a request to the PAR endpoint
// ([RFC 9126 Section 2.1]): the authorization request's parameters, sent
// over the back channel with the client's credentials.
//
// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
type PushedAuthorizationRequest struct {
	Client ClientCredentials
	Form   url.Values
	// DPoP is the request's DPoP header, which binds the code to its key
	// ([RFC 9449 Section 10.1]).
	//
	// [RFC 9449 Section 10.1]: https://www.rfc-editor.org/rfc/rfc9449#section-10.1
	DPoP       DPoPRequest
	ClientAddr netip.Addr // who sent it, for PUSHED_REQUESTS_PER_HOUR
}

// ParsePushedAuthorizationRequest reads a pushed authorization request from
// the form body and the Authorization header. The client's credentials are
// read "using the same rules as for token endpoint requests"
// ([RFC 9126 Section 2.1]).
//
// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
func ParsePushedAuthorizationRequest(ctx context.Context, form url.Values, authorization []string) (PushedAuthorizationRequest, *Error) {
	cc, err := parseClientRequest(ctx, PathPAR, authorization, form)
	if err != nil {
		return PushedAuthorizationRequest{}, err
	}
	return PushedAuthorizationRequest{Client: cc, Form: form}, nil
}

// PushedAuthorizationResponse is the PAR endpoint's answer, sent with
// status 201 ([RFC 9126 Section 2.2]).
//
// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
type PushedAuthorizationResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// PushAuthorizationRequest implements the PAR endpoint,
// [RFC 9126 Section 2.1]: "The authorization server MUST process the
// request as follows:" it authenticates the client "in the same way as at
// the token endpoint", rejects a request_uri, and validates the rest "as it
// would an authorization request sent to the authorization endpoint" — with
// the very function the authorization endpoint uses. Every error is a JSON
// error answer ([RFC 9126 Section 2.3]): nothing is redirected from here.
// Over PUSHED_REQUESTS_PER_HOUR the error says when to try again
// (Error.RetryAfter, admitPushedRequest).
//
// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
// [RFC 9126 Section 2.3]: https://www.rfc-editor.org/rfc/rfc9126#section-2.3
func (p *Provider) PushAuthorizationRequest(ctx context.Context, r PushedAuthorizationRequest) (*PushedAuthorizationResponse, *Error) {
	tr := TraceFrom(ctx)
	if err := p.admitPushedRequest(tr, r.ClientAddr); err != nil {
		return nil, err
	}
	client, err := p.authenticateClient(ctx, r.Client)
	if err != nil {
		return nil, err
	}
	// "The request_uri authorization request parameter is one exception, and
	// it MUST NOT be provided." ([RFC 9126 Section 2.1])
	//
	// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
	_, hasRequestURI := r.Form["request_uri"]
	if err := tr.Require(ruleNoPushedRequestURI, !hasRequestURI, ErrInvalidRequest, "request_uri must not be pushed"); err != nil {
		return nil, err
	}
	ar := ParseAuthorizationRequest(r.Form)
	// "as a required authorization request parameter, it is similarly
	// required in a pushed authorization request" ([RFC 9126 Section 2.1])
	//
	// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
	if err := tr.Require(rulePushedClientID, ar.ClientID == client.ID, ErrInvalidRequest,
		"client_id is required and must name the authenticated client"); err != nil {
		return nil, err
	}
	if err := p.pushedDPoPKey(ctx, &ar, r.DPoP); err != nil {
		return nil, err
	}
	// "The format of the request_uri value is at the discretion of the
	// authorization server, but it MUST contain some part generated using a
	// cryptographically strong pseudorandom algorithm" ([RFC 9126 Section 2.2])
	//
	// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
	requestURI := requestURIPrefix + NewSecret()
	a, aerr := p.checkAuthorizationRequest(ctx, ar, HashSecret(requestURI))
	if aerr != nil {
		return nil, aerr.Error
	}
	params := a.Request.Values().Encode()
	if err := tr.Require(rulePushedRequestSize, len(params) <= maxPushedRequestBytes, ErrInvalidRequest,
		fmt.Sprintf("the pushed request is larger than this server stores (%d KiB, percent-encoded)", maxPushedRequestBytes>>10)); err != nil {
		err.Cause = ErrPushedRequestTooLarge
		return nil, err
	}
	now := p.Now()
	record := store.PushedRequest{
		Hash: HashSecret(requestURI), ClientID: client.ID, Params: params,
		CreatedAt: now, ExpiresAt: now.Add(PushedRequestTTL),
	}
	switch err := p.Store.CreatePushedRequest(ctx, record); {
	case errors.Is(err, store.ErrNotFound):
		return nil, clientGone(tr)
	case err != nil:
		return nil, ServerError(err)
	}
	tr.Changed("pushed authorization request stored, under a one-time request_uri")
	tr.Succeeded("request_uri issued")
	return &PushedAuthorizationResponse{RequestURI: requestURI, ExpiresIn: int64(PushedRequestTTL / time.Second)}, nil
}

// maxPushedRequestBytes bounds a pushed request as it is stored: its
// parameters, percent-encoded. Each is at most maxParameterBytes, but three
// such values of characters that percent-encoding triples would take 36 KB;
// 16 KiB holds any request a client sends (a 2 KB state, a nonce, the rest
// short), and bounds what PUSHED_REQUESTS_PER_HOUR pushes can store.
const maxPushedRequestBytes = 16 << 10

// ErrPushedRequestTooLarge is the Cause of the error that refuses a pushed
// request larger than maxPushedRequestBytes: "If the request size was
// beyond the upper bound that the authorization server allows, the
// authorization server responds with an HTTP 413 (Payload Too Large)
// status code" ([RFC 9126 Section 2.3]).
//
// [RFC 9126 Section 2.3]: https://www.rfc-editor.org/rfc/rfc9126#section-2.3
var ErrPushedRequestTooLarge = errors.New("oauth: pushed request too large")

// rulePushedRequestSize is the bound of maxPushedRequestBytes.
var rulePushedRequestSize = Rule{"the pushed request, as stored, is at most 16 KiB", "RFC 9126 Section 2.3"}

// rulePushedRequestRate is the rate limit of admitPushedRequest.
var rulePushedRequestRate = Rule{"the address stays within its pushed authorization requests per hour", "RFC 9126 Section 2.3"}

// admitPushedRequest counts a pushed authorization request from addr,
// accepted or not, within PUSHED_REQUESTS_PER_HOUR, [RFC 9126 Section 2.3]:
// "If the number of requests from a client during a particular time period
// exceeds the number the authorization server allows, the authorization
// server responds with an HTTP 429 (Too Many Requests) status code." Each
// request stores a row for PushedRequestTTL (and until the next purge), and
// anyone may push as a public client or as a client whose secret is
// public (the demo's), so one address (an IPv6 /64, and ten times that for
// its /48) may not fill the store.
//
// [RFC 9126 Section 2.3]: https://www.rfc-editor.org/rfc/rfc9126#section-2.3
func (p *Provider) admitPushedRequest(tr *Trace, addr netip.Addr) *Error {
	return p.pushes.admit(tr, rulePushedRequestRate, "too many pushed authorization requests", addr, p.Now(),
		p.Config.PushedRequestsPerHour)
}

// isPushedRequestURI reports whether requestURI has the form of the ones
// this provider issues (requestURIPrefix): one for pushedRequest to look
// up. Any other is an OpenID Connect request_uri, to fetch, which
// checkUnsupported refuses.
func isPushedRequestURI(requestURI string) bool {
	return strings.HasPrefix(requestURI, requestURIPrefix)
}

// pushedRequest resolves the request_uri of an authorization request, one
// of this provider's form (isPushedRequestURI), into the request that was
// pushed ([RFC 9126 Section 4]). Its errors are never redirected: until the
// pushed request is found, no redirect URI is trusted.
//
// [RFC 9126 Section 4]: https://www.rfc-editor.org/rfc/rfc9126#section-4
func (p *Provider) pushedRequest(ctx context.Context, r AuthorizationRequest) (AuthorizationRequest, *Error) {
	tr := TraceFrom(ctx)
	invalid := func(rule Rule, description string) (AuthorizationRequest, *Error) {
		return AuthorizationRequest{}, tr.Fail(rule, ErrInvalidRequestURI, description)
	}
	switch {
	case len(r.Repeated) > 0:
		return AuthorizationRequest{}, tr.Fail(ruleAuthorizationParameterOnce, ErrInvalidRequest, "parameter "+r.Repeated[0]+" is repeated")
	case r.ClientID == "":
		return AuthorizationRequest{}, tr.Fail(ruleClientIDPresent, ErrInvalidRequest, "client_id is required with request_uri")
	}
	record, err := p.Store.GetPushedRequest(ctx, HashSecret(r.RequestURI))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return invalid(ruleRequestURIKnown, "request_uri is unknown or expired")
	case err != nil:
		return AuthorizationRequest{}, ServerError(err)
	}
	tr.Check(ruleRequestURIKnown, true)
	checks := []struct {
		rule        Rule
		ok          bool
		description string
	}{
		{ruleRequestURIBound, record.ClientID == r.ClientID, "request_uri was pushed by another client"},
		{ruleRequestURIUnexpired, p.Now().Before(record.ExpiresAt), "request_uri has expired: push the request again"},
		{ruleRequestURIUnused, record.UsedAt.IsZero(), "request_uri was used before"},
	}
	for _, c := range checks {
		if err := tr.Require(c.rule, c.ok, ErrInvalidRequestURI, c.description); err != nil {
			return AuthorizationRequest{}, err
		}
	}
	params, perr := url.ParseQuery(record.Params)
	if perr != nil {
		return AuthorizationRequest{}, ServerError(perr)
	}
	return ParseAuthorizationRequest(params), nil
}

// The rules of PAR ([RFC 9126 Section 2.1], [RFC 9126 Section 2.2], [RFC 9126 Section 4]):
// "The request_uri value MUST be bound to the client that posted the
// authorization request" ([RFC 9126 Section 2.2]); "An expired request_uri
// MUST be rejected as invalid"; "Authorization servers SHOULD treat
// request_uri values as one-time use" ([RFC 9126 Section 4]).
//
// [RFC 9126 Section 2.1]: https://www.rfc-editor.org/rfc/rfc9126#section-2.1
// [RFC 9126 Section 2.2]: https://www.rfc-editor.org/rfc/rfc9126#section-2.2
// [RFC 9126 Section 4]: https://www.rfc-editor.org/rfc/rfc9126#section-4
var (
	ruleNoPushedRequestURI  = Rule{"a pushed request carries no request_uri", "RFC 9126 Section 2.1"}
	rulePushedClientID      = Rule{"a pushed request names the authenticated client as client_id", "RFC 9126 Section 2.1"}
	ruleRequestURIKnown     = Rule{"request_uri names a request pushed to this provider (none is ever fetched)", "RFC 9126 Section 4"}
	ruleRequestURIBound     = Rule{"request_uri was pushed by this client", "RFC 9126 Section 2.2"}
	ruleRequestURIUnexpired = Rule{"request_uri has not expired", "RFC 9126 Section 4"}
	ruleRequestURIUnused    = Rule{"request_uri has not been used before", "RFC 9126 Section 4"}
)

// usePushedRequest marks the pushed request behind an authorization used, as
// its authorization ends (in a code or an error sent to the client). Of two
// racing ends only one gets through; the other is refused.
func (p *Provider) usePushedRequest(ctx context.Context, hash string) *Error {
	if hash == "" {
		return nil
	}
	err := p.Store.ConsumePushedRequest(ctx, hash, p.Now())
	switch {
	case errors.Is(err, store.ErrAlreadyUsed), errors.Is(err, store.ErrNotFound):
		return TraceFrom(ctx).Fail(ruleRequestURIUnused, ErrInvalidRequestURI, "request_uri was used before")
	case err != nil:
		return ServerError(err)
	}
	TraceFrom(ctx).Changed("pushed request used up")
	return nil
}
