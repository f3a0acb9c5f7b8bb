-- 0001_init.sql: the tables of the provider's store (see package store).
--
-- Conventions:
--   * Times are INTEGER microseconds since the Unix epoch, in UTC. A NULL time
--     is the Go zero time ("not yet": not used, not revoked, not retired).
--   * Codes and tokens are kept only by the hash of their value (hash columns);
--     the values themselves never reach the database.
--   * Every table is STRICT, so SQLite refuses a value of the wrong type.
--   * Indexes exist for the lookups the store makes: by user_code, by grant_id
--     (revoking and purging a grant's descendants) and by expires_at (purging).

-- Registered clients (RFC 6749 Section 2).
CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('confidential', 'public')), -- Section 2.1
    secret_hash   TEXT NOT NULL DEFAULT '',   -- '' for public clients
    redirect_uris TEXT NOT NULL DEFAULT '[]', -- JSON array of strings, in order
    grant_types   TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    scopes        TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    default_scope TEXT NOT NULL DEFAULT ''
) STRICT;

-- Resource owners who sign in at the provider.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL, -- bcrypt
    name          TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT ''
) STRICT;

-- Keys the provider signs JWTs with; the newest signs, older ones stay in
-- the JWKS until retire_at.
CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY, -- the JWS "kid"
    algorithm   TEXT NOT NULL,    -- "RS256"
    private_key BLOB NOT NULL,    -- PKCS #8, DER
    created_at  INTEGER NOT NULL,
    retire_at   INTEGER           -- NULL while the key is the newest
) STRICT;

-- One authorization of a client by a user (or by no user, for client
-- credentials). Codes and tokens descend from a grant; revoking it kills them.
CREATE TABLE grants (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE, -- NULL: no user
    scope      TEXT NOT NULL,    -- space-separated, as approved
    auth_time  INTEGER,          -- when the user authenticated
    created_at INTEGER NOT NULL, -- when the user approved
    expires_at INTEGER NOT NULL, -- no token of the grant is valid after it
    revoked_at INTEGER           -- NULL while the grant is in force
) STRICT;
CREATE INDEX grants_expires_at ON grants (expires_at);

-- Authorization codes (RFC 6749 Section 4.1.2), single use.
CREATE TABLE authorization_codes (
    hash           TEXT PRIMARY KEY,
    grant_id       TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL DEFAULT '', -- '' when the request had none
    scope          TEXT NOT NULL,
    code_challenge TEXT NOT NULL DEFAULT '', -- RFC 7636 S256 challenge
    nonce          TEXT NOT NULL DEFAULT '', -- OpenID Connect nonce
    auth_time      INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER -- NULL until the code is redeemed
) STRICT;
CREATE INDEX authorization_codes_grant_id ON authorization_codes (grant_id);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

-- Refresh tokens (RFC 6749 Section 6), rotated on every use (RFC 9700
-- Section 4.14.2): a used one is kept, so presenting it again is detected.
CREATE TABLE refresh_tokens (
    hash       TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    scope      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER -- NULL until the token is rotated
) STRICT;
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

-- Access tokens are JWTs and are not stored. A revoked one is remembered by
-- its "jti" until it would have expired anyway (RFC 7009 Section 2.1).
CREATE TABLE revoked_access_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL -- the token's "exp"
) STRICT;
CREATE INDEX revoked_access_tokens_expires_at ON revoked_access_tokens (expires_at);

-- Device authorization requests (RFC 8628 Section 3.2).
-- status: pending → approved | denied; approved → used.
CREATE TABLE device_codes (
    hash           TEXT PRIMARY KEY,     -- hash of the device_code
    user_code      TEXT NOT NULL UNIQUE, -- normalized, e.g. 'WDJBMJHT'; UNIQUE makes the lookup index
    client_id      TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'used')),
    user_id        TEXT REFERENCES users (id) ON DELETE CASCADE,   -- set on approval
    auth_time      INTEGER,                                        -- set on approval
    grant_id       TEXT REFERENCES grants (id) ON DELETE CASCADE,  -- set on approval
    interval_ms    INTEGER NOT NULL, -- the polling interval the client must keep (Section 3.5)
    last_polled_at INTEGER,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX device_codes_grant_id ON device_codes (grant_id);
CREATE INDEX device_codes_expires_at ON device_codes (expires_at);
