-- 0050_signing_key_encryption.sql: signing keys are encrypted at rest.
-- private_key holds the key sealed with the key-encryption key (AES-256-GCM,
-- see package token) once encrypted is true; rows written before this
-- migration hold cleartext PKCS #8 and are sealed by the next provider start.
ALTER TABLE signing_keys ADD COLUMN encrypted boolean NOT NULL DEFAULT false;
