package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
)

// Unavailable reports whether err means the store could not be reached or
// cannot take a write for now, as opposed to a request it refused: the
// connection to the database failed or was lost (a network error, a
// connection closed mid-answer, or found closed before the statement was
// sent), the database did not answer before the caller's deadline
// (context.DeadlineExceeded: the request's time ran out while the database
// was silent, slow or locked; a caller that canceled is not the store's
// fault), the database said it is shutting down, starting up, read-only or
// short of a resource (connections, disk, memory), or, on SQLite, the file
// is locked, read-only, cannot be opened or written, or the disk is full.
// Such a request may succeed if sent again shortly, so the web layer
// answers it 503 with Retry-After ([RFC 9110 Section 15.6.4]) rather than
// 500.
//
// A statement the driver never sent is recognised by a SafeToRetry method
// that says so (pgconn's errors: a connection found closed, a failed
// write), unless the caller canceled it. PostgreSQL's answer is recognised
// by its SQLSTATE (any driver error with an SQLState method): class 08
// (connection exception), 57P01–57P03 (the server is shutting down or
// starting), class 53 (insufficient resources: disk full, out of memory,
// too many connections) and 25006 (a read-only server, such as a standby
// after a failover). SQLite's, by its primary result code (any driver
// error with a Code method, as modernc.org/sqlite's Error): SQLITE_BUSY,
// SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL and SQLITE_CANTOPEN
// ([SQLite result codes]).
//
// [RFC 9110 Section 15.6.4]: https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4
// [SQLite result codes]: https://www.sqlite.org/rescode.html
func Unavailable(err error) bool {
	var netErr net.Error
	var stated interface{ SQLState() string }
	var coded interface{ Code() int }
	var unsent interface{ SafeToRetry() bool }
	switch {
	case err == nil:
		return false
	case errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &unsent) && unsent.SafeToRetry() && !errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &stated):
		state := stated.SQLState()
		return strings.HasPrefix(state, "08") || strings.HasPrefix(state, "53") ||
			state == "57P01" || state == "57P02" || state == "57P03" || state == "25006"
	case errors.As(err, &coded):
		return sqliteUnavailable[coded.Code()&0xff]
	default:
		return false
	}
}

// sqliteUnavailable holds the primary result codes of SQLite that
// Unavailable reports: SQLITE_BUSY (5), SQLITE_READONLY (8), SQLITE_IOERR
// (10), SQLITE_FULL (13), SQLITE_CANTOPEN (14).
var sqliteUnavailable = map[int]bool{5: true, 8: true, 10: true, 13: true, 14: true}
