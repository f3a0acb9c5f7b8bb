-- 0023_dpop_binding.sql: DPoP key bindings (RFC 9449). A code requested with
-- dpop_jkt (Section 10) and a public client's refresh token issued with a
-- DPoP proof (Section 5) may be redeemed only with a proof by that key.
-- '' = not bound.
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
