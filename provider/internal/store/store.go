// Package store defines the records the provider keeps and the Store
// interface that every backend (SQLite, PostgreSQL) implements.
//
// The store holds only what must survive a restart: clients, users, signing
// keys, grants, authorization codes, refresh tokens, device codes and
// revocations. Codes and tokens are never stored in the clear: the protocol
// layer hands the store a hash (see oauth.HashSecret) and looks records up by
// that hash, and signing keys are sealed with a key-encryption key kept
// outside the database (see token.KEK), so a leaked database does not leak
// usable credentials.
//
// Every method that issues something commits before it returns, so a code or
// token the provider has answered with survives a crash of the process.
//
// Methods whose name starts with Consume, Redeem or Rotate are the store's
// atomic compare-and-set operations: under any concurrency exactly one caller
// wins, the others get ErrAlreadyUsed. Redeem and Rotate also store, in the
// same transaction, the refresh token issued in exchange, so a fault leaves
// neither done without the other. The contract suite in storetest holds
// every backend to this.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors a Store returns. Callers test them with errors.Is.
var (
	// ErrNotFound means no record has the given key. A method that stores
	// a record belonging to another (a grant of a client, a code or refresh
	// token of a grant, a device code or pushed request of a client) also
	// returns it, storing nothing, when that other record does not exist:
	// deleted (DeleteClient, PurgeExpired) since the caller read it.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyUsed means a single-use record (code, refresh token, device
	// code) was consumed before, by this or a concurrent caller.
	ErrAlreadyUsed = errors.New("store: already used")
	// ErrDuplicate means a record with the same key exists (for example a
	// user code's hash still in use).
	ErrDuplicate = errors.New("store: duplicate key")
	// ErrConflict means a compare-and-set lost to a concurrent update.
	ErrConflict = errors.New("store: concurrent update")
	// ErrNotPending means a device code was decided (approved or denied) before.
	ErrNotPending = errors.New("store: device code is not pending")
)

// ClientChangedOrGone tells a backend why its conditional write to the
// client id (UpdateClient) changed no row: ErrConflict if s still holds the
// client, so what the write was conditioned on has changed, ErrNotFound if
// it does not.
func ClientChangedOrGone(ctx context.Context, s interface {
	GetClient(ctx context.Context, id string) (Client, error)
}, id string) error {
	if _, err := s.GetClient(ctx, id); err != nil {
		return err
	}
	return ErrConflict
}

// ClientType is the RFC 6749 Section 2.1 client type.
type ClientType string

// The two client types of RFC 6749 Section 2.1.
const (
	Confidential ClientType = "confidential"
	Public       ClientType = "public"
)

// Client is a registered OAuth client (RFC 6749 Section 2).
type Client struct {
	ID   string
	Name string // shown to the user on the consent page
	Type ClientType
	// SecretHash is the SHA-256 hash of the client secret (see
	// oauth.HashSecret); empty for public clients.
	SecretHash   string
	RedirectURIs []string
	GrantTypes   []string
	// Scopes the client may ask for; the first-listed ones are not special:
	// DefaultScope is what an authorization request without scope gets.
	Scopes       []string
	DefaultScope string
	// RequirePushedAuthorizationRequests: the client may start an
	// authorization only with a request_uri from the PAR endpoint
	// (RFC 9126 Section 6).
	RequirePushedAuthorizationRequests bool
	// DPoPBoundAccessTokens: every token request of the client must carry a
	// DPoP proof (RFC 9449 Section 5.2).
	DPoPBoundAccessTokens bool
	// PostLogoutRedirectURIs are where the provider may send the browser
	// after a logout the client asked for, each matched exactly
	// (OIDC RP-Initiated Logout Section 3.1, post_logout_redirect_uris).
	PostLogoutRedirectURIs []string
	// ApplicationType is the client's application_type
	// (OIDC Registration Section 2): "web", the default, or "native", whose
	// redirect URIs are all http on a loopback host.
	ApplicationType string

	// The fields below are set for clients that registered themselves
	// (RFC 7591); the demo clients leave them empty.

	// TokenEndpointAuthMethod is the registered token_endpoint_auth_method
	// (RFC 7591 Section 2). "" lets the client use any method of its Type.
	TokenEndpointAuthMethod string
	// JWKS is the client's JWK Set (RFC 7517), as JSON: the public keys its
	// private_key_jwt assertions are signed with. "" when it has none.
	JWKS string
	// RegistrationTokenHash is the hash of the registration access token
	// (RFC 7592) that reads and deletes this registration; "" for clients
	// that did not register themselves.
	RegistrationTokenHash string
	// IssuedAt is when the client registered (client_id_issued_at).
	IssuedAt time.Time
	// ExpiresAt is when a registered client that has never been used is
	// deleted; it is zero once the client is used, and for the demo clients.
	ExpiresAt time.Time
	// IDTokenSignedResponseAlg is the JWS alg of the client's ID tokens,
	// its registered id_token_signed_response_alg
	// (OIDC Registration Section 2): "RS256", "ES256" or "EdDSA"; "" = RS256.
	IDTokenSignedResponseAlg string
	// TokenEndpointAuthSigningAlg is the one JWS alg the client's
	// private_key_jwt assertions may be signed with, its registered
	// token_endpoint_auth_signing_alg (OIDC Registration Section 2), as the
	// client sent it; "" = any the provider accepts.
	TokenEndpointAuthSigningAlg string
	// MetadataStaleAt is set for a client whose client_id is the https URL
	// of its client ID metadata document (draft-ietf-oauth-client-id-metadata-document):
	// the time the document fetched last must be fetched again. It is zero
	// for every other client.
	MetadataStaleAt time.Time
}

// SelfRegistered reports whether the client registered itself (RFC 7591):
// its name and redirect URIs are its own claims, not checked by anyone.
func (c Client) SelfRegistered() bool { return c.RegistrationTokenHash != "" }

// FromMetadataDocument reports whether the client is described by the
// client ID metadata document its client_id names: like a self-registered
// client, whatever it says of itself is its own claim.
func (c Client) FromMetadataDocument() bool { return !c.MetadataStaleAt.IsZero() }

// AttemptReservation asks ReserveAttempt for one attempt under a budget of
// failures (wrong passwords, wrong user codes) counted in fixed windows and
// weighed as a sliding window (Admits).
type AttemptReservation struct {
	Key       string    // whose budget: what is counted, and who
	Window    time.Time // the start of the window the attempt counts in
	WindowEnd time.Time // its end; a failure is kept one window longer, while it still weighs
	// PreviousWeight is the share of the previous window's failures that
	// still counts: how much of that window lies within the last window's
	// length before Now, from 1 at Window down to 0 at WindowEnd.
	PreviousWeight float64
	Limit          int       // how many failures (weighed) and leases may be counted
	Now            time.Time // leases that ended before it no longer count
	LeaseUntil     time.Time // when the new lease stops counting, unless confirmed
}

// AttemptCounts is what ReserveAttempt found counted against a key.
type AttemptCounts struct {
	Previous int // failures in the window before r.Window
	Failures int // failures in r.Window
	Leases   int // attempts still being checked (leases not ended), in any window
}

// length is the length of r's windows.
func (r AttemptReservation) length() time.Duration { return r.WindowEnd.Sub(r.Window) }

// PreviousWindow is the start of the window before r.Window.
func (r AttemptReservation) PreviousWindow() time.Time { return r.Window.Add(-r.length()) }

// KeepUntil is when a count of r.Window's failures may go: at the end of
// the next window, the last one it weighs in.
func (r AttemptReservation) KeepUntil() time.Time { return r.WindowEnd.Add(r.length()) }

// Admits reports whether c leaves room under r.Limit for one more attempt:
// the previous window's failures at r.PreviousWeight, this window's, and
// the leases still held (each may yet turn out a failure), plus this one.
func (r AttemptReservation) Admits(c AttemptCounts) bool {
	return float64(c.Previous)*r.PreviousWeight+float64(c.Failures+c.Leases+1) <= float64(r.Limit)
}

// User is a resource owner who can sign in at the provider.
type User struct {
	ID           string
	Username     string
	PasswordHash string // PHC string: Argon2id, or bcrypt until the next sign-in
	Name         string
	Email        string
}

// SigningKey is one key the provider signs JWTs with. The newest key
// signs; older ones stay published in the JWKS until RetireAt so tokens they
// signed keep validating.
type SigningKey struct {
	ID        string // the JWS "kid"
	Algorithm string // "RS256", "ES256" or "EdDSA": one series of keys each
	// PrivateKey is the PKCS #8 DER of the key, sealed with the provider's
	// key-encryption key when Encrypted (package token seals and opens it):
	// a copy of the database alone holds no usable key.
	PrivateKey []byte
	// Encrypted is false only for keys stored before encryption at rest;
	// the provider seals those at start (SealSigningKey).
	Encrypted bool
	CreatedAt time.Time
	// RetireAt is zero while the key is the newest; once a newer key exists it
	// is the time after which no token signed by this key can still be valid.
	RetireAt time.Time
	// RetiredAt is when a rotation retired the key (the CreatedAt of the key
	// that replaced it): zero while the key is the newest, and for keys
	// retired before the store recorded it.
	RetiredAt time.Time
	// KeepAfterRetirement is how long after RetiredAt the key must stay
	// published: the longest token lifetime, with a margin, of any process
	// that signed with it (KeepSigningKey). It outlives those processes, so
	// a token signed under a longer ACCESS_TOKEN_TTL still verifies once
	// every process runs a shorter one. Zero for keys stored before it was
	// recorded.
	KeepAfterRetirement time.Duration
}

// Grant is one authorization: a user (or, for client credentials, no user)
// allowing one client a set of scopes. Every code, access token and refresh
// token descends from exactly one grant, and revoking the grant kills them all.
type Grant struct {
	ID       string
	ClientID string
	UserID   string // empty when no user is involved
	Scope    string // space-separated, as approved
	// Resources are the resource servers the grant covers (RFC 8707):
	// space-separated absolute URIs; "" means the provider's own.
	Resources string
	AuthTime  time.Time
	// CreatedAt is when the user approved.
	CreatedAt time.Time
	// ExpiresAt is the latest time any token of the grant may still be valid;
	// after it the grant and its tokens can be purged.
	ExpiresAt time.Time
	// RevokedAt is zero while the grant is in force.
	RevokedAt time.Time
	// LastRotatedHash is the hash of the grant's refresh token rotated out
	// most recently, "" before its first rotation: the one token the reuse
	// grace may let through again (RefreshGraceApplies).
	LastRotatedHash string
}

// Revoked reports whether the grant has been revoked.
func (g Grant) Revoked() bool { return !g.RevokedAt.IsZero() }

// AuthorizationCode is an issued authorization code (RFC 6749 Section 4.1.2),
// kept by the hash of its value.
type AuthorizationCode struct {
	Hash          string
	GrantID       string
	ClientID      string
	UserID        string
	RedirectURI   string // as sent in the authorization request; "" if omitted
	Scope         string
	Resources     string // as the grant's (RFC 8707), space-separated
	CodeChallenge string // RFC 7636 S256 challenge; "" if none was sent
	Nonce         string // OpenID Connect nonce; "" if none was sent
	// DPoPJKT is the dpop_jkt of the request (RFC 9449 Section 10): the
	// thumbprint of the only DPoP key that may redeem the code; "" if none.
	DPoPJKT   string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is zero until the code is redeemed (RFC 6749 Section 4.1.2:
	// single use).
	UsedAt time.Time
}

// AccessTokenRef names an access token as the revocation check sees it.
// Access tokens are JWTs and are not stored: these are their claims.
type AccessTokenRef struct {
	JTI      string
	GrantID  string // the grant it was issued from; "" for none (client credentials)
	ClientID string
}

// RefreshToken is an issued refresh token (RFC 6749 Section 6), kept by the
// hash of its value.
type RefreshToken struct {
	Hash     string
	GrantID  string
	ClientID string
	UserID   string
	Scope    string
	// DPoPJKT binds a public client's token to its DPoP key
	// (RFC 9449 Section 5): only a proof by that key may redeem it; ""
	// if unbound.
	DPoPJKT   string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is zero until the token is rotated (exchanged for a new one).
	UsedAt time.Time
}

// Issued is what one token response issued from a grant, as the store
// keeps it with the redemption of what the client presented (a code, a
// device code, a refresh token), in the same transaction. The grant is
// the one of what was redeemed: the store reads it from that record.
type Issued struct {
	// GrantExpiresAt is the time the grant must live at least until: the
	// expiry of the access token issued, or of the refresh token if that
	// is later. A grant that is gone revokes its access tokens
	// (AccessTokenRevoked), so storing this extends the grant's ExpiresAt
	// to it, never shortening it; the zero time extends nothing.
	GrantExpiresAt time.Time
	// RefreshToken is the refresh token issued, nil for none; its GrantID
	// must be the grant of what was redeemed (OfGrant).
	RefreshToken *RefreshToken
}

// OfGrant checks that the refresh token issued, if any, is of grantID, the
// grant of the record redeemed. A token of another grant is a bug of the
// caller, not a request to refuse: backends return this error and store
// nothing, rather than file the token under a grant it was not issued
// from.
func (i Issued) OfGrant(grantID string) error {
	if t := i.RefreshToken; t != nil && t.GrantID != grantID {
		return fmt.Errorf("store: refresh token of grant %q issued from grant %q", t.GrantID, grantID)
	}
	return nil
}

// PushedRequest is an authorization request pushed to the PAR endpoint
// (RFC 9126 Section 2), kept by the hash of its request_uri until it is used
// or expires.
type PushedRequest struct {
	Hash     string
	ClientID string // the client that pushed it: the request_uri is bound to it
	// Params are the authorization request's parameters, form-encoded.
	Params    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is zero until the authorization it started ended (in a code or
	// an error sent back to the client).
	UsedAt time.Time
}

// RefreshGraceApplies reports whether a used refresh token presented again
// earns the reuse grace (REFRESH_REUSE_GRACE in the README): graceFrom is
// set (zero means strict reuse detection), the token was rotated out after
// it, the token is its grant's most recently rotated-out one, and the grant
// is in force. Backends call it under the grant's lock, so the answer holds
// until their transaction commits.
func RefreshGraceApplies(usedAt, graceFrom time.Time, mostRecentlyRotated, grantRevoked bool) bool {
	return !graceFrom.IsZero() && usedAt.After(graceFrom) && mostRecentlyRotated && !grantRevoked
}

// DeviceCodeNotRedeemed is RedeemDeviceCode's answer for an existing code
// that it could not redeem, of status: ErrAlreadyUsed for a used one, else
// an error naming the status, pending or denied (authorization_pending or
// access_denied, RFC 8628 Section 3.5), for which there is no sentinel.
// Backends share it, so they answer alike.
func DeviceCodeNotRedeemed(status DeviceStatus) error {
	if status == DeviceUsed {
		return ErrAlreadyUsed
	}
	return fmt.Errorf("store: redeem device code: the code is %s, not approved", status)
}

// DeviceStatus is the state of a device authorization request (RFC 8628).
type DeviceStatus string

// The states a device code moves through: pending → approved|denied; approved → used.
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
	DeviceUsed     DeviceStatus = "used"
)

// DeviceCode is a device authorization request (RFC 8628 Section 3.2), kept by
// the hash of its device_code and by the hash of its user_code.
type DeviceCode struct {
	Hash         string
	UserCodeHash string // of the normalized user code (upper case, no separator, e.g. "WDJBMJHT")
	ClientID     string
	Scope        string
	Status       DeviceStatus
	// Set on approval.
	UserID   string
	AuthTime time.Time
	GrantID  string
	// Polling state (RFC 8628 Section 3.5).
	Interval     time.Duration
	LastPolledAt time.Time
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// SigningKeyWatcher is implemented by a backend that learns when any
// process commits a change to the signing keys (PostgreSQL: a trigger
// notifies, and each store listens), so every process can re-read its keys
// at once instead of polling.
type SigningKeyWatcher interface {
	// WatchSigningKeys calls changed after each change to the signing keys
	// that any process commits, and each time the watcher starts listening
	// again after an outage, since it may have missed one meanwhile.
	// changed runs on the watcher's goroutine and must not block.
	WatchSigningKeys(changed func())
}

// ClientWatcher is implemented by a backend that learns when any process
// commits an update or a deletion of a client (PostgreSQL: a trigger
// notifies, and each store listens), so every process can drop its copy of
// that registration at once instead of keeping it for a while.
type ClientWatcher interface {
	// WatchClients calls changed with a client's id after each update or
	// deletion of that client that any process commits, or with "" after a
	// change to a client it cannot name (an id too long for a
	// notification): then any copy may be stale. It calls listening with
	// whether it listens for such changes: at once, on the caller's
	// goroutine, then each time that changes. While it is not listening a
	// change can go unnoticed, so no copy of a registration may be kept.
	// Both callbacks must not block.
	WatchClients(changed func(id string), listening func(bool))
}

// Store is what the protocol layer needs from persistence. Implementations
// must be safe for concurrent use by many goroutines and many processes
// sharing one database.
type Store interface {
	// Clients and users (created idempotently at start).

	// UpsertClient creates the client c, or replaces every field of the
	// client with its id, except one: a client used since it was stored
	// (its ExpiresAt cleared by MarkClientUsed) stays used, so an upsert
	// made from a read older than the mark never gives the client its
	// expiry back, and PurgeExpired never deletes a used client.
	UpsertClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	// CreateClient stores a client that registered itself; ErrDuplicate if
	// the id is taken.
	CreateClient(ctx context.Context, c Client) error
	// DeleteClient deletes a client and everything issued to it (grants,
	// codes, refresh tokens, device codes); ErrNotFound if absent.
	DeleteClient(ctx context.Context, id string) error
	// UpdateClient replaces the registered metadata of the client c.ID,
	// its type and secret hash with c's (RFC 7592 Section 2.2); its id,
	// registration token hash, issue time, expiry and metadata document
	// time stay as stored. It is a compare-and-set on what an update is
	// decided on: it writes only if the client's type and secret hash are
	// still was's, the client as the caller read it, and else changes
	// nothing and returns ErrConflict (another update came between). So
	// of two concurrent updates read from one client, one is written and
	// the other must read the client again. ErrNotFound if the client does
	// not exist: an update never creates one, so an update racing
	// DeleteClient is either applied before the delete or refused, never a
	// client back after it.
	UpdateClient(ctx context.Context, was, c Client) error
	// MarkClientUsed clears the ExpiresAt of a client: used once, a
	// registered client no longer expires. It is idempotent.
	MarkClientUsed(ctx context.Context, id string) error
	UpsertUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByUsername(ctx context.Context, username string) (User, error)
	// ReplacePasswordHash sets the password hash of user id to newHash if
	// it is still oldHash (a rehash at sign-in never undoes a password
	// change made meanwhile); ErrNotFound if the user is gone or the hash
	// has changed.
	ReplacePasswordHash(ctx context.Context, id, oldHash, newHash string) error

	// Signing keys.
	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every key, newest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// RotateSigningKey stores k, a new key, and on every other key of k's
	// algorithm that has no RetireAt sets RetiredAt to k.CreatedAt and
	// RetireAt to retireAt or RetiredAt+KeepAfterRetirement, whichever is
	// later, in one transaction. Rotations are serialised, in any number of processes:
	// of concurrent ones the last to commit retires the others' keys, so
	// exactly one key of the algorithm, its own, is left unretired. A key
	// created after k.CreatedAt (by a rotation that committed first, or a
	// process whose clock is ahead) is retired as of its own CreatedAt
	// instead: no key is retired before it was created, nor deleted before
	// its KeepAfterRetirement has run from then. A kid in use is
	// ErrDuplicate, and then nothing changes.
	RotateSigningKey(ctx context.Context, k SigningKey, retireAt time.Time) error
	// KeepSigningKey raises the KeepAfterRetirement of key id to keep where
	// it is lower and, if a rotation has retired the key meanwhile, its
	// RetireAt to RetiredAt+keep where that is earlier; it never lowers
	// either, so processes that need a key for different times leave it
	// at the longest. A key without a RetiredAt keeps its RetireAt.
	KeepSigningKey(ctx context.Context, id string, keep time.Duration) error
	// DeleteRetiredSigningKeys removes the keys whose RetireAt is before now.
	DeleteRetiredSigningKeys(ctx context.Context, now time.Time) (int64, error)
	// SealSigningKey replaces the private key of key id by sealed and marks
	// it Encrypted, if the stored bytes are still was: a cleartext key, or
	// one sealed with a previous key-encryption key. It does nothing to a
	// key that another process sealed first, or deleted.
	SealSigningKey(ctx context.Context, id string, was, sealed []byte) error
	// EraseReplacedSigningKeys rewrites the stored signing keys so that the
	// database's files keep no copy of the bytes SealSigningKey replaced:
	// SQLite leaves a replaced row's bytes in free pages and its
	// write-ahead log, PostgreSQL in the row's dead version until a vacuum.
	EraseReplacedSigningKeys(ctx context.Context) error

	// Grants.
	CreateGrant(ctx context.Context, g Grant) error
	GetGrant(ctx context.Context, id string) (Grant, error)
	// RevokeGrant marks the grant revoked (idempotent; ErrNotFound if absent).
	RevokeGrant(ctx context.Context, id string, now time.Time) error

	// Authorization codes. CreateAuthorizationCode stores the grant and its
	// code in one transaction.
	CreateAuthorizationCode(ctx context.Context, g Grant, c AuthorizationCode) error
	// GetAuthorizationCode returns the code with the given hash, used or
	// not (UsedAt tells), or ErrNotFound. Reading it changes nothing: the
	// caller checks it, then redeems it.
	GetAuthorizationCode(ctx context.Context, hash string) (AuthorizationCode, error)
	// RedeemAuthorizationCode marks the code hash used at now, if it is
	// still unused, and stores issued, what was issued from it, in one
	// transaction: both or neither. Of any number of concurrent callers exactly one succeeds;
	// the others get ErrAlreadyUsed (RFC 6749 Section 4.1.2) and store
	// nothing. A code that is gone is ErrNotFound, and so is a grant that
	// is gone: then the code stays unused.
	RedeemAuthorizationCode(ctx context.Context, hash string, now time.Time, issued Issued) error

	// Refresh tokens. The first of a grant is stored by RedeemAuthorizationCode
	// or RedeemDeviceCode. Each of these and RotateRefreshToken extends the
	// grant's ExpiresAt to Issued.GrantExpiresAt (never shortening it), so a
	// grant lives as long as the newest tokens issued from it, with or
	// without a refresh token.
	GetRefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken marks oldHash used and stores next.RefreshToken
	// (the caller must give one: a rotation issues a refresh token), in one transaction, and extends the grant's
	// ExpiresAt to next.GrantExpiresAt. Every other unused refresh token of the grant (one
	// issued in a reuse grace) is marked used too, so after a rotation the
	// grant has exactly one live refresh token, and the grant records oldHash
	// as its most recently rotated-out token. Rotations of one grant are
	// serialised, in any number of processes.
	//
	// If oldHash was used before, it stores nothing and returns
	// ErrAlreadyUsed, unless RefreshGraceApplies: then it stores next's token beside
	// the token that replaced oldHash and reports graced. If oldHash is
	// unknown, or went with its grant, or is unused but its grant was
	// revoked (a revocation that commits before the rotation wins), it
	// stores nothing and returns ErrNotFound.
	RotateRefreshToken(ctx context.Context, oldHash string, next Issued, now, graceFrom time.Time) (graced bool, err error)

	// Access token revocation. Access tokens are JWTs and are not stored; a
	// revoked one is remembered by its jti until it would have expired anyway.
	RevokeAccessToken(ctx context.Context, jti string, expiresAt time.Time) error
	// AccessTokenRevoked reports whether the access token tok has been
	// revoked, directly or through its grant. A grant that no longer exists
	// counts as revoked, and so does the client of a token without a grant
	// (client credentials): deleting a client ends all its tokens.
	AccessTokenRevoked(ctx context.Context, tok AccessTokenRef) (bool, error)

	// Pushed authorization requests (RFC 9126).
	CreatePushedRequest(ctx context.Context, r PushedRequest) error
	GetPushedRequest(ctx context.Context, hash string) (PushedRequest, error)
	// ConsumePushedRequest marks the request used; ErrAlreadyUsed if it was
	// used before (of concurrent callers exactly one succeeds), ErrNotFound
	// if there is none.
	ConsumePushedRequest(ctx context.Context, hash string, now time.Time) error

	// Device codes (RFC 8628).
	CreateDeviceCode(ctx context.Context, d DeviceCode) error
	GetDeviceCode(ctx context.Context, hash string) (DeviceCode, error)
	GetDeviceCodeByUserCodeHash(ctx context.Context, userCodeHash string) (DeviceCode, error)
	// RecordDevicePoll stores the time of a poll and the (possibly grown)
	// interval the client must now keep, if the code's LastPolledAt is still
	// lastPolledAt (zero: never polled). It is a compare-and-set: of two
	// concurrent polls one is recorded and the other gets ErrConflict.
	RecordDevicePoll(ctx context.Context, hash string, lastPolledAt, polledAt time.Time, interval time.Duration) error
	// RecordOnTimePoll records a poll at polledAt if the code is pending,
	// issued to clientID, unexpired at polledAt, and was last polled (if
	// ever) at least its interval less grace before polledAt; otherwise it
	// changes nothing and returns ErrConflict. The caller sets grace, the
	// latency it forgives a poll (the provider's pollGrace). The time
	// recorded is the later of polledAt and the last poll plus the
	// interval: a poll inside the grace counts as due on time, so the grace
	// never carries over to the next poll. One conditional write, so of two
	// concurrent polls at most one is recorded. Its WHERE clause applies
	// the polling rules of [RFC 8628 Section 3.5] to a poll on time, in
	// place of the provider's checkDeviceCode and pollPending, which read
	// the code: the provider records them passed (onTimePollRules).
	//
	// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
	RecordOnTimePoll(ctx context.Context, hash, clientID string, polledAt time.Time, grace time.Duration) error
	// ApproveDeviceCode moves a pending code to approved and stores g, in one
	// transaction; ErrNotPending if it was decided before.
	ApproveDeviceCode(ctx context.Context, userCodeHash string, g Grant) error
	// DenyDeviceCode moves a pending code to denied; ErrNotPending if decided.
	DenyDeviceCode(ctx context.Context, userCodeHash string) error
	// RedeemDeviceCode moves the approved code hash to used and stores
	// issued, what was issued from it, in one transaction: both or
	// neither. Of any number of concurrent callers exactly one succeeds;
	// the others get ErrAlreadyUsed and store nothing. A code that is gone
	// is ErrNotFound, and so is a grant that is gone: then the code stays
	// approved. A pending or denied code is an error, and stays as it is.
	RedeemDeviceCode(ctx context.Context, hash string, issued Issued) error

	// RecordJTI is the seen-set of one-time JWT identifiers: DPoP proofs
	// (RFC 9449 Section 11.1) and client assertions (RFC 7523 Section 3). It
	// records key until expiresAt and reports whether this call was the first
	// to record it: an atomic insert-if-absent, so of any number of
	// concurrent callers, in any process sharing the database, exactly one
	// gets firstUse true. The caller makes key unique per issuer (for
	// example "dpop:" + jti). The entry stays until PurgeExpired runs after
	// expiresAt, the end of the window in which the JWT would be accepted:
	// after that its own time checks refuse it, so forgetting it is safe.
	RecordJTI(ctx context.Context, key string, expiresAt time.Time) (firstUse bool, err error)

	// ReserveAttempt reserves one attempt (a password or a user code about
	// to be checked) under r.Key in the window that starts at r.Window, and
	// returns its lease and true, if what it counts (AttemptCounts: the
	// failures of that window and the one before, ConfirmAttempt, and the
	// key's leases still held at r.Now) leaves room (r.Admits); else it
	// reserves nothing and reports false. Either way it returns what it
	// counted. Check and reservation are one atomic step, so of any number
	// of concurrent callers, in any process sharing the database, no more
	// are admitted than r.Admits allows. A lease that is neither confirmed
	// nor released (its provider died while it checked the attempt) stops
	// counting at r.LeaseUntil.
	ReserveAttempt(ctx context.Context, r AttemptReservation) (lease int64, reserved bool, counted AttemptCounts, err error)
	// ConfirmAttempt turns a lease into a failure, counted in its window
	// and kept until the end of the next one (KeepUntil). A lease already
	// confirmed, released or purged counts nothing.
	ConfirmAttempt(ctx context.Context, lease int64) error
	// ReleaseAttempt deletes a lease: the attempt was no failure. Releasing
	// a lease that is gone changes nothing.
	ReleaseAttempt(ctx context.Context, lease int64) error

	// Login sessions. A login session lives in the browser's cookie; the
	// store only remembers, by the hash of its id, each one that a logout
	// ended, so a copy of its cookie signs no one in again, at any process
	// sharing the database.
	// EndLoginSession records the session ended until expiresAt, when it
	// would have ended anyway; ending it again changes nothing.
	EndLoginSession(ctx context.Context, hash string, expiresAt time.Time) error
	// LoginSessionEnded reports whether EndLoginSession recorded hash.
	LoginSessionEnded(ctx context.Context, hash string) (bool, error)

	// PurgeExpired deletes codes, pushed requests, device codes, refresh
	// tokens, access token revocations, seen JTIs, ended login sessions,
	// attempt counts and leases, grants and never-used registered clients whose
	// lifetime ended before now, and returns how many rows went. A device
	// code is kept after its expiry as long again as it lived
	// (expires_at + (expires_at - created_at)), so a device polling late
	// learns expired_token (RFC 8628 Section 3.5), not invalid_grant; the
	// table stays bounded all the same.
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)

	// Close releases the database.
	Close() error
}
