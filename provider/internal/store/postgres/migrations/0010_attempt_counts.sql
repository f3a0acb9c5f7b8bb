-- 0010_attempt_counts.sql: failed attempts counted per key in fixed windows.
--
-- The budgets of wrong passwords and wrong user codes (RFC 8628 Section 5.1)
-- are counted here, so that every provider process sharing the database
-- shares them. count never passes the caller's limit: CountAttempt adds one
-- only while it is below, in one statement, so concurrent processes cannot
-- overshoot it. A row is kept until expires_at, the end of its window;
-- PurgeExpired then deletes it.
CREATE TABLE attempt_counts (
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    count        integer     NOT NULL CHECK (count >= 0),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX attempt_counts_expires_at ON attempt_counts (expires_at);
