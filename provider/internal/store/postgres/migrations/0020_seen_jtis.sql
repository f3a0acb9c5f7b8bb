-- 0020_seen_jtis.sql: the seen-set of one-time JWT identifiers.
--
-- A DPoP proof (RFC 9449 Section 11.1) and a private_key_jwt client assertion
-- (RFC 7523 Section 3) are accepted once: their "jti" is recorded here, under
-- a key the caller makes unique per kind and issuer, until the end of the
-- window in which the JWT could be accepted at all; PurgeExpired then
-- forgets it. The PRIMARY KEY makes recording an atomic insert-if-absent,
-- for every provider process sharing the database.
CREATE TABLE seen_jtis (
    key        text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX seen_jtis_expires_at ON seen_jtis (expires_at);
