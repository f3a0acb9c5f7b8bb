package oauth

import (
	"context"
	"errors"
)

// SecurityEvent is something the provider refused that points at an
// attack or a leaked credential. Each is logged at warn, in words, and
// passed to Provider.OnSecurityEvent (the web layer counts them).
type SecurityEvent string

// The security events the protocol layer detects. (Wrong passwords and
// rate limits are seen where the sign-in forms are handled, in web.)
const (
	EventRefreshReuse SecurityEvent = "refresh token reuse detected; grant revoked"
	EventCodeReplay   SecurityEvent = "authorization code used a second time; its grant revoked"
)

// securityEvent logs e with attrs (identifiers only, never a secret) and
// passes it on.
func (p *Provider) securityEvent(ctx context.Context, e SecurityEvent, attrs ...any) {
	p.Log.WarnContext(ctx, string(e), attrs...)
	if p.OnSecurityEvent != nil {
		p.OnSecurityEvent(e)
	}
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
