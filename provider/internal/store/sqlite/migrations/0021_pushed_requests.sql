-- 0021_pushed_requests.sql: authorization requests pushed to the PAR
-- endpoint (RFC 9126 Section 2), kept by the hash of their request_uri,
-- bound to the client that pushed them, single use, short-lived.
CREATE TABLE pushed_requests (
    hash       TEXT PRIMARY KEY, -- hash of the request_uri
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    params     TEXT NOT NULL,    -- the authorization request, form-encoded
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER           -- NULL until the authorization ended
) STRICT;
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
