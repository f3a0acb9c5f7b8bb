package store_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/oauth-reference/provider/internal/store"
)

// sqlStateError is a driver error carrying an SQLSTATE, as pgconn.PgError does.
type sqlStateError string

func (e sqlStateError) Error() string    { return "database error " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

func TestUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"a connection refused, wrapped", fmt.Errorf("postgres: get client: %w", refused), true},
		{"a connection closed mid-answer", fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), true},
		{"connection exception (class 08)", sqlStateError("08006"), true},
		{"admin_shutdown", sqlStateError("57P01"), true},
		{"cannot_connect_now", sqlStateError("57P03"), true},
		{"too_many_connections", sqlStateError("53300"), true},
		{"unique_violation", sqlStateError("23505"), false},
		{"query_canceled", sqlStateError("57014"), false},
		{"not found", store.ErrNotFound, false},
		{"any other error", errors.New("disk I/O error"), false},
	} {
		if got := store.Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
