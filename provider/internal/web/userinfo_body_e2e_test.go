package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EUserInfoTokenInBody holds POST /userinfo to the form-encoded body
// method of [RFC 6750 Section 2.2], one of the Bearer methods
// [OIDC Core Section 5.3.1] allows: the access_token of a single-part
// application/x-www-form-urlencoded POST body is taken, a body of any other
// type or on a GET is not read, a token sent both in the header and in the
// body is invalid_request ([RFC 6750 Section 2]), and a DPoP-bound token is
// refused there as it is as a Bearer header ([RFC 9449 Section 7.2]). It
// runs on SQLite and on PostgreSQL.
func TestE2EUserInfoTokenInBody(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		at := newBrowser(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "email")).AccessToken
		d := newDPoPClient(t, srv)
		code, verifier := codeFor(t, srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid"))
		status, bound := d.token(codeGrant(code, verifier, demoRedirectURI), demoBasic)
		wantBound(t, status, bound, d.key)
		form := func(token string) string { return url.Values{"access_token": {token}}.Encode() }
		multipart := "--x\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n" + at + "\r\n--x--\r\n"

		tests := []struct {
			name          string
			req           badRequest // path /userinfo; contentType "" is a form
			wantStatus    int
			wantError     string // error="…" in the challenge; "" for none
			wantInMessage string // in the body: the claims, or the error_description
		}{
			{"a token in the form body is taken (RFC 6750 Section 2.2)",
				badRequest{method: "POST", body: form(at)}, 200, "", `"demo@example.com"`},
			{"a form Content-Type with parameters is a form",
				badRequest{method: "POST", contentType: formCT + "; charset=UTF-8", body: form(at)}, 200, "", `"demo@example.com"`},
			{"a token in both the header and the body is invalid_request (RFC 6750 Section 2, RFC 6750 Section 3.1)",
				badRequest{method: "POST", body: form(at), header: map[string]string{"Authorization": "Bearer " + at}}, 400, "invalid_request", "one method"},
			{"a body of another Content-Type is not read: no token (RFC 6750 Section 2.2)",
				badRequest{method: "POST", contentType: "text/plain", body: form(at)}, 401, "", ""},
			{"a multipart body is not read: no token (RFC 6750 Section 2.2: single-part)",
				badRequest{method: "POST", contentType: "multipart/form-data; boundary=x", body: multipart}, 401, "", ""},
			{"the body of a GET is not read: no token (RFC 6750 Section 2.2)",
				badRequest{method: "GET", body: form(at)}, 401, "", ""},
			{"an invalid token in the body is invalid_token (RFC 6750 Section 3.1)",
				badRequest{method: "POST", body: form("garbage")}, 401, "invalid_token", "not a valid token of this server"},
			{"a DPoP-bound token in the body is refused as a Bearer token (RFC 9449 Section 7.2)",
				badRequest{method: "POST", body: form(bound.AccessToken)}, 401, "invalid_token", "DPoP-bound"},
			{"a repeated access_token is invalid_request",
				badRequest{method: "POST", body: form(at) + "&" + form(at)}, 400, "invalid_request", "one non-empty access_token"},
			{"an empty access_token is invalid_request",
				badRequest{method: "POST", body: "access_token="}, 400, "invalid_request", "one non-empty access_token"},
			{"a malformed form is invalid_request",
				badRequest{method: "POST", body: form(at) + "&%zz"}, 400, "invalid_request", "not a valid form"},
			{"a 2 MB body is invalid_request (the size limit)",
				badRequest{method: "POST", body: form(at) + "&x=" + strings.Repeat("a", bigBody)}, 400, "invalid_request", "too large"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.req.path = "/userinfo"
				resp, body := sendBadRequest(t, srv, tc.req)
				if resp.StatusCode != tc.wantStatus || !strings.Contains(body, tc.wantInMessage) {
					t.Fatalf("got %d %.300s, want %d with %q", resp.StatusCode, body, tc.wantStatus, tc.wantInMessage)
				}
				wantBearerChallenge(t, resp, srv.Issuer, tc.wantError)
			})
		}
	})
}

// wantBearerChallenge checks the WWW-Authenticate header of a resource's
// answer: none on success; else the Bearer challenge of
// [RFC 6750 Section 3] with the error code wantError (none when the
// request carried no token, [RFC 6750 Section 3.1]) and the resource's
// metadata ([RFC 9728 Section 5.1]).
func wantBearerChallenge(t *testing.T, resp *http.Response, issuer, wantError string) {
	t.Helper()
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode == http.StatusOK {
		if challenge != "" {
			t.Errorf("WWW-Authenticate: got %q, want none", challenge)
		}
		return
	}
	if !strings.HasPrefix(challenge, `Bearer realm="`+issuer+`"`) || !strings.Contains(challenge, "resource_metadata=") {
		t.Errorf("WWW-Authenticate: got %q, want a Bearer challenge with the resource's metadata", challenge)
	}
	switch {
	case wantError == "" && strings.Contains(challenge, "error="):
		t.Errorf("WWW-Authenticate: got %q, want no error code", challenge)
	case wantError != "" && !strings.Contains(challenge, `error="`+wantError+`"`):
		t.Errorf("WWW-Authenticate: got %q, want error=%q", challenge, wantError)
	}
}

// TestE2EBearerMethodsOfTheResourceMetadata holds the protected resource
// metadata's bearer_methods_supported ([RFC 9728 Section 2]) to exactly
// ["header"], the method every endpoint of the resource takes, so that a
// client that follows the metadata succeeds at each of them; the form
// body of [RFC 6750 Section 2.2] is taken at /userinfo alone
// ([OIDC Core Section 5.3.1]), and /protected/resource and /user/profile
// refuse it. It runs on SQLite and on PostgreSQL.
func TestE2EBearerMethodsOfTheResourceMetadata(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		resp, body := sendJSON(t, http.MethodGet, srv.URL+"/.well-known/oauth-protected-resource", "", "")
		var m struct {
			BearerMethodsSupported []string `json:"bearer_methods_supported"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &m) != nil || !slices.Equal(m.BearerMethodsSupported, []string{"header"}) {
			t.Fatalf("protected resource metadata: got %d %s, want bearer_methods_supported [\"header\"]", resp.StatusCode, body)
		}
		at := newBrowser(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")).AccessToken
		inBody := url.Values{"access_token": {at}}.Encode()
		for _, path := range []string{"/protected/resource", "/user/profile", "/userinfo"} {
			if resp, body := callResource(t, srv.URL+path, at); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s, token in the header: got %d %.200s, want 200", path, resp.StatusCode, body)
			}
		}
		if resp, body := sendBadRequest(t, srv, badRequest{method: "POST", path: "/userinfo", body: inBody}); resp.StatusCode != http.StatusOK {
			t.Errorf("POST /userinfo, token in the body: got %d %.200s, want 200", resp.StatusCode, body)
		}
		for _, path := range []string{"/protected/resource", "/user/profile"} {
			for method, want := range map[string]int{"GET": http.StatusUnauthorized, "POST": http.StatusMethodNotAllowed} {
				resp, body := sendBadRequest(t, srv, badRequest{method: method, path: path, body: inBody})
				if resp.StatusCode != want {
					t.Errorf("%s %s, token in the body: got %d %.200s, want %d", method, path, resp.StatusCode, body, want)
				}
			}
		}
	})
}
