-- 0040_refresh_reuse_grace.sql: the refresh token each grant rotated out
-- most recently, the only one that REFRESH_REUSE_GRACE may let through again
-- (see store.RefreshGraceApplies).
ALTER TABLE grants ADD COLUMN last_rotated_hash TEXT; -- NULL until the first rotation
