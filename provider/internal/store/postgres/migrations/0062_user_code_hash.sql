-- 0062_user_code_hash.sql: device_codes keeps the hash of each user code
-- (oauth.HashSecret of its normalized form, as it keeps the device code's),
-- not the code itself, so no user code can be read off the database. The
-- codes stored in clear so far are hashed here the way HashSecret does it
-- (SHA-256, in unpadded base64url), so device sign-ins in progress go on
-- across the upgrade.
UPDATE device_codes
SET user_code = rtrim(translate(encode(sha256(convert_to(user_code, 'UTF8')), 'base64'), '+/', '-_'), '=');
ALTER TABLE device_codes RENAME COLUMN user_code TO user_code_hash;
