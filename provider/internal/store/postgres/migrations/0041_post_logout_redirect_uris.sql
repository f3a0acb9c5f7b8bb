-- 0041_post_logout_redirect_uris.sql: where a client may have the browser
-- sent after a logout it asked for (OIDC RP-Initiated Logout 1.0 Section 3.1).
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris text[] NOT NULL DEFAULT '{}'; -- matched exactly
