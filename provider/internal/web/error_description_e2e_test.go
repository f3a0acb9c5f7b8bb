package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/dpoptest"
	"github.com/oauth-reference/provider/providertest"
)

// challengeDescription is the error_description attribute of a
// WWW-Authenticate challenge, a quoted string that ends the challenge or
// is followed by the next attribute.
var challengeDescription = regexp.MustCompile(`error_description="([^"\\]*)"(?:,|$)`)

// checkErrorDescriptions checks each error_description an answer carries
// (in its redirect's query, its JSON body, its WWW-Authenticate challenge)
// and returns them: "Values for the "error_description" parameter MUST NOT
// include characters outside the set %x20-21 / %x23-5B / %x5D-7E"
// (RFC 6749 Section 4.1.2.1, RFC 6749 Section 5.2). A challenge's must be
// one whole quoted string, the same as the body's.
func checkErrorDescriptions(t *testing.T, what string, resp *http.Response, body string) []string {
	t.Helper()
	var found []string
	if location := resp.Header.Get("Location"); location != "" {
		if loc, err := url.Parse(location); err == nil {
			found = append(found, loc.Query()["error_description"]...)
		}
	}
	inBody := ""
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if inBody = jsonField(body, "error_description"); inBody != "" {
			found = append(found, inBody)
		}
	}
	for _, challenge := range resp.Header.Values("WWW-Authenticate") {
		m := challengeDescription.FindStringSubmatch(challenge)
		switch {
		case m == nil && strings.Contains(challenge, "error_description="):
			t.Errorf("%s: the challenge's error_description is no whole quoted string: %s", what, challenge)
		case m != nil && inBody != "" && m[1] != inBody:
			t.Errorf("%s: the challenge's error_description %q is not the body's %q", what, m[1], inBody)
		case m != nil:
			found = append(found, m[1])
		}
	}
	for _, d := range found {
		if i := strings.IndexFunc(d, func(r rune) bool { return r < 0x20 || r > 0x7e || r == '"' || r == '\\' }); i >= 0 {
			t.Errorf("%s: error_description %q has %q at byte %d, outside %%x20-21 / %%x23-5B / %%x5D-7E (RFC 6749 Section 5.2)", what, d, d[i:], i)
		}
	}
	return found
}

// TestE2EErrorDescriptionCharset: the refusals that quote what the caller
// sent send it as an error_description may hold it
// (RFC 6749 Section 4.1.2.1, RFC 6749 Section 5.2): in single quotes, whole
// up to 16 bytes, a longer value by its first 4 characters and its length,
// each byte outside the allowed set written %XX, in a redirect, a JSON
// body and a WWW-Authenticate challenge alike; an error page shows the
// value as it was sent. On each store.
func TestE2EErrorDescriptionCharset(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		cases := []struct {
			name string
			send func(t *testing.T) (*http.Response, string)
			want string
		}{
			{"an unknown scope, in single quotes (RFC 6749 Section 4.1.2.1)",
				authorizeWith(srv, "&scope=openid+bogus"), "unknown scope: 'bogus'"},
			{"a non-ASCII scope: its bytes written %XX", authorizeWith(srv, "&scope=openid+%C3%BC"), "unknown scope: '%C3%BC'"},
			{"a scope over 16 bytes: its first 4 characters and its length", authorizeWith(srv, "&scope=openid+%C3%BC"+strings.Repeat("x", 39)),
				"unknown scope: '%C3%BCxxx...' (41 bytes)"},
			{"an unknown prompt value", authorizeWith(srv, "&prompt=bogus"), "unknown prompt value 'bogus'"},
			{"an unsupported grant type (RFC 6749 Section 5.2)",
				tokenWith(srv, "grant_type=password"), "unsupported grant_type 'password'"},
			{"a grant type with a double quote and a backslash: both written %XX",
				tokenWith(srv, "grant_type=%22pass%5Cword%22"), "unsupported grant_type '%22pass%5Cword%22'"},
			{"a refresh asking for a scope the grant lacks (RFC 6749 Section 6)",
				refreshWith(srv, "write"), "scope 'write' was not granted"},
			{"a registered redirect URI with a quote, a backslash and non-ASCII (RFC 7591 Section 3.2.2)",
				func(t *testing.T) (*http.Response, string) {
					return sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", `{"redirect_uris":["https://app.example/\"\\ü"]}`, "")
				},
				"redirect URI 'https://app.example/%22%5C%C3%BC' has a character a URI may not hold (a space, a quote, <, >, a letter outside ASCII not percent-encoded...)"},
			{"a DPoP proof's htm with a quote, in the challenge and the body (RFC 6750 Section 3)",
				dpopWithHTM(srv, `G"\ü`), "the DPoP proof's htm 'G%22%5C%C3%BC' is not this request's method GET"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := tc.send(t)
				found := checkErrorDescriptions(t, tc.name, resp, body)
				if len(found) == 0 {
					t.Fatalf("got %d with no error_description: Location %q, body %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
				}
				for _, got := range found {
					if got != tc.want {
						t.Errorf("error_description: got %q, want %q", got, tc.want)
					}
				}
			})
		}

		t.Run("an error page shows the value as it was sent", func(t *testing.T) {
			resp, page := sendBadRequest(t, srv, badRequest{method: http.MethodGet,
				path: "/oauth/authorize?response_type=code&client_id=%C3%BC%22&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback"})
			if want := html.EscapeString(`unknown client_id 'ü"'`); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, want) {
				t.Errorf("got %d, want 400 and a page showing %s:\n%.600s", resp.StatusCode, want, page)
			}
		})
	})
}

// TestE2EErrorTextsHoldNoSecret: a client secret (33 bytes) sent as
// client_id, and a refresh token (43 bytes) sent as a scope or a
// grant_type, do not come back in an error_description, an error page or
// the authorization error redirect's URL: an error text names a value over
// 16 bytes by its first 4 characters and its length. On each store.
func TestE2EErrorTextsHoldNoSecret(t *testing.T) {
	const (
		secret = "Zq7SecretClientValue9A8B7C6D5E4F3"
		token  = "JfcwzmNuTsahuaII_hsuXKfByiuWqAMiAV9-r1SuXyZ"
	)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		get := func(path string) func(t *testing.T) (*http.Response, string) {
			return func(t *testing.T) (*http.Response, string) {
				return sendBadRequest(t, srv, badRequest{method: http.MethodGet, path: path})
			}
		}
		for _, tc := range []struct {
			name string
			send func(t *testing.T) (*http.Response, string)
			want string // in the error_description, or else on the page
		}{
			{"a secret as client_id beside Basic credentials", tokenWith(srv, "grant_type=client_credentials&client_id="+secret),
				"client_id 'Zq7S...' (33 bytes) is not the client of the HTTP Basic credentials"},
			{"a token as grant_type", tokenWith(srv, "grant_type="+token), "unsupported grant_type 'Jfcw...' (43 bytes)"},
			{"a token as a scope, in the redirect's URL", authorizeWith(srv, "&scope=read+"+token), "unknown scope: 'Jfcw...' (43 bytes)"},
			{"a secret as client_id, on the authorization error page",
				get("/oauth/authorize?" + strings.Replace(okAuth, "testclient", secret, 1)), "unknown client_id 'Zq7S...' (33 bytes)"},
			{"a secret as client_id, on the logout error page", get("/oauth/logout?client_id=" + secret), "unknown client_id 'Zq7S...' (33 bytes)"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := tc.send(t)
				answer := resp.Header.Get("Location") + "\n" + body
				for _, value := range []string{secret, token} {
					if strings.Contains(answer, value[:8]) {
						t.Errorf("the answer (%d) holds the value sent: %.600s", resp.StatusCode, answer)
					}
				}
				if got := errorDescriptionOf(resp, body); got != tc.want && !strings.Contains(body, html.EscapeString(tc.want)) {
					t.Errorf("got %d, error_description %q, want %q in it or on the page: %.600s", resp.StatusCode, got, tc.want, body)
				}
			})
		}
	})
}

// authorizeWith sends the demo client's authorization request with extra
// parameters.
func authorizeWith(srv *providertest.Server, extra string) func(t *testing.T) (*http.Response, string) {
	return func(t *testing.T) (*http.Response, string) {
		return sendBadRequest(t, srv, badRequest{method: http.MethodGet, path: "/oauth/authorize?" + okAuth + extra})
	}
}

// tokenWith sends a token request of the demo client with form.
func tokenWith(srv *providertest.Server, form string) func(t *testing.T) (*http.Response, string) {
	return func(t *testing.T) (*http.Response, string) {
		return rawPost(t, srv.URL+"/oauth/token", form, basicDemo)
	}
}

// refreshWith refreshes a fresh "read" grant of the demo client, asking for scope.
func refreshWith(srv *providertest.Server, scope string) func(t *testing.T) (*http.Response, string) {
	return func(t *testing.T) (*http.Response, string) {
		tok := newBrowser(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "read"))
		return rawPost(t, srv.URL+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
			"scope": {scope}}.Encode(), basicDemo)
	}
}

// dpopWithHTM calls the resource with a DPoP-bound token and a proof that
// names htm as its method.
func dpopWithHTM(srv *providertest.Server, htm string) func(t *testing.T) (*http.Response, string) {
	return func(t *testing.T) (*http.Response, string) {
		d, tr := boundClientCredentials(t, srv, "read")
		proof := d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: htm, HTU: srv.Issuer + "/protected/resource",
			ATH: dpoptest.ATH(tr.AccessToken)}, dpoptest.Options{})
		return d.raw(http.MethodGet, "/protected/resource", nil, nil, tr.AccessToken, proof)
	}
}
