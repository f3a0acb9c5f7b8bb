package oauth

import (
	"context"
	"errors"

	"github.com/oauth-reference/provider/internal/store"
)

// SignedInUser returns the user a login session signs in (userID), for
// a consent page that needs no password to name the account it gives
// access to ([RFC 8628 Section 3.3]: "The authorization server should then
// inform the user about the action they are undertaking and ask them to
// approve or deny the request"; whose account is part of that action). A
// user the store no longer holds comes back as their id alone, as their
// username; a store that cannot answer is an error.
//
// [RFC 8628 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8628#section-3.3
func (p *Provider) SignedInUser(ctx context.Context, userID string) (store.User, error) {
	user, err := p.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{ID: userID, Username: userID}, nil
	}
	return user, err
}
