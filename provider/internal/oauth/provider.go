package oauth

import (
	"log/slog"
	"sync"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/token"
)

// Provider is the authorization server and the token checks of the resource
// server. Its methods take plain request structs and return response structs
// or an *Error; the web package turns HTTP into calls to them and back.
type Provider struct {
	Config config.Config
	Store  store.Store
	Keys   *token.Keys
	// Now is the clock; tests inject a fake one to move past expiry times.
	Now func() time.Time
	Log *slog.Logger
	// OnSecurityEvent, if set, is told of each SecurityEvent (after it is logged).
	OnSecurityEvent func(SecurityEvent)

	dummyHashOnce sync.Once
	dummyHash     []byte
	clients       clientCache // registrations read in the last few seconds
	registrations registrationLimit
}

// New returns a Provider with the real clock.
func New(cfg config.Config, st store.Store, keys *token.Keys, log *slog.Logger) *Provider {
	return &Provider{Config: cfg, Store: st, Keys: keys, Now: time.Now, Log: log}
}

// now is the current time, in UTC, truncated to the microsecond so that a
// value read back from any store compares equal to the one written.
func (p *Provider) now() time.Time {
	return p.Now().UTC().Truncate(time.Microsecond)
}
