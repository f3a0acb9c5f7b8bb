// Package resource calls a protected resource of the provider
// ([RFC 6750 Section 2.1]), for the web app (which shows the exchange) and
// the command line (which prints the answer) alike.
//
// [RFC 6750 Section 2.1]: https://www.rfc-editor.org/rfc/rfc6750#section-2.1
package resource

import (
	"context"
	"io"
	"net/http"
)

// The provider's resources (README, "What the provider does"): a page any
// valid token gets, and the user's profile, which needs scope "read".
const (
	ProtectedResourcePath = "/protected/resource"
	UserProfilePath       = "/user/profile"
)

// maxBody bounds how much of an answer is read.
const maxBody = 1 << 20

// Get sends "GET url" through client, whose transport adds the access
// token (as an oauth2.NewClient does), and returns the answer with its
// body read, at most 1 MiB of it.
func Get(ctx context.Context, client *http.Client, url string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp, body, err
}
