package mcpsdk

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/oauth-reference/provider/providertest"
)

// user is the demo user at their browser, and the loopback redirect URI
// the MCP client listens on for the authorization response, as a native
// app does ([RFC 8252 Section 7.3]).
//
// The SDK asks for an authorization code from inside its call (Connect,
// CallTool): fetchCode hands the authorization URL to the test, which
// plays the user on its own goroutine (during), and waits for the
// browser to arrive at the redirect URI.
//
// [RFC 8252 Section 7.3]: https://www.rfc-editor.org/rfc/rfc8252#section-7.3
type user struct {
	browser     *providertest.Browser
	redirectURI string
	port        int             // the port the client listens on for redirectURI
	opened      chan string     // authorization URLs the client opens
	responses   chan url.Values // authorization responses at the redirect URI
	// authorizations are the authorization requests the user answered, in order.
	authorizations []*url.URL
}

// newUser returns the demo user with an empty cookie jar, and the
// client's redirect URI, http://127.0.0.1:PORT/callback, listening.
func newUser(t *testing.T) *user {
	return newUserAt(t, func(port int) string { return fmt.Sprintf("http://127.0.0.1:%d/callback", port) })
}

// newUserAt returns the demo user with an empty cookie jar, and the
// client listening on a fresh port of 127.0.0.1 for the redirect URI
// redirectURI gives for that port, at any path.
func newUserAt(t *testing.T, redirectURI func(port int) string) *user {
	u := &user{browser: providertest.NewBrowser(t), opened: make(chan string, 1), responses: make(chan url.Values, 1)}
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case u.responses <- r.URL.Query():
			io.WriteString(w, "Signed in: you may close this window.")
		default:
			http.Error(w, "no authorization request is waiting", http.StatusBadRequest)
		}
	}))
	t.Cleanup(callback.Close)
	u.port = callback.Listener.Addr().(*net.TCPAddr).Port
	u.redirectURI = redirectURI(u.port)
	return u
}

// fetchCode is the SDK's AuthorizationCodeFetcher: it opens the
// authorization URL in the user's browser and returns the authorization
// response the browser brings to the redirect URI ([RFC 6749 Section 4.1.2]),
// with iss ([RFC 9207 Section 2]).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 9207 Section 2]: https://www.rfc-editor.org/rfc/rfc9207#section-2
func (u *user) fetchCode(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
	select {
	case u.opened <- args.URL:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case q := <-u.responses:
		if q.Get("code") == "" {
			return nil, fmt.Errorf("authorization response without a code: error %q", q.Get("error"))
		}
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// during runs call on a goroutine of its own and, until it returns, signs
// in and approves each authorization request the client opens.
func (u *user) during(t *testing.T, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	for {
		select {
		case authURL := <-u.opened:
			u.approve(t, authURL)
		case err := <-done:
			return err
		}
	}
}

// approve signs the user in at the provider, allows the request, and
// follows the redirect to the client's redirect URI.
func (u *user) approve(t *testing.T, authURL string) {
	t.Helper()
	parsed, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("authorization URL %q: %v", authURL, err)
	}
	u.authorizations = append(u.authorizations, parsed)
	back := u.browser.In(t).Approve(authURL)
	if !strings.HasPrefix(back.String(), u.redirectURI+"?") {
		t.Fatalf("after approval: redirected to %s, want the redirect URI %s", back.Redacted(), u.redirectURI)
	}
	if resp, body := u.browser.In(t).Get(back.String()); resp.StatusCode != http.StatusOK {
		t.Fatalf("the redirect URI: got %d, want 200: %s", resp.StatusCode, body)
	}
}

// exchange is one HTTP request the client made and its answer's status.
type exchange struct {
	method, url string
	status      int
}

// recorded is an exchange as the wire log holds it, with what the tests
// check of it.
type recorded struct {
	exchange
	authorization bool       // an Authorization header was sent
	challenge     string     // the answer's WWW-Authenticate
	form          url.Values // a form body's fields
}

// wireLog records every request the client makes, to the MCP servers and
// to the provider.
type wireLog struct {
	mu        sync.Mutex
	exchanges []recorded
}

// client returns an HTTP client that records its exchanges in l.
func (l *wireLog) client() *http.Client { return &http.Client{Transport: l} }

// RoundTrip sends r and records it.
func (l *wireLog) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := recorded{exchange: exchange{method: r.Method, url: r.URL.String()}, authorization: r.Header.Get("Authorization") != ""}
	if r.GetBody != nil && r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		body, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		if rec.form, err = url.ParseQuery(string(b)); err != nil {
			return nil, err
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	rec.status, rec.challenge = resp.StatusCode, resp.Header.Get("WWW-Authenticate")
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exchanges = append(l.exchanges, rec)
	return resp, nil
}

// expect fails t unless the log holds the exchanges want in that order,
// others possibly between them.
func (l *wireLog) expect(t *testing.T, want ...exchange) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var got []string
	i := 0
	for _, rec := range l.exchanges {
		got = append(got, fmt.Sprintf("%s %s %d", rec.method, rec.url, rec.status))
		if i < len(want) && rec.exchange == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("exchanges:\n%s\nwant, in this order:\n%+v\n(missing from %+v on)", strings.Join(got, "\n"), want, want[i])
	}
}

// to returns the exchanges of method to u, in order.
func (l *wireLog) to(method, u string) []recorded {
	l.mu.Lock()
	defer l.mu.Unlock()
	var to []recorded
	for _, rec := range l.exchanges {
		if rec.method == method && rec.url == u {
			to = append(to, rec)
		}
	}
	return to
}

// first returns the first exchange of method to u, failing t when there
// is none.
func (l *wireLog) first(t *testing.T, method, u string) recorded {
	t.Helper()
	to := l.to(method, u)
	if len(to) == 0 {
		t.Fatalf("no %s %s", method, u)
	}
	return to[0]
}
