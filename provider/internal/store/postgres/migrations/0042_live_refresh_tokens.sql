-- 0042_live_refresh_tokens.sql: the refresh tokens of a grant not yet used.
-- A rotation marks them used (store.Store.RotateRefreshToken); without this
-- index it would visit every token the grant ever had, so a long-lived
-- grant's rotations would slow down with its age.
CREATE INDEX refresh_tokens_live ON refresh_tokens (grant_id) WHERE used_at IS NULL;
