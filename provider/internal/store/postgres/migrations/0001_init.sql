-- 0001_init.sql: the tables of the provider's store (see package store).
--
-- Conventions:
--   * Times are timestamptz (microsecond precision). A NULL time is the Go
--     zero time ("not yet": not used, not revoked, not retired).
--   * Codes and tokens are kept only by the hash of their value (hash columns);
--     the values themselves never reach the database.
--   * Indexes exist for the lookups the store makes: by user_code, by grant_id
--     (revoking and purging a grant's descendants) and by expires_at (purging).
--   * Names are unqualified: the tables go into the first schema of the
--     connection's search_path (public by default).

-- Registered clients (RFC 6749 Section 2).
CREATE TABLE clients (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    type          text NOT NULL CHECK (type IN ('confidential', 'public')), -- Section 2.1
    secret_hash   text NOT NULL DEFAULT '', -- '' for public clients
    redirect_uris text[] NOT NULL DEFAULT '{}',
    grant_types   text[] NOT NULL DEFAULT '{}',
    scopes        text[] NOT NULL DEFAULT '{}',
    default_scope text NOT NULL DEFAULT ''
);

-- Resource owners who sign in at the provider.
CREATE TABLE users (
    id            text PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL, -- bcrypt
    name          text NOT NULL DEFAULT '',
    email         text NOT NULL DEFAULT ''
);

-- Keys the provider signs JWTs with; the newest signs, older ones stay in
-- the JWKS until retire_at.
CREATE TABLE signing_keys (
    id          text PRIMARY KEY, -- the JWS "kid"
    algorithm   text NOT NULL,    -- 'RS256'
    private_key bytea NOT NULL,   -- PKCS #8, DER
    created_at  timestamptz NOT NULL,
    retire_at   timestamptz       -- NULL while the key is the newest
);

-- One authorization of a client by a user (or by no user, for client
-- credentials). Codes and tokens descend from a grant; revoking it kills them.
CREATE TABLE grants (
    id         text PRIMARY KEY,
    client_id  text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id    text REFERENCES users (id) ON DELETE CASCADE, -- NULL: no user
    scope      text NOT NULL,        -- space-separated, as approved
    auth_time  timestamptz,          -- when the user authenticated
    created_at timestamptz NOT NULL, -- when the user approved
    expires_at timestamptz NOT NULL, -- no token of the grant is valid after it
    revoked_at timestamptz           -- NULL while the grant is in force
);
CREATE INDEX grants_expires_at ON grants (expires_at);

-- Authorization codes (RFC 6749 Section 4.1.2), single use.
CREATE TABLE authorization_codes (
    hash           text PRIMARY KEY,
    grant_id       text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_id      text NOT NULL,
    user_id        text NOT NULL,
    redirect_uri   text NOT NULL DEFAULT '', -- '' when the request had none
    scope          text NOT NULL,
    code_challenge text NOT NULL DEFAULT '', -- RFC 7636 S256 challenge
    nonce          text NOT NULL DEFAULT '', -- OpenID Connect nonce
    auth_time      timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz -- NULL until the code is redeemed
);
CREATE INDEX authorization_codes_grant_id ON authorization_codes (grant_id);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

-- Refresh tokens (RFC 6749 Section 6), rotated on every use (RFC 9700
-- Section 4.14.2): a used one is kept, so presenting it again is detected.
CREATE TABLE refresh_tokens (
    hash       text PRIMARY KEY,
    grant_id   text NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_id  text NOT NULL,
    user_id    text NOT NULL DEFAULT '',
    scope      text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz -- NULL until the token is rotated
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

-- Access tokens are JWTs and are not stored. A revoked one is remembered by
-- its "jti" until it would have expired anyway (RFC 7009 Section 2.1).
CREATE TABLE revoked_access_tokens (
    jti        text PRIMARY KEY,
    expires_at timestamptz NOT NULL -- the token's "exp"
);
CREATE INDEX revoked_access_tokens_expires_at ON revoked_access_tokens (expires_at);

-- Device authorization requests (RFC 8628 Section 3.2).
-- status: pending → approved | denied; approved → used.
CREATE TABLE device_codes (
    hash           text PRIMARY KEY,     -- hash of the device_code
    user_code      text NOT NULL UNIQUE, -- normalized, e.g. 'WDJBMJHT'; UNIQUE makes the lookup index
    client_id      text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope          text NOT NULL,
    status         text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'used')),
    user_id        text REFERENCES users (id) ON DELETE CASCADE,  -- set on approval
    auth_time      timestamptz,                                   -- set on approval
    grant_id       text REFERENCES grants (id) ON DELETE CASCADE, -- set on approval
    interval_ms    bigint NOT NULL, -- the polling interval the client must keep (Section 3.5)
    last_polled_at timestamptz,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX device_codes_grant_id ON device_codes (grant_id);
CREATE INDEX device_codes_expires_at ON device_codes (expires_at);
