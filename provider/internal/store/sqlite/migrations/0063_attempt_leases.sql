-- 0063_attempt_leases.sql: attempts reserved while they are checked.
--
-- An attempt (a password, a user code) is reserved here before its check,
-- so that concurrent checks cannot overshoot the budget of failures in
-- attempt_counts: ReserveAttempt counts a key's failures and its leases not
-- yet ended together against the limit. A wrong answer turns the lease into
-- a failure (ConfirmAttempt), a right one deletes it (ReleaseAttempt). A
-- lease left by a provider that died during the check stops counting at
-- lease_until, and PurgeExpired deletes it then.
CREATE TABLE attempt_leases (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL,
    window_start INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    window_end   INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    lease_until  INTEGER NOT NULL  -- microseconds since the Unix epoch, UTC
) STRICT;
CREATE INDEX attempt_leases_key ON attempt_leases (key, window_start);
CREATE INDEX attempt_leases_lease_until ON attempt_leases (lease_until);
