package dpop

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Transport is an http.RoundTripper that adds a fresh DPoP proof to every
// request ([RFC 9449 Section 4.1]: "Each HTTP request requires a unique DPoP
// proof"), with ath when the request carries "Authorization: DPoP <token>"
// ([RFC 9449 Section 7]). It keeps the last DPoP-Nonce each server sent and
// puts it in the next proof, and when a server answers use_dpop_nonce it
// retries the request once with the new nonce ([RFC 9449 Section 8]: "The
// client will typically retry the request with the new nonce value supplied
// upon receiving a use_dpop_nonce error with an accompanying nonce value.").
//
// [RFC 9449 Section 4.1]: https://www.rfc-editor.org/rfc/rfc9449#section-4.1
// [RFC 9449 Section 7]: https://www.rfc-editor.org/rfc/rfc9449#section-7
// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
type Transport struct {
	Key  *Key
	Base http.RoundTripper // nil means http.DefaultTransport
	Now  func() time.Time  // nil means time.Now
	// HTU, when set, maps the URL a request is sent to (without query and
	// fragment) onto its proof's htu: the URI the server knows the
	// resource by, which the server compares with htu
	// ([RFC 9449 Section 4.3]: "The htu claim matches the HTTP URI value
	// for the HTTP request in which the JWT was received"). A client that
	// reaches the server at another address than the server's own (docker
	// compose's back channel) needs it. nil: the URL as sent.
	//
	// [RFC 9449 Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
	HTU func(sent string) string

	mu     sync.Mutex
	nonces map[string]string // by origin ("http://host:port"): nonces are per server (RFC 9449 Section 9)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.send(req)
	if err != nil || !askedForNonce(resp) || (req.Body != nil && req.GetBody == nil) {
		return resp, err
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return resp, nil // keep the first answer
		}
	}
	resp.Body.Close()
	return t.send(retry)
}

// send adds a proof to a copy of req (a RoundTripper must not change its
// request), sends it and remembers the answer's nonce.
func (t *Transport) send(req *http.Request) (*http.Response, error) {
	origin := req.URL.Scheme + "://" + req.URL.Host
	htu := *req.URL
	htu.RawQuery, htu.Fragment = "", "" // "without query and fragment parts" (RFC 9449 Section 4.2)
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	target := htu.String()
	if t.HTU != nil {
		target = t.HTU(target)
	}
	proof, err := t.Key.Proof(req.Method, target, boundToken(req), t.nonce(origin), now())
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Header.Set("DPoP", proof)
	resp, err := cmp.Or(t.Base, http.DefaultTransport).RoundTrip(out)
	if err == nil {
		if n := resp.Header.Get("DPoP-Nonce"); n != "" {
			t.setNonce(origin, n)
		}
	}
	return resp, err
}

// boundToken is the access token of an "Authorization: DPoP" header, or "".
func boundToken(req *http.Request) string {
	scheme, token, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "DPoP") {
		return token
	}
	return ""
}

// askedForNonce reports whether a server answered use_dpop_nonce with a new
// nonce: a 401 with a DPoP challenge at a resource ([RFC 9449 Section 9]), or a
// 400 error response at the authorization server ([RFC 9449 Section 8]), whose
// body is read and put back for the caller.
//
// [RFC 9449 Section 9]: https://www.rfc-editor.org/rfc/rfc9449#section-9
// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
func askedForNonce(resp *http.Response) bool {
	if resp.Header.Get("DPoP-Nonce") == "" {
		return false
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`)
	}
	if resp.StatusCode != http.StatusBadRequest {
		return false
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var e struct{ Error string }
	return json.Unmarshal(body, &e) == nil && e.Error == "use_dpop_nonce"
}

func (t *Transport) nonce(origin string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nonces[origin]
}

func (t *Transport) setNonce(origin, nonce string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nonces == nil {
		t.nonces = map[string]string{}
	}
	t.nonces[origin] = nonce
}
