-- 0090_revocation_notify.sql: every write that can revoke an access token
-- (a revoked jti; a grant revoked or deleted, also by a client's deletion)
-- notifies the channel access_token_revocations when it commits, whichever
-- process or code path made it. Each provider process listens and then
-- empties its memory of live tokens (store.LiveTokens), so its bearer check
-- of a token seen before needs no query until something is revoked.
CREATE FUNCTION notify_access_token_revocations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('access_token_revocations', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER revoked_access_tokens_notify
    AFTER INSERT ON revoked_access_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_token_revocations();

CREATE TRIGGER grants_revoked_notify
    AFTER UPDATE OF revoked_at OR DELETE ON grants
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_token_revocations();
