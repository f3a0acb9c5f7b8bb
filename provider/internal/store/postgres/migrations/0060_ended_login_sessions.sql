-- 0060_ended_login_sessions.sql: the login sessions a logout ended.
--
-- A login session lives in the browser's signed cookie, which names it by a
-- random id. A logout (OIDC RP-Initiated Logout Section 2) records the hash
-- of that id here, so a copy of the cookie, or one a racing request wrote
-- back, no longer signs anyone in, at any provider process sharing the
-- database. A row is kept until no process could take the session for
-- live, whatever its SESSION_TTL (the longest, 30 days, after the sign-in);
-- PurgeExpired then forgets it.
CREATE TABLE ended_login_sessions (
    hash       text PRIMARY KEY, -- SHA-256 of the session id
    expires_at timestamptz NOT NULL
);
CREATE INDEX ended_login_sessions_expires_at ON ended_login_sessions (expires_at);
