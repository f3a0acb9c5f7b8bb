package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/providertest"
)

// badRequest is one malformed request and the protocol answer it must get.
type badRequest struct {
	name        string
	method      string
	path        string // with query
	contentType string // "" = form
	body        string
	header      map[string]string
	moreHeader  http.Header // values added after header's: a header sent twice
	wantStatus  int
	wantError   string // the "error" of the JSON body or of the redirect; "" = not checked
	wantSaying  string // a part of its error_description; "" = not checked
}

const (
	okAuth  = "response_type=code&client_id=testclient&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&state=s1"
	formCT  = "application/x-www-form-urlencoded"
	bigBody = 2 << 20 // 2 MB

	// demoUser names the demo user in a form body; demoLogin adds its
	// password.
	demoUser  = "&username=" + providertest.DemoUsername
	demoLogin = demoUser + "&password=" + providertest.DemoPassword
)

func badAuthorizeRequests() []badRequest {
	return []badRequest{
		{name: "no parameters: error page, no redirect", method: "GET", path: "/oauth/authorize", wantStatus: 400},
		{name: "unknown client: error page, never redirected (RFC 6749 Section 4.1.2.1)", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2F", wantStatus: 400},
		{name: "unregistered redirect_uri: error page, never redirected", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=testclient&redirect_uri=https%3A%2F%2Fevil.example%2Fcallback", wantStatus: 400},
		{name: "repeated client_id: error page", method: "GET", path: "/oauth/authorize?" + okAuth + "&client_id=testclient", wantStatus: 400},
		{name: "repeated state: redirected invalid_request (RFC 6749 Section 3.1)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&state=s2", wantStatus: 302, wantError: "invalid_request"},
		{name: "missing response_type: redirected invalid_request", method: "GET",
			path: "/oauth/authorize?" + strings.Replace(okAuth, "response_type=code&", "", 1), wantStatus: 302, wantError: "invalid_request"},
		{name: "implicit grant refused: unsupported_response_type", method: "GET",
			path: "/oauth/authorize?" + strings.Replace(okAuth, "response_type=code", "response_type=token", 1), wantStatus: 302, wantError: "unsupported_response_type"},
		{name: "hybrid flow refused", method: "GET",
			path: "/oauth/authorize?" + strings.Replace(okAuth, "response_type=code", "response_type=code+id_token", 1), wantStatus: 302, wantError: "unsupported_response_type"},
		{name: "request object refused: request_not_supported (OIDC Core Section 6)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&request=eyJhbGciOiJub25lIn0.e30.", wantStatus: 302, wantError: "request_not_supported"},
		{name: "a request_uri to fetch refused: request_uri_not_supported, never fetched (OIDC Core Section 6.2)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&request_uri=https%3A%2F%2Fevil.example%2Fr", wantStatus: 302, wantError: "request_uri_not_supported"},
		{name: "a request_uri to fetch with an unregistered redirect_uri: error page, no redirect", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=testclient&redirect_uri=https%3A%2F%2Fevil.example%2Fcallback&request_uri=https%3A%2F%2Fevil.example%2Fr", wantStatus: 400},
		{name: "a request_uri of the PAR endpoint's form it did not issue: invalid_request_uri page (RFC 9126 Section 4)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Amade-up", wantStatus: 400, wantError: "invalid_request_uri"},
		{name: "repeated request_uri: error page", method: "GET",
			path: "/oauth/authorize?client_id=testclient&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aa&request_uri=b", wantStatus: 400},
		{name: "response_mode other than query refused", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&response_mode=fragment", wantStatus: 302, wantError: "invalid_request"},
		{name: "PKCE plain refused (RFC 9700 Section 2.1.1)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain", wantStatus: 302, wantError: "invalid_request"},
		{name: "a code_challenge with a line break: invalid_request (RFC 7636 Section 4.2)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c%0A&code_challenge_method=S256", wantStatus: 302, wantError: "invalid_request"},
		{name: "a dpop_jkt with a line break: invalid_request (RFC 9449 Section 10)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&dpop_jkt=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c%0A", wantStatus: 302, wantError: "invalid_request"},
		{name: "unknown scope: invalid_scope", method: "GET", path: "/oauth/authorize?" + okAuth + "&scope=read+admin", wantStatus: 302, wantError: "invalid_scope"},
		{name: "an unknown scope with a quote, a backslash and non-ASCII: invalid_scope, its error_description within RFC 6749's characters (RFC 6749 Section 4.1.2.1)", method: "GET",
			path: "/oauth/authorize?" + okAuth + "&scope=read+%22%5C%C3%BC", wantStatus: 302, wantError: "invalid_scope"},
		{name: "public client without PKCE: invalid_request", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=spa-client&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fspa%2Fcallback", wantStatus: 302, wantError: "invalid_request"},
		{name: "POST with a JSON body: error page", method: "POST", path: "/oauth/authorize", contentType: "application/json", body: `{"client_id":"testclient"}`, wantStatus: 400},
		{name: "POST with a 2 MB body: error page", method: "POST", path: "/oauth/authorize", body: okAuth + "&x=" + strings.Repeat("a", bigBody), wantStatus: 400},
		{name: "PUT: method not allowed", method: "PUT", path: "/oauth/authorize", wantStatus: 405},
		{name: "a NUL in client_id: error page, no redirect (RFC 6749 Appendix B)", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=test%00client&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback", wantStatus: 400},
		{name: "invalid UTF-8 in client_id: error page", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=%ff&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback", wantStatus: 400},
		{name: "a NUL in redirect_uri: error page, no redirect", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=testclient&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback%00", wantStatus: 400},
		{name: "a NUL in nonce: redirected invalid_request that names a control character", method: "GET", path: "/oauth/authorize?" + okAuth + "&scope=openid&nonce=%00",
			wantStatus: 302, wantError: "invalid_request", wantSaying: "nonce holds a NUL, a control character"},
		{name: "invalid UTF-8 in state: redirected invalid_request", method: "GET", path: "/oauth/authorize?" + strings.Replace(okAuth, "state=s1", "state=%ff", 1),
			wantStatus: 302, wantError: "invalid_request", wantSaying: "state is not valid UTF-8"},
		{name: "invalid UTF-8 in prompt: redirected invalid_request", method: "GET", path: "/oauth/authorize?" + okAuth + "&prompt=%fe", wantStatus: 302, wantError: "invalid_request"},
		{name: "a prompt of 64,000 values: redirected invalid_request", method: "GET", path: "/oauth/authorize?" + okAuth + "&prompt=" + strings.Repeat("login+", 64_000), wantStatus: 302, wantError: "invalid_request"},
		{name: "a state over 4096 bytes: redirected invalid_request that names it", method: "GET", path: "/oauth/authorize?" + okAuth + strings.Repeat("s", 4096),
			wantStatus: 302, wantError: "invalid_request", wantSaying: "parameter state is longer than 4096 bytes"},
		{name: "a max_age of 4097 digits: redirected invalid_request", method: "GET", path: "/oauth/authorize?" + okAuth + "&max_age=" + strings.Repeat("0", 4096) + "1",
			wantStatus: 302, wantError: "invalid_request", wantSaying: "parameter max_age is longer than 4096 bytes"},
		{name: "a ui_locales over 4096 bytes: redirected invalid_request", method: "GET", path: "/oauth/authorize?" + okAuth + "&ui_locales=" + strings.Repeat("en+", 1366),
			wantStatus: 302, wantError: "invalid_request", wantSaying: "parameter ui_locales is longer than 4096 bytes"},
		{name: "a loopback redirect_uri whose port has 4097 digits: error page, no redirect", method: "GET",
			path: "/oauth/authorize?response_type=code&client_id=spa-client&redirect_uri=http%3A%2F%2Flocalhost%3A" + strings.Repeat("0", 4093) + "3000%2Fspa%2Fcallback", wantStatus: 400},
		{name: "a ';' in state: error page, no consent page and no redirect without the state (RFC 6749 Section 4.1.2)", method: "GET",
			path: "/oauth/authorize?" + strings.Replace(okAuth, "state=s1", "state=s1;s2", 1), wantStatus: 400, wantError: "invalid_request"},
		{name: "a broken %-escape in state: error page", method: "GET", path: "/oauth/authorize?" + strings.Replace(okAuth, "state=s1", "state=s1%zz", 1), wantStatus: 400, wantError: "invalid_request"},
		{name: "a scope of 64,000 values: redirected invalid_scope", method: "GET", path: "/oauth/authorize?" + okAuth + "&scope=" + strings.Repeat("read+", 64_000), wantStatus: 302, wantError: "invalid_scope"},
	}
}

func badAuthenticateRequests() []badRequest {
	return []badRequest{
		{name: "no parameters: error page", method: "POST", path: "/oauth/authenticate", wantStatus: 400},
		{name: "wrong password: the form again with 400, never a redirect", method: "POST", path: "/oauth/authenticate",
			body: okAuth + demoUser + "&password=wrong", wantStatus: 400},
		{name: "unknown user: the form again", method: "POST", path: "/oauth/authenticate",
			body: okAuth + "&username=nobody&password=" + providertest.DemoPassword, wantStatus: 400},
		{name: "no credentials and no session: the form again", method: "POST", path: "/oauth/authenticate", body: okAuth, wantStatus: 403},
		{name: "a 100 KB password: the form again", method: "POST", path: "/oauth/authenticate",
			body: okAuth + demoUser + "&password=" + strings.Repeat("p", 60<<10), wantStatus: 400},
		{name: "an unknown decision: the form again", method: "POST", path: "/oauth/authenticate",
			body: okAuth + demoLogin + "&decision=maybe", wantStatus: 400},
		{name: "unknown client: error page, no redirect", method: "POST", path: "/oauth/authenticate",
			body: "response_type=code&client_id=nobody" + demoLogin, wantStatus: 400},
		{name: "multipart body: error page", method: "POST", path: "/oauth/authenticate", contentType: "multipart/form-data; boundary=x", body: "--x--", wantStatus: 400},
		{name: "a 2 MB body: error page", method: "POST", path: "/oauth/authenticate", body: okAuth + "&x=" + strings.Repeat("a", bigBody), wantStatus: 400},
		{name: "GET: method not allowed", method: "GET", path: "/oauth/authenticate", wantStatus: 405},
		{name: "a repeated decision: the form again with 400, nothing decided (RFC 6749 Section 3.1)", method: "POST", path: "/oauth/authenticate",
			body: okAuth + demoLogin + "&decision=deny&decision=allow", wantStatus: 400},
		{name: "a repeated csrf_token: the form again with 400", method: "POST", path: "/oauth/authenticate",
			body: okAuth + "&csrf_token=a&csrf_token=b&decision=allow", wantStatus: 400},
		{name: "a repeated password: the form again with 400", method: "POST", path: "/oauth/authenticate",
			body: okAuth + demoUser + "&password=wrong&password=" + providertest.DemoPassword, wantStatus: 400},
		{name: "invalid UTF-8 in username: the form again", method: "POST", path: "/oauth/authenticate",
			body: okAuth + "&username=%ff&password=" + providertest.DemoPassword, wantStatus: 400},
		{name: "a NUL in username: the form again", method: "POST", path: "/oauth/authenticate",
			body: okAuth + "&username=" + providertest.DemoUsername + "%00&password=" + providertest.DemoPassword, wantStatus: 400},
		{name: "a NUL in password: the form again", method: "POST", path: "/oauth/authenticate",
			body: okAuth + demoLogin + "%00", wantStatus: 400},
		{name: "a NUL in the nonce of an approved request: redirected invalid_request, no code", method: "POST", path: "/oauth/authenticate",
			body: okAuth + "&scope=openid&nonce=%00" + demoLogin, wantStatus: 302, wantError: "invalid_request"},
	}
}

func badTokenRequests() []badRequest {
	post := "client_id=testclient&client_secret=testsecret"
	return []badRequest{
		{name: "GET: the token endpoint MUST use POST (RFC 6749 Section 3.2)", method: "GET", path: "/oauth/token?grant_type=client_credentials", wantStatus: 405, wantError: "invalid_request"},
		{name: "no grant_type: invalid_request", method: "POST", path: "/oauth/token", body: post, wantStatus: 400, wantError: "invalid_request"},
		{name: "parameters in the query, not the body: invalid_request", method: "POST", path: "/oauth/token?grant_type=client_credentials&" + post, wantStatus: 400, wantError: "invalid_request"},
		{name: "password grant: unsupported_grant_type", method: "POST", path: "/oauth/token", body: post + "&grant_type=password" + demoLogin, wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "a grant_type with a quote, a backslash and non-ASCII: unsupported_grant_type, its error_description within RFC 6749's characters (RFC 6749 Section 5.2)", method: "POST", path: "/oauth/token",
			body: post + "&grant_type=%22p%C3%A4ss%5C", wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "repeated code: invalid_request (RFC 6749 Section 3.2)", method: "POST", path: "/oauth/token", body: post + "&grant_type=authorization_code&code=a&code=b", wantStatus: 400, wantError: "invalid_request"},
		{name: "repeated grant_type: invalid_request", method: "POST", path: "/oauth/token", body: post + "&grant_type=client_credentials&grant_type=client_credentials", wantStatus: 400, wantError: "invalid_request"},
		{name: "JSON body: invalid_request", method: "POST", path: "/oauth/token", contentType: "application/json", body: `{"grant_type":"client_credentials"}`, wantStatus: 400, wantError: "invalid_request"},
		{name: "no content type: invalid_request", method: "POST", path: "/oauth/token", contentType: "-", body: post + "&grant_type=client_credentials", wantStatus: 400, wantError: "invalid_request"},
		{name: "a form media type with parameters, in other case, is read (RFC 6749 Section 3.2)", method: "POST", path: "/oauth/token", contentType: "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
			body: post + "&grant_type=password", wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "a semicolon between parameters: invalid_request", method: "POST", path: "/oauth/token", body: post + "&grant_type=client_credentials;scope=read", wantStatus: 400, wantError: "invalid_request"},
		{name: "a 2 MB body: invalid_request", method: "POST", path: "/oauth/token", body: post + "&grant_type=client_credentials&x=" + strings.Repeat("a", bigBody), wantStatus: 400, wantError: "invalid_request"},
		{name: "unknown client: 401 invalid_client", method: "POST", path: "/oauth/token", body: "client_id=nobody&client_secret=x&grant_type=client_credentials", wantStatus: 401, wantError: "invalid_client"},
		{name: "no client authentication: 401 invalid_client", method: "POST", path: "/oauth/token", body: "grant_type=client_credentials", wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong secret by Basic: 401 invalid_client", method: "POST", path: "/oauth/token", body: "grant_type=client_credentials",
			header: map[string]string{"Authorization": "Basic dGVzdGNsaWVudDp3cm9uZw=="}, wantStatus: 401, wantError: "invalid_client"},
		{name: "malformed Basic header: 401 invalid_client", method: "POST", path: "/oauth/token", body: "grant_type=client_credentials",
			header: map[string]string{"Authorization": "Basic !!!"}, wantStatus: 401, wantError: "invalid_client"},
		{name: "Basic and client_secret together: invalid_request (RFC 6749 Section 2.3)", method: "POST", path: "/oauth/token", body: "grant_type=client_credentials&client_secret=testsecret",
			header: map[string]string{"Authorization": "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0"}, wantStatus: 400, wantError: "invalid_request"},
		{name: "garbage code: invalid_grant", method: "POST", path: "/oauth/token", body: post + "&grant_type=authorization_code&code=garbage&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback", wantStatus: 400, wantError: "invalid_grant"},
		{name: "missing code: invalid_request", method: "POST", path: "/oauth/token", body: post + "&grant_type=authorization_code", wantStatus: 400, wantError: "invalid_request"},
		{name: "garbage refresh token: invalid_grant", method: "POST", path: "/oauth/token", body: post + "&grant_type=refresh_token&refresh_token=garbage", wantStatus: 400, wantError: "invalid_grant"},
		{name: "a binary refresh token: invalid_request (RFC 6749 Appendix B)", method: "POST", path: "/oauth/token", body: post + "&grant_type=refresh_token&refresh_token=%00%ff", wantStatus: 400, wantError: "invalid_request"},
		{name: "a NUL in client_id: invalid_request", method: "POST", path: "/oauth/token", body: "client_id=test%00client&client_secret=x&grant_type=client_credentials", wantStatus: 400, wantError: "invalid_request"},
		{name: "invalid UTF-8 in client_secret: invalid_request", method: "POST", path: "/oauth/token", body: "client_id=testclient&client_secret=%ff&grant_type=client_credentials", wantStatus: 400, wantError: "invalid_request"},
		{name: "a NUL in the client_id of a Basic header: 401 invalid_client", method: "POST", path: "/oauth/token", body: "grant_type=client_credentials",
			header: map[string]string{"Authorization": "Basic dGVzdCUwMGNsaWVudDp0ZXN0c2VjcmV0"}, wantStatus: 401, wantError: "invalid_client"},
		{name: "device_code grant for a client not registered for it: unauthorized_client", method: "POST", path: "/oauth/token",
			body: post + "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=x", wantStatus: 400, wantError: "unauthorized_client"},
		{name: "a client_assertion whose sub holds a NUL: 401 invalid_client", method: "POST", path: "/oauth/token",
			body: "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0ZXN0XHUwMDAwY2xpZW50IiwiaXNzIjoidGVzdGNsaWVudCJ9.eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA", wantStatus: 401, wantError: "invalid_client"},
		{name: "an invalid UTF-8 scope: invalid_request (RFC 6749 Appendix B)", method: "POST", path: "/oauth/token", body: post + "&grant_type=client_credentials&scope=%ff%fe",
			wantStatus: 400, wantError: "invalid_request", wantSaying: "scope is not valid UTF-8"},
		{name: "a NUL in scope: invalid_request that names a control character", method: "POST", path: "/oauth/token", body: post + "&grant_type=client_credentials&scope=read%00",
			wantStatus: 400, wantError: "invalid_request", wantSaying: "scope holds a NUL, a control character"},
		{name: "a form in UTF-16: invalid_request, not read as UTF-8 (RFC 6749 Appendix B)", method: "POST", path: "/oauth/token", contentType: formCT + "; charset=utf-16",
			body: post + "&grant_type=client_credentials", wantStatus: 400, wantError: "invalid_request", wantSaying: "UTF-8"},
		{name: "a form labelled ISO-8859-1 (Apache HttpClient 4's default) is read: its bytes are ASCII", method: "POST", path: "/oauth/token", contentType: formCT + "; charset=ISO-8859-1",
			body: post + "&grant_type=password", wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "a form labelled US-ASCII is read", method: "POST", path: "/oauth/token", contentType: formCT + "; charset=us-ascii",
			body: post + "&grant_type=password", wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "a gzip Content-Encoding: invalid_request, the body never read as the form", method: "POST", path: "/oauth/token", body: post + "&grant_type=client_credentials",
			header: map[string]string{"Content-Encoding": "gzip"}, wantStatus: 400, wantError: "invalid_request", wantSaying: "Content-Encoding"},
	}
}

func badTokenQueries() []badRequest {
	var out []badRequest
	for _, path := range []string{"/oauth/revoke", "/oauth/introspect"} {
		out = append(out,
			badRequest{name: path + ": a NUL in client_id: invalid_request", method: "POST", path: path, body: "client_id=test%00client&client_secret=x&token=t", wantStatus: 400, wantError: "invalid_request"},
			badRequest{name: path + ": invalid UTF-8 in client_id: invalid_request", method: "POST", path: path, body: "client_id=%ff&token=t", wantStatus: 400, wantError: "invalid_request"},
			badRequest{name: path + ": a NUL in token: invalid_request", method: "POST", path: path, body: "client_id=testclient&client_secret=testsecret&token=%00", wantStatus: 400, wantError: "invalid_request"},
			badRequest{name: path + ": a repeated token: invalid_request", method: "POST", path: path, body: "client_id=testclient&client_secret=testsecret&token=a&token=b", wantStatus: 400, wantError: "invalid_request"},
			badRequest{name: path + ": no client: 401 invalid_client", method: "POST", path: path, body: "token=a", wantStatus: 401, wantError: "invalid_client"},
			badRequest{name: path + ": a form in UTF-32: invalid_request", method: "POST", path: path, contentType: formCT + "; charset=utf-32",
				body: "client_id=testclient&client_secret=testsecret&token=a", wantStatus: 400, wantError: "invalid_request"},
		)
	}
	return out
}

func badOtherRequests() []badRequest {
	const jsonCT = "application/json"
	reg := `{"redirect_uris":["https://app.example/cb"]`
	return []badRequest{
		{name: "register: a valid body marked Content-Encoding: gzip: invalid_client_metadata, not read as plain JSON", method: "POST", path: "/oauth/register",
			contentType: jsonCT, body: reg + "}", header: map[string]string{"Content-Encoding": "gzip"}, wantStatus: 400, wantError: "invalid_client_metadata", wantSaying: "Content-Encoding"},
		{name: "register: a NUL in client_name: invalid_client_metadata (RFC 7591 Section 3.2.2)", method: "POST", path: "/oauth/register",
			contentType: jsonCT, body: reg + `,"client_name":"a\u0000b"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
		{name: "register: a NUL in a redirect URI: invalid_redirect_uri", method: "POST", path: "/oauth/register",
			contentType: jsonCT, body: `{"redirect_uris":["https://app.example/c\u0000b"]}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
		{name: "register: a redirect URI with a quote, a backslash and non-ASCII: invalid_redirect_uri", method: "POST", path: "/oauth/register",
			contentType: jsonCT, body: `{"redirect_uris":["http://app.example/\"\\ü"]}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
		{name: "register: a JWK Set of malformed keys: invalid_client_metadata", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: reg + `,"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}]}}`, wantStatus: 400, wantError: "invalid_client_metadata"},
		{name: "register: member names are exact, Redirect_URIs is not redirect_uris: refused as without redirect URIs", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: `{"Redirect_URIs":["http://127.0.0.1:9/x"],"TOKEN_ENDPOINT_AUTH_METHOD":"none"}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
		{name: "register: redirect_uriſ with a long s is not redirect_uris", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: `{"redirect_uriſ":["http://127.0.0.1:9/x"]}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
		{name: "register: redirect_uris twice: invalid_client_metadata, not the last one silently (RFC 8259 Section 4)", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: `{"redirect_uris":["https://app.example/a"],"redirect_uris":["http://127.0.0.1:9/x"]}`, wantStatus: 400, wantError: "invalid_client_metadata", wantSaying: "repeated"},
		{name: "register: an unknown member twice: invalid_client_metadata", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: reg + `,"x":1,"x":2}`, wantStatus: 400, wantError: "invalid_client_metadata", wantSaying: "repeated"},
		{name: "register: a member of the wrong type: invalid_client_metadata that says so", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: reg + `,"scope":["read"]}`, wantStatus: 400, wantError: "invalid_client_metadata", wantSaying: "wrong JSON type"},
		{name: "register: a redirect URI on port 0: invalid_redirect_uri", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: `{"redirect_uris":["http://127.0.0.1:0/x"]}`, wantStatus: 400, wantError: "invalid_redirect_uri", wantSaying: "port"},
		{name: "register: a redirect URI on port 99999: invalid_redirect_uri", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: `{"redirect_uris":["https://app.example:99999/cb"]}`, wantStatus: 400, wantError: "invalid_redirect_uri", wantSaying: "port"},
		{name: "register: a post-logout redirect URI on port 65536: invalid_redirect_uri", method: "POST", path: "/oauth/register", contentType: jsonCT,
			body: reg + `,"post_logout_redirect_uris":["https://app.example:65536/"]}`, wantStatus: 400, wantError: "invalid_redirect_uri", wantSaying: "port"},
		{name: "register: an 8192-bit RSA key: invalid_client_metadata that names the size", method: "POST", path: "/oauth/register",
			contentType: jsonCT, body: reg + `,"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"RSA","e":"AQAB","n":"` + strings.Repeat("_", 8192/6+1) + `"}]}}`,
			wantStatus: 400, wantError: "invalid_client_metadata", wantSaying: "RSA keys of more than 4096 bits are not accepted"},
		{name: "register: 100,000 nested arrays: invalid_client_metadata", method: "POST", path: "/oauth/register",
			contentType: jsonCT, body: strings.Repeat("[", 100_000), wantStatus: 400, wantError: "invalid_client_metadata"},
		{name: "register: a NUL in the client_id of the path: 401 invalid_token (RFC 7592 Section 2)", method: "GET", path: "/oauth/register/a%00b",
			header: map[string]string{"Authorization": "Bearer abc"}, wantStatus: 401, wantError: "invalid_token"},
		{name: "register: an encoded / in the client_id of the path is no separator (RFC 3986 Section 2.2): 401 invalid_token, as for any unknown client (RFC 7592 Section 2.1)", method: "GET",
			path: "/oauth/register/test%2Fclient", header: map[string]string{"Authorization": "Bearer abc"}, wantStatus: 401, wantError: "invalid_token"},
		{name: "register: a registration access token in the query string to read a client: 400 invalid_request (RFC 9700 Section 4.3.2)", method: "GET",
			path: "/oauth/register/testclient?access_token=abc", wantStatus: 400, wantError: "invalid_request", wantSaying: "query string"},
		{name: "register: a registration access token in the query string to delete a client: 400 invalid_request", method: "DELETE",
			path: "/oauth/register/testclient?access_token=abc", wantStatus: 400, wantError: "invalid_request", wantSaying: "query string"},
		{name: "register: an access token in the query string of a valid registration: 400 invalid_request, nothing registered", method: "POST",
			path: "/oauth/register?access_token=abc", contentType: jsonCT, body: `{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`,
			wantStatus: 400, wantError: "invalid_request", wantSaying: "query string"},
		{name: "logout: a NUL in client_id: error page", method: "GET", path: "/oauth/logout?client_id=%00", wantStatus: 400},
		{name: "logout: a ';' in state: error page, no redirect without the state", method: "GET",
			path: "/oauth/logout?client_id=testclient&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000%2F&state=s1;s2", wantStatus: 400, wantError: "invalid_request"},
		{name: "logout: a NUL in post_logout_redirect_uri: error page, no redirect", method: "GET",
			path: "/oauth/logout?client_id=testclient&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000%2F%00&state=s1", wantStatus: 400},
		{name: "device authorization: a NUL in client_id: invalid_request", method: "POST", path: "/oauth/device/code", body: "client_id=device%00-client", wantStatus: 400, wantError: "invalid_request"},
		{name: "PAR: a NUL in nonce: invalid_request", method: "POST", path: "/oauth/par", body: okAuth + "&client_secret=testsecret&nonce=%00", wantStatus: 400, wantError: "invalid_request"},
		{name: "PAR: a nonce over 4096 bytes: invalid_request", method: "POST", path: "/oauth/par", body: okAuth + "&client_secret=testsecret&nonce=" + strings.Repeat("n", 4097),
			wantStatus: 400, wantError: "invalid_request", wantSaying: "parameter nonce is longer than 4096 bytes"},
		{name: "PAR: a loopback redirect_uri whose port has 4097 digits: invalid_request", method: "POST", path: "/oauth/par",
			body:       "response_type=code&client_id=spa-client&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&redirect_uri=http%3A%2F%2Flocalhost%3A" + strings.Repeat("0", 4093) + "3000%2Fspa%2Fcallback",
			wantStatus: 400, wantError: "invalid_request", wantSaying: "redirect_uri must be at most 4096 bytes"},
		{name: "token: a DPoP header that is no JWT: invalid_dpop_proof (RFC 9449 Section 4.3)", method: "POST", path: "/oauth/token", body: "grant_type=client_credentials",
			header: map[string]string{"Authorization": basicDemo["Authorization"], "DPoP": "a.b.c"}, wantStatus: 400, wantError: "invalid_dpop_proof"},
		{name: "resource: an unsigned token (alg none): 401 invalid_token", method: "GET", path: "/protected/resource", contentType: "-",
			header: map[string]string{"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}, wantStatus: 401, wantError: "invalid_token"},
		{name: "resource: a DPoP token and proof with alg none: 401 invalid_token", method: "GET", path: "/protected/resource", contentType: "-",
			header: map[string]string{"Authorization": "DPoP eyJhbGciOiJub25lIn0.e30.", "DPoP": "eyJhbGciOiJub25lIn0.e30."}, wantStatus: 401, wantError: "invalid_token"},
	}
}

// badResourceRequests are malformed ways of presenting accessToken, a valid
// token, to the resource.
func badResourceRequests(accessToken string) []badRequest {
	get := badRequest{method: "GET", path: "/protected/resource", contentType: "-"}
	with := func(name string, header map[string]string, more http.Header, status int, code, saying string) badRequest {
		r := get
		r.name, r.header, r.moreHeader, r.wantStatus, r.wantError, r.wantSaying = name, header, more, status, code, saying
		return r
	}
	bearer := map[string]string{"Authorization": "Bearer " + accessToken}
	return []badRequest{
		with("a valid token, then a second Authorization header: invalid_request (RFC 6750 Section 3.1)", bearer,
			http.Header{"Authorization": {"Bearer garbage"}}, 400, "invalid_request", "more than one Authorization header"),
		with("Basic, then a valid Bearer token: invalid_request", map[string]string{"Authorization": "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0"},
			http.Header{"Authorization": {"Bearer " + accessToken}}, 400, "invalid_request", "more than one Authorization header"),
		with("a tab between Bearer and the token: invalid_request, a malformed credential (RFC 6750 Section 2.1)",
			map[string]string{"Authorization": "Bearer\t" + accessToken}, nil, 400, "invalid_request", "a space and one token"),
		with("Bearer and two words: invalid_request, not invalid_token", map[string]string{"Authorization": "Bearer a b"}, nil, 400, "invalid_request", "a space and one token"),
		with("DPoP and a token with a comma: invalid_request (RFC 9449 Section 7.1)", map[string]string{"Authorization": "DPoP a,b"}, nil, 400, "invalid_request", "a space and one token"),
		with("the valid token after two spaces: accepted (1*SP)", map[string]string{"Authorization": "Bearer  " + accessToken}, nil, 200, "", ""),
		with("another scheme alone is no credentials: 401 without an error code (RFC 6750 Section 3.1)", map[string]string{"Authorization": "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0"}, nil, 401, "", ""),
		{name: "a POST form in UTF-16: invalid_request", method: "POST", path: "/userinfo", contentType: formCT + "; charset=utf-16",
			body: "access_token=" + accessToken, wantStatus: 400, wantError: "invalid_request", wantSaying: "UTF-8"},
	}
}

// TestE2EBadInput sends malformed requests of every kind to the authorization,
// authenticate, token, revocation and introspection endpoints, and some to
// registration, logout, device authorization, PAR and the resource, on
// each store: each gets the protocol's error, never a 500, and a code
// issued before them is still redeemable after them.
func TestE2EBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "read")
		verifier := oauth2.GenerateVerifier()
		code := getCode(t, srv, cfg, oauth2.S256ChallengeOption(verifier))
		_, _, tok := exchangeCode(t, srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid read"))

		groups := map[string][]badRequest{"authorize": badAuthorizeRequests(), "authenticate": badAuthenticateRequests(),
			"token": badTokenRequests(), "revoke and introspect": badTokenQueries(), "register, logout, device, PAR, DPoP": badOtherRequests(),
			"resource": badResourceRequests(tok.AccessToken)}
		for group, cases := range groups {
			for _, tc := range cases {
				t.Run(group+"/"+tc.name, func(t *testing.T) { checkBadRequest(t, srv, tc) })
			}
		}
		if _, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); err != nil {
			t.Errorf("the code issued before the bad requests: got %v, want it still redeemable", err)
		}
	})
}

// newRequest builds tc's request to the server at base: a form unless
// tc.contentType names another type, or is "-" for none.
func (tc badRequest) newRequest(base string) (*http.Request, error) {
	req, err := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
	if err != nil {
		return nil, err
	}
	switch tc.contentType {
	case "":
		req.Header.Set("Content-Type", formCT)
	case "-":
	default:
		req.Header.Set("Content-Type", tc.contentType)
	}
	for k, v := range tc.header {
		req.Header.Set(k, v)
	}
	for k, values := range tc.moreHeader {
		for _, v := range values {
			req.Header.Add(k, v)
		}
	}
	return req, nil
}

// sendBadRequest sends tc's request to srv and returns the answer.
func sendBadRequest(t *testing.T, srv *providertest.Server, tc badRequest) (*http.Response, string) {
	t.Helper()
	req, err := tc.newRequest(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, providertest.ReadBody(t, resp)
}

func checkBadRequest(t *testing.T, srv *providertest.Server, tc badRequest) {
	resp, body := sendBadRequest(t, srv, tc)
	if resp.StatusCode != tc.wantStatus {
		t.Fatalf("status: got %d, want %d; body %.300s", resp.StatusCode, tc.wantStatus, body)
	}
	if strings.Contains(body, "goroutine ") || strings.Contains(body, "panic") {
		t.Errorf("the answer shows a stack trace: %.300s", body)
	}
	checkErrorCode(t, resp, body, tc.wantError)
	checkErrorDescriptions(t, tc.name, resp, body)
	if got := errorDescriptionOf(resp, body); !strings.Contains(got, tc.wantSaying) {
		t.Errorf("error_description: got %q, want it to say %q", got, tc.wantSaying)
	}
}

// errorDescriptionOf is the error_description of a redirect or a JSON body,
// or "".
func errorDescriptionOf(resp *http.Response, body string) string {
	if resp.StatusCode == http.StatusFound {
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query().Get("error_description")
	}
	var e struct {
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Description
}

// checkErrorCode finds the error code in a redirect or a JSON body and
// compares it; any other answer (an error page, a bare challenge) must at
// least name it when one is wanted.
func checkErrorCode(t *testing.T, resp *http.Response, body, want string) {
	t.Helper()
	var got string
	switch {
	case resp.StatusCode == http.StatusFound:
		loc, _ := url.Parse(resp.Header.Get("Location"))
		got = loc.Query().Get("error")
		if loc.Query().Get("iss") == "" {
			t.Errorf("error redirect %s has no iss (RFC 9207)", loc.Redacted())
		}
	case strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"):
		var e struct{ Error string }
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("JSON error body: %v: %s", err, body)
		}
		got = e.Error
	default:
		if resp.Header.Get("Location") != "" {
			t.Errorf("an error page must not redirect, got Location %s", resp.Header.Get("Location"))
		}
		if want != "" && !strings.Contains(body, want) {
			t.Errorf("error: want %q, got a %s answer that does not name it: %.200s", want, resp.Header.Get("Content-Type"), body)
		}
		return
	}
	if want != "" && got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
}

// TestE2ETwoContentTypeHeadersUnreadBody: on each store, a GET or HEAD to
// a resource with a valid access token and two Content-Type headers is
// answered: its body is never read (oauth.MethodHasBody), so neither
// header is, and the trace holds no Content-Type rule
// (RFC 9110 Section 5.3); only a POST, whose body may carry the token, is
// refused for them (TestE2ETwoContentTypeHeaders).
func TestE2ETwoContentTypeHeadersUnreadBody(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		_, _, tok := exchangeCode(t, srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read"))
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			for _, path := range []string{"/protected/resource", "/userinfo"} {
				resp, body := sendBadRequest(t, srv, badRequest{method: method, path: path, contentType: "text/plain",
					header: map[string]string{"Authorization": "Bearer " + tok.AccessToken}, moreHeader: http.Header{"Content-Type": {"application/json"}}})
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s %s with two Content-Type headers: got %d %.200s, want 200", method, path, resp.StatusCode, body)
					continue
				}
				got, _ := traceOf(t, srv, resp)
				for _, c := range got.Checks {
					if c.Ref == "RFC 9110 Section 5.3" {
						t.Errorf("%s %s: the trace applies %q, want no Content-Type rule where no body is read", method, path, c.Rule)
					}
				}
			}
		}
	})
}

// TestE2ETwoContentTypeHeaders: on each store, a request that reads its
// body refuses one with two Content-Type headers, in either order, with
// invalid_request in the endpoint's own form, and its trace ends with
// that rule failed: Content-Type is no list ([RFC 9110 Section 5.3]), so
// which one was meant cannot be told, as with two Authorization headers.
func TestE2ETwoContentTypeHeaders(t *testing.T) {
	t.Parallel()
	const jsonCT = "application/json"
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		for _, tc := range []struct {
			name        string
			path, body  string
			types       [2]string
			wantBearer  bool // the answer is a resource's: a WWW-Authenticate challenge carries the error
			description string
		}{
			{name: "token, form first", path: "/oauth/token", body: "grant_type=client_credentials&client_id=testclient&client_secret=testsecret", types: [2]string{formCT, jsonCT}},
			{name: "token, form second", path: "/oauth/token", body: "grant_type=client_credentials&client_id=testclient&client_secret=testsecret", types: [2]string{jsonCT, formCT}},
			{name: "registration, JSON first", path: "/oauth/register", body: `{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`, types: [2]string{jsonCT, "text/plain"}},
			{name: "registration, JSON second", path: "/oauth/register", body: `{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`, types: [2]string{"text/plain", jsonCT}},
			{name: "userinfo POST, form first", path: "/userinfo", body: "access_token=abc", types: [2]string{formCT, jsonCT}, wantBearer: true},
			{name: "userinfo POST, form second", path: "/userinfo", body: "access_token=abc", types: [2]string{jsonCT, formCT}, wantBearer: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := sendBadRequest(t, srv, badRequest{method: http.MethodPost, path: tc.path, contentType: tc.types[0], body: tc.body,
					moreHeader: http.Header{"Content-Type": {tc.types[1]}}})
				if resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != "invalid_request" ||
					!strings.Contains(jsonField(body, "error_description"), "more than one Content-Type header") {
					t.Fatalf("got %d %s, want 400 invalid_request, more than one Content-Type header", resp.StatusCode, body)
				}
				if challenge := resp.Header.Get("WWW-Authenticate"); tc.wantBearer && !strings.Contains(challenge, `error="invalid_request"`) {
					t.Errorf("WWW-Authenticate: got %q, want a challenge with invalid_request (RFC 6750 Section 3.1)", challenge)
				}
				got, _ := traceOf(t, srv, resp)
				checkEndsWith(t, "the trace", got, "RFC 9110 Section 5.3", "invalid_request")
			})
		}
	})
}
