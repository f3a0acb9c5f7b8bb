-- 0021_pushed_requests.sql: authorization requests pushed to the PAR
-- endpoint (RFC 9126 Section 2), kept by the hash of their request_uri,
-- bound to the client that pushed them, single use, short-lived.
CREATE TABLE pushed_requests (
    hash       text PRIMARY KEY, -- hash of the request_uri
    client_id  text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    params     text NOT NULL,    -- the authorization request, form-encoded
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz       -- NULL until the authorization ended
);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
