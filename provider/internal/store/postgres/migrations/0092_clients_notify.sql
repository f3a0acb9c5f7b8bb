-- 0092_clients_notify.sql: every update or deletion of a client (an RFC 7592
-- update or deletion, its first use, a client ID metadata document stored
-- again, the purge of a client never used) notifies the channel clients
-- with the client's id when it commits, whichever process or code path made
-- it. Each provider process listens and drops its copy of that registration
-- (store.ClientWatcher), so a dropped secret, a replaced key or a removed
-- redirect URI stops working in every process within milliseconds. A new
-- client needs no notification: a process keeps no copy of a client it did
-- not find. A notification's payload must be shorter than 8000 bytes; a
-- longer id (the URL of a client ID metadata document can be) is notified
-- as '', which drops every copy.
CREATE FUNCTION notify_clients() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clients', CASE WHEN octet_length(OLD.id) < 8000 THEN OLD.id ELSE '' END);
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_notify
    AFTER UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION notify_clients();
