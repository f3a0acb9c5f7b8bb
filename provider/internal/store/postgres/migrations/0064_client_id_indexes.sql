-- 0064_client_id_indexes.sql: an index on each column that refers to a
-- client.
--
-- Deleting a client (RFC 7592 Section 2.3, or the purge of a registration
-- never used) deletes its grants, device codes and pushed requests with it
-- (ON DELETE CASCADE). Without an index on their client_id, PostgreSQL scans
-- each of those tables whole for every client deleted: with 500,000 grants,
-- about 35 ms a client, inside the purge's transaction.
CREATE INDEX grants_client_id ON grants (client_id);
CREATE INDEX device_codes_client_id ON device_codes (client_id);
CREATE INDEX pushed_requests_client_id ON pushed_requests (client_id);
