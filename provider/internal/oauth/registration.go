package oauth

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
)

// PathRegister is the client registration endpoint ([RFC 7591 Section 3]);
// PathRegister + "/" + client_id is a client's configuration endpoint
// ([RFC 7592 Section 2]).
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
// [RFC 7592 Section 2]: https://www.rfc-editor.org/rfc/rfc7592#section-2
const PathRegister = "/oauth/register"

// ClientInformation is the client information response of
// [RFC 7591 Section 3.2.1], extended by [RFC 7592 Section 3]: "the
// authorization server MUST return all registered metadata about this
// client, including any fields provisioned by the authorization server
// itself."
//
// [RFC 7591 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
// [RFC 7592 Section 3]: https://www.rfc-editor.org/rfc/rfc7592#section-3
type ClientInformation struct {
	ClientID string `json:"client_id"`
	// ClientSecret is sent once, in the registration response; the provider
	// keeps only its hash.
	ClientSecret     string `json:"client_secret,omitempty"`
	ClientIDIssuedAt int64  `json:"client_id_issued_at"`
	// ClientSecretExpiresAt is "REQUIRED if "client_secret" is issued"; 0
	// means it does not expire.
	ClientSecretExpiresAt   *int64 `json:"client_secret_expires_at,omitempty"`
	RegistrationAccessToken string `json:"registration_access_token"`
	RegistrationClientURI   string `json:"registration_client_uri"`
	ClientMetadata
}

// RegistrationRequest is a registration request ([RFC 7591 Section 3.1]):
// the initial access token if one was sent, the address it came from (for
// the rate limit), and how to read its body, the client metadata as JSON.
//
// [RFC 7591 Section 3.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.1
type RegistrationRequest struct {
	InitialAccessToken string
	ClientAddr         netip.Addr
	// Body reads the request's JSON body. RegisterClient calls it only once
	// the caller is admitted (admitRegistration), so a caller without the
	// initial access token learns none of the metadata rules and costs no
	// parsing.
	Body func() ([]byte, *Error)
}

// RegisterClient registers a client ([RFC 7591 Section 3]): first whether
// the caller may register at all (admitRegistration: REGISTRATION, the
// initial access token, the rate limit per address), then the body, read
// by parseClientMetadata and checked by CheckClientMetadata, then a new
// client_id, secret (for secret-based methods) and registration access
// token, of which only hashes are kept. Over the rate limit the error says
// when to try again (Error.RetryAfter).
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
func (p *Provider) RegisterClient(ctx context.Context, r RegistrationRequest) (*ClientInformation, *Error) {
	tr := TraceFrom(ctx)
	now := p.Now()
	if err := p.admitRegistration(tr, r, now); err != nil {
		return nil, err
	}
	body, err := r.Body()
	if err != nil {
		return nil, err
	}
	m, err := parseClientMetadata(body)
	if !tr.Check(ruleClientMetadataJSON, err == nil) {
		return nil, err
	}
	if err := CheckClientMetadata(tr, &m, stringsOf(p.Keys.Algorithms()...)); err != nil {
		return nil, err
	}
	info := &ClientInformation{ClientID: newID(), RegistrationAccessToken: NewSecret()}
	client := registeredClient(m)
	client.ID = info.ClientID
	client.RegistrationTokenHash = HashSecret(info.RegistrationAccessToken)
	client.IssuedAt = now
	client.ExpiresAt = now.Add(p.Config.RegistrationUnusedTTL)
	if issuesSecret(m) {
		info.ClientSecret = NewSecret()
		client.SecretHash = HashSecret(info.ClientSecret)
	}
	if err := p.Store.CreateClient(ctx, client); err != nil {
		return nil, ServerError(err)
	}
	noteClient(ctx, client.ID)
	tr.Changed("client registered, unused (it expires unless used)")
	tr.Succeeded("client registered")
	p.describeClient(info, client)
	return info, nil
}

// issuesSecret reports whether a client of the checked metadata m
// authenticates with a client secret: client_secret_basic or
// client_secret_post, not none or private_key_jwt.
func issuesSecret(m ClientMetadata) bool {
	method := ClientAuthMethod(m.TokenEndpointAuthMethod)
	return method == AuthClientSecretBasic || method == AuthClientSecretPost
}

// The rules of the registration endpoint and the client configuration endpoint.
var (
	ruleRegistrationOn     = Rule{"dynamic client registration is turned on here", "RFC 7591 Section 3"}
	ruleInitialAccessToken = Rule{"the request carries the initial access token this server requires to register a client", "RFC 7591 Section 3"}
	ruleRegistrationRate   = Rule{"the address stays within its registrations per hour", "RFC 7591 Section 3"}
	ruleRegistrationToken  = Rule{"the registration access token is the one issued to this client", "RFC 7592 Section 2"}
)

// admitRegistration decides, before the body is read, whether the caller
// may register: registration is on (REGISTRATION), the caller carries the
// initial access token when REGISTRATION is "token", and its address is
// within REGISTRATIONS_PER_HOUR, [RFC 7591 Section 3]: "These requests MAY
// be rate-limited or otherwise limited to prevent a denial-of-service attack
// on the client registration endpoint." Every request that gets this far
// counts, accepted or not.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
func (p *Provider) admitRegistration(tr *Trace, r RegistrationRequest, now time.Time) *Error {
	if err := tr.Require(ruleRegistrationOn, p.RegistrationEnabled(), ErrAccessDenied,
		"dynamic client registration is turned off on this server"); err != nil {
		return err
	}
	if p.Config.RegistrationPolicy() == config.RegistrationToken {
		if err := p.checkInitialAccessToken(tr, r.InitialAccessToken); err != nil {
			return err
		}
	}
	return p.registrations.admit(tr, ruleRegistrationRate, "too many registrations", r.ClientAddr, now, p.Config.RegistrationsPerHour)
}

// checkInitialAccessToken applies REGISTRATION=token, [RFC 7591 Section 3]:
// "The client registration endpoint MAY be an OAuth 2.0 protected resource
// and it MAY accept an initial access token in the form of an OAuth 2.0
// access token to limit registration to only previously authorized
// parties." A request without one gets the bare challenge of
// [RFC 6750 Section 3.1] (NoCredentials), a wrong one invalid_token.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func (p *Provider) checkInitialAccessToken(tr *Trace, initialAccessToken string) *Error {
	if initialAccessToken == "" {
		return withoutCredentials(tr.Fail(ruleInitialAccessToken, ErrInvalidToken,
			"this server needs an initial access token to register a client"))
	}
	return tr.Require(ruleInitialAccessToken, secretMatches(initialAccessToken, HashSecret(p.Config.RegistrationToken)),
		ErrInvalidToken, "the initial access token is not valid")
}

// RegistrationEnabled reports whether the registration endpoint takes
// requests, so that the metadata names it only then.
func (p *Provider) RegistrationEnabled() bool {
	return p.Config.RegistrationPolicy() != config.RegistrationOff
}

// ReadClient answers a read request at the client configuration endpoint
// ([RFC 7592 Section 2.1]) with the client's current registration. The
// registration access token is the only credential; a wrong token and an
// unknown client get the same answer, so the endpoint does not reveal
// which client_ids exist.
//
// [RFC 7592 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7592#section-2.1
func (p *Provider) ReadClient(ctx context.Context, clientID, registrationToken string) (*ClientInformation, *Error) {
	client, err := p.registeredClientFor(ctx, clientID, registrationToken)
	if err != nil {
		return nil, err
	}
	info := &ClientInformation{ClientID: client.ID, RegistrationAccessToken: registrationToken}
	TraceFrom(ctx).Succeeded("registration read")
	p.describeClient(info, client)
	return info, nil
}

// DeleteClient answers a delete request at the client configuration
// endpoint ([RFC 7592 Section 2.3]): "If a client has been successfully
// deprovisioned, the authorization server MUST respond with an HTTP 204 No
// Content message." The client's grants, codes and refresh tokens go with
// it, and with the grants every access token issued from them. Of two
// deletes at once, the one whose DELETE removed the row answers 204; the
// other found no client to delete, and answers as for a client that does
// not exist: "the server MUST respond with HTTP 401 Unauthorized".
//
// [RFC 7592 Section 2.3]: https://www.rfc-editor.org/rfc/rfc7592#section-2.3
func (p *Provider) DeleteClient(ctx context.Context, clientID, registrationToken string) *Error {
	if _, err := p.registeredClientFor(ctx, clientID, registrationToken); err != nil {
		return err
	}
	err := p.Store.DeleteClient(ctx, clientID)
	p.clients.forget(clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return TraceFrom(ctx).Fail(ruleRegistrationToken, ErrInvalidToken, "the client was deleted by another request meanwhile")
	case err != nil:
		return ServerError(err)
	}
	tr := TraceFrom(ctx)
	tr.Changed("client deleted, with its grants, codes and refresh tokens")
	tr.Succeeded("client deleted")
	return nil
}

// registeredClientFor authenticates a request at the client configuration
// endpoint: [RFC 7592 Section 2]: "The client MUST use its registration
// access token in all calls to this endpoint as an OAuth 2.0 Bearer Token".
// The token is compared in constant time with the stored hash. The client
// is read from the store, not the cache: a deleted client must be gone. So
// must one that expired unused (expiredUnused), as it is at every other
// endpoint, even before the purge deletes it: [RFC 7592 Section 2.1]: "If
// the client does not exist on this server, the server MUST respond with
// HTTP 401 Unauthorized", the same answer as for a wrong token.
//
// [RFC 7592 Section 2]: https://www.rfc-editor.org/rfc/rfc7592#section-2
// [RFC 7592 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7592#section-2.1
func (p *Provider) registeredClientFor(ctx context.Context, clientID, registrationToken string) (store.Client, *Error) {
	tr := TraceFrom(ctx)
	if registrationToken == "" {
		return store.Client{}, withoutCredentials(tr.Fail(ruleRegistrationToken, ErrInvalidToken, "the registration access token is required"))
	}
	client, err := store.Client{}, store.ErrNotFound
	if validText(clientID) { // a client_id that is not text names no client
		client, err = p.Store.GetClient(ctx, clientID)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Client{}, ServerError(err)
	}
	ok := err == nil && !p.expiredUnused(client) && client.RegistrationTokenHash != "" && secretMatches(registrationToken, client.RegistrationTokenHash)
	if err := tr.Require(ruleRegistrationToken, ok, ErrInvalidToken, "the registration access token is not valid for this client"); err != nil {
		return store.Client{}, err
	}
	noteClient(ctx, client.ID)
	return client, nil
}

// describeClient fills in the registered metadata and what the server
// provisioned: the configuration endpoint's URL, the issue time, and the
// secret's expiry, [RFC 7591 Section 3.2.1]: "Time at which the client
// secret will expire or 0 if it will not expire". That is 0: a secret here
// never expires on its own. A client that stays unused for
// Config.RegistrationUnusedTTL is removed, secret and all, but that is the
// client's end, not a time at which its secret will expire: once used, the
// client and its secret stay. Naming that time would have a client
// register again for nothing, and a public client, with no secret, would
// not learn it anyway.
//
// [RFC 7591 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
func (p *Provider) describeClient(info *ClientInformation, client store.Client) {
	info.ClientMetadata = metadataOf(client)
	info.RegistrationClientURI = p.Config.Issuer + PathRegister + "/" + client.ID
	info.ClientIDIssuedAt = client.IssuedAt.Unix()
	if client.SecretHash != "" {
		var never int64
		info.ClientSecretExpiresAt = &never
	}
}
