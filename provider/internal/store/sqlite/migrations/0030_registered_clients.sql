-- 0030_registered_clients.sql: clients that register themselves (RFC 7591,
-- RFC 7592). The demo clients keep the defaults.
ALTER TABLE clients ADD COLUMN token_endpoint_auth_method TEXT NOT NULL DEFAULT ''; -- '' = any method of the type
ALTER TABLE clients ADD COLUMN jwks TEXT NOT NULL DEFAULT '';                       -- JWK Set JSON, public keys only
ALTER TABLE clients ADD COLUMN registration_token_hash TEXT NOT NULL DEFAULT '';    -- RFC 7592 registration access token, hashed
ALTER TABLE clients ADD COLUMN issued_at INTEGER;                                   -- client_id_issued_at
ALTER TABLE clients ADD COLUMN expires_at INTEGER;                                  -- never used yet: deleted after it; NULL once used
CREATE INDEX clients_expires_at ON clients (expires_at);
