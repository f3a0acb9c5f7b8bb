-- 0070_pushed_request_opened.sql: when a pushed request's request_uri was
-- first opened at the authorization endpoint. Until then expires_at is the
-- end of its expires_in (RFC 9126 Section 2.2); the opening moves it to the
-- end of the sign-in, once. NULL until opened.
ALTER TABLE pushed_requests ADD COLUMN opened_at timestamptz;
