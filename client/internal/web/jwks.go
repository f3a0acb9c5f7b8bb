package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// maxKeySetBytes is the most of the provider's JWKS ([RFC 7517 Section 5])
// this client reads: the 1 MiB it reads of the provider's other answers
// (discovery, userinfo, device authorization). A hundred 4096-bit RSA keys
// take about 100 KB.
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
const maxKeySetBytes = 1 << 20

// maxKeySetKeys is the most keys a JWKS may hold. go-oidc tries every key
// whose kid is the ID token's, one RSA verification each, at every login,
// so the count is what each login costs; a provider publishes two or three
// (the current key, and the next or the last).
const maxKeySetKeys = 100

// keySetClient returns a copy of client (a.http, whose Transport is set)
// for go-oidc's fetches of the provider's JWKS: go-oidc reads the answer
// whole, with no limit, and puts it whole into the error of a refused one;
// keySetLimits refuses an answer too large to read or a key set too large
// to verify with.
func keySetClient(client *http.Client) *http.Client {
	c := *client
	c.Transport = keySetLimits{base: client.Transport}
	return &c
}

// keySetLimits is keySetClient's transport: it reads each answer, up to
// maxKeySetBytes, before go-oidc does.
type keySetLimits struct{ base http.RoundTripper }

// RoundTrip sends req, and returns its answer, or an error when the
// answer is longer than maxKeySetBytes or is a key set of more than
// maxKeySetKeys keys.
func (l keySetLimits) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetBytes+1))
	resp.Body.Close()
	switch {
	case err != nil:
		return nil, err
	case len(body) > maxKeySetBytes:
		return nil, fmt.Errorf("the answer is longer than %d bytes, the most this client reads", maxKeySetBytes)
	}
	if n := keyCount(body); n > maxKeySetKeys {
		return nil, fmt.Errorf("the key set holds %d keys, more than the %d this client verifies with", n, maxKeySetKeys)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// keyCount returns how many keys the JWK Set body holds in its "keys"
// member ([RFC 7517 Section 5]); 0 when body is not one, which go-oidc
// then reports.
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func keyCount(body []byte) int {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(body, &set) != nil {
		return 0
	}
	return len(set.Keys)
}
