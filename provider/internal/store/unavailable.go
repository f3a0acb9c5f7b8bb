package store

import (
	"context"
	"errors"
	"io"
	"net"
)

// Unavailable reports whether err means the store could not be reached or
// cannot take a write for now, as opposed to a request it refused: the
// connection to the database failed or was lost (a network error, a
// connection closed mid-answer, or found closed before the statement was
// sent), the database did not answer before the caller's deadline
// (context.DeadlineExceeded: the request's time ran out while the database
// was silent, slow or locked; a caller that canceled is not the store's
// fault), the database said it is shutting down, starting up, read-only or
// short of a resource (connections, disk, memory), PostgreSQL answers but
// the provider's database cannot be used by it (gone, its role refused, its
// grants revoked), or, on SQLite, the file is locked, read-only, cannot be
// opened or written, or the disk is full. Such a request may succeed if
// sent again shortly, or once an operator has put the database right, so
// the web layer answers it 503 with Retry-After
// ([RFC 9110 Section 15.6.4]) rather than 500, and logs the outage once,
// not once per request.
//
// A statement the driver never sent is recognised by a SafeToRetry method
// that says so (pgconn's errors: a connection found closed, a failed
// write), unless the caller canceled it. PostgreSQL's answer is recognised
// by its SQLSTATE (any driver error with an SQLState method; pgUnavailable
// lists them). SQLite's, by its primary result code (any driver error with
// a Code method, as modernc.org/sqlite's Error): SQLITE_BUSY,
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
		return pgUnavailable(stated.SQLState())
	case errors.As(err, &coded):
		return sqliteUnavailable[coded.Code()&0xff]
	default:
		return false
	}
}

// pgUnavailable reports whether a PostgreSQL SQLSTATE ([PostgreSQL error
// codes]) is one Unavailable reports. Those of a server out of service:
// class 08 (connection exception), 57P01–57P03 (the server is shutting
// down or starting), class 53 (insufficient resources: disk full, out of
// memory, too many connections) and 25006 (a read-only server, such as a
// standby after a failover).
//
// And those of a server that answers while the provider's database cannot
// be used by it, which an operator puts right without a new release:
// class 28 (the role may not log in, or its password was changed), 3D000
// (the database is gone: dropped, renamed) and 42501 (a grant on the
// database, schema or a table was revoked). So are 42P01 (a table does not
// exist) and 3F000 (a schema does not exist): the store was migrated when
// it was opened (Migrate), so at run time a missing table means the
// database changed under the process: the table or its schema was
// dropped, or USAGE on the schema was revoked, which hides it from the
// search_path. A statement naming a table no migration makes would be a
// code bug, not an outage, but the store contract suite runs every
// statement against PostgreSQL, so such a bug fails there; and the
// warning logged for it still carries the SQLSTATE. A missing column or
// function (42703, 42883), a syntax error (42601) or a constraint broken
// (class 23) stays a server error: a bug, never reported as an outage.
//
// [PostgreSQL error codes]: https://www.postgresql.org/docs/current/errcodes-appendix.html
func pgUnavailable(state string) bool {
	return pgUnavailableClasses[state[:min(2, len(state))]] || pgUnavailableStates[state]
}

// pgUnavailableClasses holds the SQLSTATE classes pgUnavailable reports
// (the first two characters of a code).
var pgUnavailableClasses = map[string]bool{"08": true, "28": true, "53": true}

// pgUnavailableStates holds the single SQLSTATEs pgUnavailable reports.
var pgUnavailableStates = map[string]bool{
	"57P01": true, "57P02": true, "57P03": true, "25006": true,
	"3D000": true, "42501": true, "42P01": true, "3F000": true,
}

// sqliteUnavailable holds the primary result codes of SQLite that
// Unavailable reports: SQLITE_BUSY (5), SQLITE_READONLY (8), SQLITE_IOERR
// (10), SQLITE_FULL (13), SQLITE_CANTOPEN (14).
var sqliteUnavailable = map[int]bool{5: true, 8: true, 10: true, 13: true, 14: true}
