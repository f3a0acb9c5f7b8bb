-- 0093_notify_only_changes.sql: the triggers of 0090 and 0091 notify only
-- when their statement changed a row. A trigger FOR EACH STATEMENT fires
-- even when its statement touched no row, so every purge (which deletes
-- from grants and signing_keys, mostly nothing) made every provider
-- process empty its memory of live tokens and re-read its signing keys.
-- Each trigger now reads the rows its statement changed, a transition
-- table, and notifies only if there is one. PostgreSQL allows transition
-- tables only on a trigger of a single event, without a column list:
-- hence one trigger per event, and the UPDATE of grants compares
-- revoked_at before and after itself. The channels and their empty
-- payloads stay what the listeners expect. 0092's trigger runs FOR EACH
-- ROW, so a statement that changes no client already notifies nothing.

-- notify_if_rows_changed notifies the channel named by its argument when
-- the statement's transition table changed_rows holds a row.
CREATE FUNCTION notify_if_rows_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM changed_rows) THEN
        PERFORM pg_notify(TG_ARGV[0], '');
    END IF;
    RETURN NULL;
END
$$;

-- notify_grants_revoked notifies access_token_revocations when the
-- statement changed the revoked_at of a grant (revoking a grant again
-- keeps its first time, and changes nothing).
CREATE FUNCTION notify_grants_revoked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM old_grants JOIN new_grants USING (id)
               WHERE old_grants.revoked_at IS DISTINCT FROM new_grants.revoked_at) THEN
        PERFORM pg_notify('access_token_revocations', '');
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER revoked_access_tokens_notify ON revoked_access_tokens;
DROP TRIGGER grants_revoked_notify ON grants;
DROP TRIGGER signing_keys_notify ON signing_keys;
DROP FUNCTION notify_access_token_revocations();
DROP FUNCTION notify_signing_keys();

-- Every write that can revoke an access token: a jti revoked (not one
-- revoked before: ON CONFLICT DO NOTHING inserts no row), a grant revoked
-- or deleted (also by its client's or user's deletion, or the purge), and
-- a client deleted, which revokes its client credentials tokens that have
-- no grant.
CREATE TRIGGER revoked_access_tokens_notify
    AFTER INSERT ON revoked_access_tokens REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_if_rows_changed('access_token_revocations');

CREATE TRIGGER grants_revoked_notify
    AFTER UPDATE ON grants REFERENCING OLD TABLE AS old_grants NEW TABLE AS new_grants
    FOR EACH STATEMENT EXECUTE FUNCTION notify_grants_revoked();

CREATE TRIGGER grants_deleted_notify
    AFTER DELETE ON grants REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_if_rows_changed('access_token_revocations');

CREATE TRIGGER clients_deleted_notify
    AFTER DELETE ON clients REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_if_rows_changed('access_token_revocations');

-- Every write to the signing keys: a key stored, retired, resealed, kept
-- longer or deleted.
CREATE TRIGGER signing_keys_inserted_notify
    AFTER INSERT ON signing_keys REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_if_rows_changed('signing_keys');

CREATE TRIGGER signing_keys_updated_notify
    AFTER UPDATE ON signing_keys REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_if_rows_changed('signing_keys');

CREATE TRIGGER signing_keys_deleted_notify
    AFTER DELETE ON signing_keys REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_if_rows_changed('signing_keys');
