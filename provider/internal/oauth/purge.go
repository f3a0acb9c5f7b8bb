package oauth

import "context"

// PurgeExpired deletes every code, token record, grant and retired signing
// key whose lifetime is over, and returns how many rows went.
func (p *Provider) PurgeExpired(ctx context.Context) (int64, error) {
	now := p.Now()
	n, err := p.Store.PurgeExpired(ctx, now)
	if err != nil {
		return n, err
	}
	keys, err := p.Store.DeleteRetiredSigningKeys(ctx, now)
	return n + keys, err
}
