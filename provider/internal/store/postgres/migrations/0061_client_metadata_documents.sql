-- 0061_client_metadata_documents.sql: clients whose client_id is the URL of
-- their client ID metadata document (draft-ietf-oauth-client-id-metadata-document):
-- when the fetched document must be fetched again. NULL for every other client.
ALTER TABLE clients ADD COLUMN metadata_stale_at timestamptz;
