-- 0062_user_code_hash.sql: device_codes keeps the hash of each user code
-- (oauth.HashSecret of its normalized form, as it keeps the device code's),
-- not the code itself, so no user code can be read off the database. SQLite
-- has no SHA-256 to hash the codes stored in clear so far, so an upgrade ends
-- the device sign-ins in progress: pending requests are deleted (their
-- devices' next poll is invalid_grant; they ask for a new code), and a
-- decided request, which no user code can change any more, keeps its device
-- code's hash in place of its user code's: unique, and no user code's hash.
-- Its device still gets its tokens.
DELETE FROM device_codes WHERE status = 'pending';
UPDATE device_codes SET user_code = hash;
ALTER TABLE device_codes RENAME COLUMN user_code TO user_code_hash;
