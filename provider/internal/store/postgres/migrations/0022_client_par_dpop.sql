-- 0022_client_par_dpop.sql: two client policies (RFC 9126 Section 6,
-- RFC 9449 Section 5.2).
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests boolean NOT NULL DEFAULT false; -- only PAR may start an authorization
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens boolean NOT NULL DEFAULT false;              -- every token request needs a DPoP proof
