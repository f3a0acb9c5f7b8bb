package sqlite

import (
	"database/sql"
	"encoding/json"
	"time"
)

// Times are stored as INTEGER microseconds since the Unix epoch; the zero
// time.Time, which means "not yet" in the store's records, is stored as NULL.

// micros is the stored form of t.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros is the stored form of t, NULL for the zero time.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros is the time.Time, in UTC, of a stored time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// fromNullMicros is the time.Time of a stored time, the zero time for NULL.
func fromNullMicros(us sql.NullInt64) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return fromMicros(us.Int64)
}

// nullString is the stored form of an optional reference: NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonList is the stored form of a list of strings: a JSON array.
func jsonList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a []string always marshals
	return string(b)
}

// parseList is the list of strings stored as a JSON array; nil when empty.
func parseList(s string) ([]string, error) {
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}
