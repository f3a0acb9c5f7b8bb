-- 0065_signing_key_retired_at.sql: each retired signing key also records
-- when it was retired (the rotation that replaced it), so every provider
-- process can keep it published for its own longest token lifetime after
-- that time, raising retire_at when it is earlier (token.Keys.Reload),
-- whatever ACCESS_TOKEN_TTL `provider keys rotate` ran with. Keys retired
-- before this migration have none, and keep their retire_at.
ALTER TABLE signing_keys ADD COLUMN retired_at INTEGER; -- microseconds since the Unix epoch, UTC; NULL while the key is the newest
