-- 0091_signing_keys_notify.sql: every write to the signing keys (a key
-- stored, retired, deleted or resealed) notifies the channel signing_keys
-- when it commits, whichever process or code path made it (`provider keys
-- rotate` too). Each provider process listens and re-reads its keys
-- (store.SigningKeyWatcher), so a rotated-in key signs and verifies in
-- every process within milliseconds.
CREATE FUNCTION notify_signing_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('signing_keys', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER signing_keys_notify
    AFTER INSERT OR UPDATE OR DELETE ON signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_signing_keys();
