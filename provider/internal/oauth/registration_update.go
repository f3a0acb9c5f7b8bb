package oauth

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/oauth-reference/provider/internal/store"
)

// ClientUpdateRequest is an update request at the client configuration
// endpoint ([RFC 7592 Section 2.2]): the client_id of the endpoint's path,
// the registration access token, and how to read the body.
//
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
type ClientUpdateRequest struct {
	ClientID                string
	RegistrationAccessToken string
	// Body reads the request's JSON body. UpdateClient calls it only once
	// the registration access token is checked, as RegisterClient reads
	// its body only once the caller is admitted.
	Body func() ([]byte, *Error)
}

// clientUpdate is the body of an update request, [RFC 7592 Section 2.2]:
// "This request MUST include all client metadata fields as returned to the
// client from a previous registration, read, or update operation", with
// the client_id and, if the client chooses, its client_secret. The
// members the server provisions are read only to refuse them: each holds
// the member's JSON text, empty when the member is absent, and "null" when
// it is null, which is still a member the request includes.
//
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
type clientUpdate struct {
	ClientMetadata
	ClientID     *string `json:"client_id"`
	ClientSecret *string `json:"client_secret"`

	RegistrationAccessToken json.RawMessage `json:"registration_access_token"`
	RegistrationClientURI   json.RawMessage `json:"registration_client_uri"`
	ClientSecretExpiresAt   json.RawMessage `json:"client_secret_expires_at"`
	ClientIDIssuedAt        json.RawMessage `json:"client_id_issued_at"`
}

// The rules of an update request, in the order UpdateClient applies them
// (after ruleRegistrationToken, before those of CheckClientMetadata).
var (
	ruleUpdateNamesClient = Rule{"the update carries the client_id of the registration it replaces", "RFC 7592 Section 2.2"}
	ruleUpdateProvisioned = Rule{"the update leaves out what the server provisions: registration_access_token, registration_client_uri, client_secret_expires_at, client_id_issued_at", "RFC 7592 Section 2.2"}
	ruleUpdateSecret      = Rule{"a client_secret in the update is the client's current one", "RFC 7592 Section 2.2"}
	// ruleUpdateStaysConfidential is this provider's rule (RFC 7592 has
	// none on it): the codes and refresh tokens a confidential client got
	// were issued to a client that authenticates, and a code without PKCE
	// only to it ([RFC 9700 Section 2.1.1]: "Public clients MUST use
	// PKCE"). Were the client to become public, they would be redeemed
	// with the client_id alone. A confidential client may change between
	// confidential methods, and a public one may become confidential.
	//
	// [RFC 9700 Section 2.1.1]: https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
	ruleUpdateStaysConfidential = Rule{"a confidential client stays confidential: the update does not move it to token_endpoint_auth_method none", "RFC 7592 Section 2.2"}
)

// UpdateClient answers an update request at the client configuration
// endpoint ([RFC 7592 Section 2.2]): "Valid values of client metadata
// fields in this request MUST replace, not augment, the values previously
// associated with this client. Omitted fields MUST be treated as null or
// empty values by the server". So the body is checked and completed by
// CheckClientMetadata as a registration is, and an omitted member gets the
// default a new registration would get. The client's id and
// client_id_issued_at never change.
//
// The secret follows the token_endpoint_auth_method (updatedSecret). The
// registration access token is kept, not rotated: [RFC 7592 Section 2.2]
// allows either ("The authorization server MAY include a new
// "client_secret" and/or "registration_access_token" in its response"),
// and a client that lost a rotating answer (a dropped connection) would
// lose the means to manage its registration with it.
//
// What was issued before the update stays valid until it expires or is
// revoked: codes, refresh tokens and access tokens were issued under the
// registration of their time. Every later request is checked against the
// new registration: redirect URIs at the authorization endpoint, grant
// types, authentication method and keys at the token endpoint, so a
// refresh by a client that dropped refresh_token from its grant_types is
// unauthorized_client, and scope at a refresh (narrowScope). This process
// forgets its cached copy at once;
// other provider processes on the same PostgreSQL see the update within
// clientCacheTTL, as they see a deletion.
//
// The body may arrive long after the client was read, and another update
// may have changed the client meanwhile. The update is written only if the
// client's type and secret, all that decideUpdate reads of it, are still
// those it was decided on (storeUpdate); else it is decided again, with the
// same body, on the client as stored now, so it is refused or answered
// exactly as if it had come after the other: a public client another
// update made confidential is not made public again, a secret another
// update dropped does not come back. After maxUpdateDecisions decisions
// overtaken so, it is temporarily_unavailable. Of two updates at once, the
// one written last stands, as with any PUT sent without a precondition
// (this endpoint offers none).
//
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
func (p *Provider) UpdateClient(ctx context.Context, r ClientUpdateRequest) (*ClientInformation, *Error) {
	tr := TraceFrom(ctx)
	client, err := p.registeredClientFor(ctx, r.ClientID, r.RegistrationAccessToken)
	if err != nil {
		return nil, err
	}
	body, err := r.Body()
	if err != nil {
		return nil, err
	}
	u, err := parseJSONDocument[clientUpdate](body)
	if !tr.Check(ruleClientMetadataJSON, err == nil) {
		return nil, err
	}
	for range maxUpdateDecisions {
		updated, secret, err := p.decideUpdate(tr, u, client)
		if err != nil {
			return nil, err
		}
		written, err := p.storeUpdate(ctx, client, updated)
		if err != nil {
			return nil, err
		}
		if written {
			tr.Changed("client registration replaced by the update")
			tr.Succeeded("registration updated")
			info := &ClientInformation{ClientID: updated.ID, ClientSecret: secret, RegistrationAccessToken: r.RegistrationAccessToken}
			p.describeClient(info, updated)
			return info, nil
		}
		// Overtaken: read the client again (401 if it was deleted since).
		if client, err = p.registeredClientFor(ctx, r.ClientID, r.RegistrationAccessToken); err != nil {
			return nil, err
		}
	}
	return nil, NewError(ErrTemporarilyUnavailable, "the registration kept changing while this update was checked; send it again")
}

// maxUpdateDecisions bounds how many times UpdateClient decides one update:
// each decision but the first follows another update that changed the
// client's type or secret while the one before was being decided.
const maxUpdateDecisions = 3

// decideUpdate checks the update u against client, the registration as
// read, and returns the client it makes of it, with the secret it issues
// ("" for none). Of client it reads only the id, type and secret hash
// (checkClientUpdate, updatedSecret), and what the update never changes.
func (p *Provider) decideUpdate(tr *Trace, u clientUpdate, client store.Client) (store.Client, string, *Error) {
	if err := checkClientUpdate(tr, u, client); err != nil {
		return store.Client{}, "", err
	}
	m := u.ClientMetadata
	if err := CheckClientMetadata(tr, &m, stringsOf(p.Keys.Algorithms()...)); err != nil {
		return store.Client{}, "", err
	}
	updated := registeredClient(m)
	updated.ID, updated.RegistrationTokenHash = client.ID, client.RegistrationTokenHash
	updated.IssuedAt, updated.ExpiresAt = client.IssuedAt, client.ExpiresAt
	var secret string
	updated.SecretHash, secret = updatedSecret(client, m)
	return updated, secret, nil
}

// checkClientUpdate applies the rules of [RFC 7592 Section 2.2] on what
// the body carries besides the metadata: "The client MUST include its
// "client_id" field in the request, and it MUST be the same as its
// currently issued client identifier"; "The updated client metadata fields
// request MUST NOT include the "registration_access_token",
// "registration_client_uri", "client_secret_expires_at", or
// "client_id_issued_at" fields"; "If the client includes the
// "client_secret" field in the request, the value of this field MUST match
// the currently issued client secret for that client", compared in
// constant time with its hash, as client authentication does. It then
// applies this provider's ruleUpdateStaysConfidential. Each refusal
// is invalid_client_metadata, the error the section names for a field the
// client may not set: "If the client attempts to set an invalid metadata
// field [...], the authorization server responds with an error as
// described in [RFC7591]" ([RFC 7592 Section 2.2]); invalid_client_metadata
// is defined in [RFC 7591 Section 3.2.2].
//
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
func checkClientUpdate(tr *Trace, u clientUpdate, client store.Client) *Error {
	if err := tr.Require(ruleUpdateNamesClient, u.ClientID != nil && *u.ClientID == client.ID, ErrInvalidClientMetadata,
		"the update must carry client_id, the client_id of this registration"); err != nil {
		return err
	}
	provisioned := len(u.RegistrationAccessToken) > 0 || len(u.RegistrationClientURI) > 0 || len(u.ClientSecretExpiresAt) > 0 || len(u.ClientIDIssuedAt) > 0
	if err := tr.Require(ruleUpdateProvisioned, !provisioned, ErrInvalidClientMetadata,
		"the update must not carry registration_access_token, registration_client_uri, client_secret_expires_at or client_id_issued_at"); err != nil {
		return err
	}
	if err := tr.Require(ruleUpdateSecret, u.ClientSecret == nil || secretMatches(*u.ClientSecret, client.SecretHash), ErrInvalidClientMetadata,
		"client_secret is not this client's current secret; leave it out, or send the current one"); err != nil {
		return err
	}
	becomesPublic := client.Type == store.Confidential && u.TokenEndpointAuthMethod == string(AuthNone)
	return tr.Require(ruleUpdateStaysConfidential, !becomesPublic, ErrInvalidClientMetadata,
		"a confidential client cannot become public: register a new client")
}

// updatedSecret decides the secret of a client updated to the checked
// metadata m: a method that authenticates with a secret (issuesSecret)
// keeps the current one, or gets a new one, returned once in the answer
// as a registration's is, when the client had none (it was public, or used
// private_key_jwt); private_key_jwt drops it (none is refused to a
// confidential client, so a public one has no secret to drop). It returns
// the hash to store and the new secret, "" when none was issued.
// [RFC 7592 Section 2.2]:
// "The client MUST NOT be allowed to overwrite its existing client secret
// with its own chosen value."
//
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
func updatedSecret(client store.Client, m ClientMetadata) (hash, secret string) {
	switch {
	case !issuesSecret(m):
		return "", ""
	case client.SecretHash != "":
		return client.SecretHash, ""
	default:
		secret = NewSecret()
		return HashSecret(secret), secret
	}
}

// storeUpdate stores updated, decided on was, the client as read, and
// forgets this process's cached copy. It writes only if the client's type
// and secret hash are still was's, and reports whether it wrote: false
// means another update changed them meanwhile, so the decision must be
// made again. A client deleted since it was read stays deleted
// (store.UpdateClient never creates one), and the answer is the one for a
// client that does not exist, [RFC 7592 Section 2.2]: "If the client does
// not exist on this server, the server MUST respond with HTTP 401
// Unauthorized".
//
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
func (p *Provider) storeUpdate(ctx context.Context, was, updated store.Client) (bool, *Error) {
	err := p.Store.UpdateClient(ctx, was, updated)
	p.clients.forget(updated.ID)
	switch {
	case errors.Is(err, store.ErrConflict):
		return false, nil
	case errors.Is(err, store.ErrNotFound):
		return false, TraceFrom(ctx).Fail(ruleRegistrationToken, ErrInvalidToken, "the client was deleted while it was being updated")
	case err != nil:
		return false, ServerError(err)
	}
	return true, nil
}
