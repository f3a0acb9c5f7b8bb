-- 0051_client_id_token_alg.sql: the JWS alg of a client's ID tokens, its
-- registered id_token_signed_response_alg (OpenID Connect Registration
-- Section 2); '' = RS256, the default.
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';
