package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/oauth-reference/provider/internal/store"
)

// sqlStateError is a driver error carrying an SQLSTATE, as pgconn.PgError does.
type sqlStateError string

func (e sqlStateError) Error() string    { return "database error " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

// sqliteError is a driver error carrying an SQLite result code, as
// modernc.org/sqlite's Error does.
type sqliteError int

func (e sqliteError) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteError) Code() int     { return int(e) }

// unsentError is a driver error saying its statement was never sent, as
// pgconn's are for a connection found closed.
type unsentError struct{ cause error }

func (e unsentError) Error() string     { return "conn closed" }
func (e unsentError) SafeToRetry() bool { return true }
func (e unsentError) Unwrap() error     { return e.cause }

// timeoutError is a driver error wrapping the context's error of a
// statement cut short, as pgconn's is for a deadline.
type timeoutError struct{ cause error }

func (e timeoutError) Error() string { return "timeout: " + e.cause.Error() }
func (e timeoutError) Unwrap() error { return e.cause }

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
		{"a connection found closed before the statement was sent", fmt.Errorf("postgres: begin: %w", unsentError{}), true},
		{"a statement not sent as the caller's context ended", unsentError{context.Canceled}, false},
		{"the deadline passed before the database answered", fmt.Errorf("postgres: rotate refresh token: %w", timeoutError{context.DeadlineExceeded}), true},
		{"the deadline passed waiting for SQLite's lock", fmt.Errorf("sqlite: begin: %w", context.DeadlineExceeded), true},
		{"the caller canceled", fmt.Errorf("sqlite: get client: %w", context.Canceled), false},
		{"connection exception (class 08)", sqlStateError("08006"), true},
		{"admin_shutdown", sqlStateError("57P01"), true},
		{"cannot_connect_now", sqlStateError("57P03"), true},
		{"too_many_connections", sqlStateError("53300"), true},
		{"disk_full", sqlStateError("53100"), true},
		{"read_only_sql_transaction (a standby)", sqlStateError("25006"), true},
		{"invalid_catalog_name (the database dropped or renamed), wrapped", fmt.Errorf("postgres: get refresh token: %w", &pgconn.PgError{Severity: "FATAL", Code: "3D000"}), true},
		{"invalid_authorization_specification (the role may not log in)", &pgconn.PgError{Severity: "FATAL", Code: "28000"}, true},
		{"invalid_password (the password changed)", &pgconn.PgError{Severity: "FATAL", Code: "28P01"}, true},
		{"insufficient_privilege (a grant revoked)", &pgconn.PgError{Severity: "ERROR", Code: "42501"}, true},
		{"undefined_table (the schema's USAGE revoked, or the table dropped)", sqlStateError("42P01"), true},
		{"invalid_schema_name (the schema dropped)", sqlStateError("3F000"), true},
		{"undefined_column (a bug)", sqlStateError("42703"), false},
		{"undefined_function (a bug)", sqlStateError("42883"), false},
		{"syntax_error (a bug)", sqlStateError("42601"), false},
		{"a malformed SQLSTATE", sqlStateError("4"), false},
		{"unique_violation", sqlStateError("23505"), false},
		{"query_canceled", sqlStateError("57014"), false},
		{"SQLITE_FULL, wrapped", fmt.Errorf("sqlite: revoke access token: %w", sqliteError(13)), true},
		{"SQLITE_BUSY", sqliteError(5), true},
		{"SQLITE_READONLY_DIRECTORY (an extended code)", sqliteError(8 | 6<<8), true},
		{"SQLITE_IOERR_WRITE", sqliteError(10 | 3<<8), true},
		{"SQLITE_CANTOPEN", sqliteError(14), true},
		{"SQLITE_CONSTRAINT_UNIQUE", sqliteError(19 | 8<<8), false},
		{"SQLITE_CORRUPT", sqliteError(11), false},
		{"not found", store.ErrNotFound, false},
		{"any other error", errors.New("disk I/O error"), false},
	} {
		if got := store.Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
