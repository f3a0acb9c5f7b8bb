-- 0066_signing_key_keep_after_retirement.sql: each signing key records how
-- long after its retirement it must stay published: the longest token
-- lifetime, with a margin, of any process that signed with it. A process
-- raises it on the keys it is about to sign with (token.Keys.Reload), and a
-- rotation retires a key until retired_at plus it, so tokens signed under a
-- longer ACCESS_TOKEN_TTL keep verifying after every process that had it
-- restarted with a shorter one. Keys stored before this migration have 0,
-- and keep their retire_at.
ALTER TABLE signing_keys ADD COLUMN keep_after_retirement_us bigint NOT NULL DEFAULT 0; -- microseconds
