-- 0067_client_token_endpoint_auth_signing_alg.sql: the one JWS alg a
-- client's private_key_jwt assertions must be signed with, its registered
-- token_endpoint_auth_signing_alg (OIDC Registration Section 2);
-- '' = any the provider accepts, the default.
ALTER TABLE clients ADD COLUMN token_endpoint_auth_signing_alg text NOT NULL DEFAULT '';
