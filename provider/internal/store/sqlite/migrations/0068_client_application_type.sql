-- 0068_client_application_type.sql: a client's registered application_type
-- (OIDC Registration Section 2), "web" or "native"; "web", the default when
-- omitted, for every client registered before.
ALTER TABLE clients ADD COLUMN application_type TEXT NOT NULL DEFAULT 'web';
