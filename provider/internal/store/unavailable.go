package store

import (
	"errors"
	"io"
	"net"
	"strings"
)

// Unavailable reports whether err means the store could not be reached, as
// opposed to a request it refused: the connection to the database failed or
// was lost (a network error, a connection closed mid-answer), or the
// database said it is shutting down, starting up or out of connections.
// Such a request may succeed if sent again shortly, so the web layer answers
// it 503 with Retry-After ([RFC 9110 Section 15.6.4]) rather than 500.
//
// The database's answer is recognised by its SQLSTATE (any driver error with
// an SQLState method): class 08 (connection exception), 57P01–57P03 (the
// server is shutting down or starting) and 53300 (too many connections).
//
// [RFC 9110 Section 15.6.4]: https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4
func Unavailable(err error) bool {
	var netErr net.Error
	var stated interface{ SQLState() string }
	switch {
	case err == nil:
		return false
	case errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &stated):
		state := stated.SQLState()
		return strings.HasPrefix(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" || state == "53300"
	default:
		return false
	}
}
