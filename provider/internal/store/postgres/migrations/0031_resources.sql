-- 0031_resources.sql: the resource servers a grant covers (RFC 8707
-- resource indicators), space-separated absolute URIs; '' = the provider's own.
ALTER TABLE grants ADD COLUMN resources text NOT NULL DEFAULT '';
ALTER TABLE authorization_codes ADD COLUMN resources text NOT NULL DEFAULT '';
