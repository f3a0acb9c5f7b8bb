-- 0063_attempt_leases.sql: attempts reserved while they are checked.
--
-- An attempt (a password, a user code) is reserved here before its check,
-- so that concurrent checks cannot overshoot the budget of failures in
-- attempt_counts: ReserveAttempt counts a key's failures and its leases not
-- yet ended together against the limit, holding the lock of the key's
-- attempt_counts row. A wrong answer turns the lease into a failure
-- (ConfirmAttempt), a right one deletes it (ReleaseAttempt). A lease left
-- by a provider that died during the check stops counting at lease_until,
-- and PurgeExpired deletes it then.
CREATE TABLE attempt_leases (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    lease_until  timestamptz NOT NULL
);
CREATE INDEX attempt_leases_key ON attempt_leases (key, window_start);
CREATE INDEX attempt_leases_lease_until ON attempt_leases (lease_until);
