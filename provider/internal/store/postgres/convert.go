package postgres

import "time"

// A NULL timestamptz is the zero time.Time, which means "not yet" in the
// store's records; PostgreSQL keeps microseconds, and times come back in UTC.

// nullTime is the stored form of t: NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// fromNullTime is the time.Time, in UTC, of a nullable column scanned into a
// *time.Time: the zero time for NULL.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullString is the stored form of an optional reference: NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// fromNullString is the string of a nullable column: "" for NULL.
func fromNullString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// list is the stored form of a list: never NULL, since the columns are
// NOT NULL and pgx sends a nil slice as NULL.
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// fromList is a stored list, nil when empty.
func fromList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}
