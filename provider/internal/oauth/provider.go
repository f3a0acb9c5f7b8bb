package oauth

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

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
	// Clock is the time source; tests inject a fake one to move past expiry
	// times. Read it through Now.
	Clock func() time.Time
	Log   *slog.Logger
	// OnSecurityEvent, if set, is told of each SecurityEvent (after it is logged).
	OnSecurityEvent func(SecurityEvent)
	// DPoPNonces, when set (DPOP_NONCE=on: New sets it), makes the token
	// and resource endpoints require server-provided DPoP nonces
	// ([RFC 9449 Section 8]).
	//
	// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
	DPoPNonces *DPoPNonces
	// MetadataDocumentTransport, when set, replaces the transport that
	// fetches client ID metadata documents, whose dialer connects to public
	// addresses only (newPublicTransport). Only tests set it, to reach a TLS
	// server of their own on 127.0.0.1 (providertest.Options).
	MetadataDocumentTransport http.RoundTripper
	// MetadataDocumentTimeout bounds one fetch of a document; 0 is
	// metadataDocumentTimeout (5 s). Tests shorten it.
	MetadataDocumentTimeout time.Duration
	// RequestTimeout bounds each request's work: the web layer makes it
	// the deadline of the request's context, which every store call of the
	// request is made with; 0 is config.RequestTimeout (10 s). Tests
	// shorten it.
	RequestTimeout time.Duration

	dummyHashOnce sync.Once
	dummyHash     string
	clients       clientCache // registrations read in the last few seconds
	userCodes     *RateLimit  // UserCodeEntriesPerMinute (LookUpUserCode)
	registrations hourlyLimit // REGISTRATIONS_PER_HOUR (admitRegistration)
	devices       hourlyLimit // DEVICE_AUTHORIZATIONS_PER_HOUR (admitDeviceAuthorization)
	pushes        hourlyLimit // PUSHED_REQUESTS_PER_HOUR (admitPushedRequest)
	documentSites hourlyLimit // REGISTRATIONS_PER_HOUR per site (admitNewMetadataDocument)

	documentFlights singleflight.Group // storeMetadataDocumentOnce
	documentFetches atomic.Int32       // fetches under way (maxMetadataDocumentFetches)

	publicTransportOnce sync.Once
	publicTransport     http.RoundTripper // documentTransport
}

// RequestTimeLimit is how long a request's work may take: RequestTimeout,
// or config.RequestTimeout when that is 0.
func (p *Provider) RequestTimeLimit() time.Duration {
	return cmp.Or(p.RequestTimeout, config.RequestTimeout)
}

// New returns a Provider with the real clock. When st is a
// store.ClientWatcher (PostgreSQL), a client updated or deleted by any
// process is dropped from this one's client cache as soon as it is told.
// sessionSecret is the
// SESSION_SECRET that every provider process behind one issuer shares: with
// DPOP_NONCE on (cfg.DPoPNonce), it keys the DPoP nonces (NewDPoPNonces), so
// a nonce one process hands out is accepted by the others.
func New(cfg config.Config, st store.Store, keys *token.Keys, sessionSecret []byte, log *slog.Logger) *Provider {
	p := &Provider{Config: cfg, Store: st, Keys: keys, Clock: time.Now, Log: log, userCodes: newUserCodeRateLimit()}
	if w, ok := st.(store.ClientWatcher); ok {
		w.WatchClients(p.clients.forget, p.clients.watching)
	}
	if cfg.DPoPNonce {
		p.DPoPNonces = NewDPoPNonces(sessionSecret)
	}
	return p
}

// dpopNonce returns a fresh DPoP nonce for the DPoP-Nonce header of an
// answer to a DPoP request, or "" when nonces are off ([RFC 9449 Section 8.2]:
// "A more efficient manner of supplying a new nonce value is also defined by
// including a DPoP-Nonce HTTP header in the HTTP 200 (OK) response from the
// previous request.").
//
// [RFC 9449 Section 8.2]: https://www.rfc-editor.org/rfc/rfc9449#section-8.2
func (p *Provider) dpopNonce() string {
	if p.DPoPNonces == nil {
		return ""
	}
	return p.DPoPNonces.New(p.Now())
}

// Now is the provider's one clock: the current time, in UTC, truncated to
// the microsecond so that a value read back from any store compares equal
// to the one written.
func (p *Provider) Now() time.Time {
	return p.Clock().UTC().Truncate(time.Microsecond)
}

// Ready reports whether the provider can serve: its store answers and
// holds a signing key.
func (p *Provider) Ready(ctx context.Context) error {
	keys, err := p.Store.ListSigningKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return errors.New("oauth: the store holds no signing key")
	}
	return nil
}
