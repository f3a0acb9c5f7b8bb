package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// FuzzParseTokenRequest: no form body or Authorization header makes the
// token request parser panic, a parameter sent twice is always refused
// (RFC 6749 Section 3.2), and whatever it accepts is text (RFC 6749
// Appendix B), so no store sees a NUL or invalid UTF-8.
func FuzzParseTokenRequest(f *testing.F) {
	f.Add("grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Fa", "")
	f.Add("grant_type=refresh_token&refresh_token=a&refresh_token=b", "Basic Og==")
	f.Add("grant_type=client_credentials&client_secret=s", basic("c", "s"))
	f.Add("grant_type=client_credentials&client_id=a%00b", "")
	f.Add("grant_type=refresh_token&refresh_token=%ff", basic("c\x00", "s"))
	f.Fuzz(func(t *testing.T, body, authorization string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		r, perr := ParseTokenRequest(context.Background(), form, []string{authorization})
		for _, v := range []string{string(r.GrantType), r.Code, r.RedirectURI, r.CodeVerifier, r.RefreshToken, r.Scope, r.DeviceCode, r.Client.ClientID, r.Client.Secret} {
			if perr == nil && !validText(v) {
				t.Fatalf("accepted %q, which is not text, from %q", v, body)
			}
		}
		for _, name := range []string{"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope"} {
			if len(form[name]) > 1 && perr == nil {
				t.Fatalf("repeated %s accepted in %q", name, body)
			}
		}
	})
}

// FuzzParseAuthorizationRequest: the parser never panics, records every
// repeated parameter, and Values round-trips what it read.
func FuzzParseAuthorizationRequest(f *testing.F) {
	f.Add("response_type=code&client_id=c&state=s&state=t")
	f.Add("scope=openid%20read&prompt=none&max_age=0&code_challenge=x&code_challenge_method=S256")
	f.Fuzz(func(t *testing.T, query string) {
		form, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r := ParseAuthorizationRequest(form)
		for name, values := range form {
			if len(values) > 1 && r.Values().Has(name) && !slices.Contains(r.Repeated, name) {
				t.Fatalf("repeated %s not recorded in %q", name, query)
			}
		}
		again := ParseAuthorizationRequest(r.Values())
		again.Repeated = r.Repeated
		if !equalRequests(r, again) {
			t.Fatalf("Values round trip: got %+v, want %+v", again, r)
		}
	})
}

// equalRequests compares the parameters the consent form carries.
func equalRequests(a, b AuthorizationRequest) bool {
	return a.Values().Encode() == b.Values().Encode()
}

// FuzzParseAuthorizationHeader: any header is either no credentials, a
// Bearer or DPoP token without surrounding spaces, or invalid_request with
// the scheme it names (its challenge carries the error); never a panic.
func FuzzParseAuthorizationHeader(f *testing.F) {
	f.Add("Bearer abc.def.ghi")
	f.Add("DPoP abc.def.ghi")
	f.Add("bearer   ")
	f.Add("Basic Og==")
	f.Add("Bearer\tabc")
	f.Add("Bearer a b")
	f.Fuzz(func(t *testing.T, header string) {
		scheme, tok, err := ParseAuthorizationHeader(header)
		if err == nil && (tok != strings.TrimSpace(tok) || (scheme == "") != (tok == "")) {
			t.Fatalf("scheme %q token %q from %q", scheme, tok, header)
		}
		if err != nil && (tok != "" || (scheme != TokenTypeBearer && scheme != TokenTypeDPoP)) {
			t.Fatalf("refused %q with scheme %q token %q, want Bearer or DPoP and no token", header, scheme, tok)
		}
	})
}

// FuzzParseList: a list parameter (scope, prompt) is refused when longer
// than maxListBytes and otherwise split into distinct, non-empty values
// without spaces; prompt=none never comes with another value
// (OIDC Core Section 3.1.2.1).
func FuzzParseList(f *testing.F) {
	f.Add("openid read read  write")
	f.Add("none login")
	f.Add(strings.Repeat("a ", 600))
	f.Fuzz(func(t *testing.T, s string) {
		values, err := parseList(nil, Rule{}, "scope", s, ErrInvalidScope)
		if (err != nil) != (len(s) > maxListBytes) {
			t.Fatalf("parseList of %d bytes: got error %v", len(s), err)
		}
		seen := map[string]bool{}
		for _, v := range values {
			if v == "" || strings.Contains(v, " ") || seen[v] {
				t.Fatalf("parseList(%q) = %q: empty, spaced or repeated value %q", s, values, v)
			}
			seen[v] = true
		}
		if prompts, err := parsePrompt(nil, s); err == nil && slices.Contains(prompts, "none") && len(prompts) > 1 {
			t.Fatalf("parsePrompt(%q) = %q: none with another value", s, prompts)
		}
	})
}

// clientParameters are the parameters of client authentication
// (RFC 6749 Section 2.3.1, RFC 7523 Section 2.2) that the endpoints which
// authenticate a client read.
var clientParameters = []string{"client_id", "client_secret", "client_assertion", "client_assertion_type"}

// FuzzParseEndpointRequests: the revocation, introspection, device
// authorization, PAR and end-session parsers accept no request that sends
// a parameter they read twice (RFC 6749 Section 3.1: "Request and response
// parameters MUST NOT be included more than once"), and what they return
// is text; the resource request parser takes a token by exactly one
// method (RFC 6750 Section 2: "Clients MUST NOT use more than one method
// to transmit the token in each request"), never from the query
// (RFC 9700 Section 4.3.2). authorization holds one header value a line.
func FuzzParseEndpointRequests(f *testing.F) {
	f.Add("token=abc&token_type_hint=access_token", "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0", "")
	f.Add("client_id=device-client&scope=read+openid&scope=x", "", "")
	f.Add("response_type=code&client_id=testclient&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", "Basic dGVzdGNsaWVudDp0ZXN0c2VjcmV0", "")
	f.Add("access_token=abc", "Bearer abc", "access_token=x")
	f.Add("access_token=abc&access_token=", "", "")
	f.Add("id_token_hint=a.b.c&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000%2F&state=s&client_id=testclient", "DPoP abc\nBearer x", "access%5Ftoken=1")
	f.Fuzz(func(t *testing.T, body, authorization, rawQuery string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		var auth []string
		if authorization != "" {
			auth = strings.Split(authorization, "\n")
		}
		ctx := context.Background()
		accepted := func(what string, reads []string, texts ...string) {
			for _, name := range reads {
				if len(form[name]) > 1 {
					t.Fatalf("%s accepted %s twice in %q (Authorization %q)", what, name, body, auth)
				}
			}
			for _, s := range texts {
				if !validText(s) {
					t.Fatalf("%s accepted %q, which is not text, from %q", what, s, body)
				}
			}
		}
		tokenQuery := append([]string{"token", "token_type_hint"}, clientParameters...)
		if q, err := ParseRevocationRequest(ctx, form, auth); err == nil {
			accepted("revocation", tokenQuery, q.Token, q.Client.ClientID, q.Client.Secret)
		}
		if q, err := ParseIntrospectionRequest(ctx, form, auth); err == nil {
			accepted("introspection", tokenQuery, q.Token, q.Client.ClientID, q.Client.Secret)
		}
		if d, err := ParseDeviceAuthorizationRequest(ctx, form, auth); err == nil {
			accepted("device authorization", append([]string{"scope"}, clientParameters...), d.Scope, d.Client.ClientID)
		}
		if _, err := ParsePushedAuthorizationRequest(ctx, form, auth); err == nil {
			accepted("PAR", clientParameters) // the rest: ParseAuthorizationRequest records repeats, refused later
		}
		if l, err := parseLogoutRequest(ctx, form, ""); err == nil {
			accepted("end session", []string{"id_token_hint", "post_logout_redirect_uri", "state", "client_id", "ui_locales", "decision", "csrf_token"},
				l.IDTokenHint, l.ClientID, l.PostLogoutRedirectURI, l.State)
		}
		query, _ := url.ParseQuery(rawQuery) // as a resource server reads it: a malformed pair hides no other
		if r, err := ParseResourceRequest(ctx, auth, rawQuery, form); err == nil {
			methods := 0
			if len(auth) > 0 {
				if _, tok, err := ParseAuthorizationHeader(auth[0]); err == nil && tok != "" {
					methods++
				}
			}
			if form.Has("access_token") {
				methods++
			}
			if methods != 1 || r.Token == "" || query.Has("access_token") {
				t.Fatalf("resource request accepted with %d methods: Authorization %q, query %q, body %q: %+v", methods, auth, rawQuery, body, r)
			}
		}
		if tok, err := ParseBearerHeader(ctx, auth, rawQuery); err == nil && tok != "" && query.Has("access_token") {
			t.Fatalf("ParseBearerHeader(%q, %q) = %q: a token with one in the query", auth, rawQuery, tok)
		}
	})
}

// FuzzPromptMaxAge: parsePrompt accepts only the prompt values it knows
// (OIDC Core Section 3.1.2.1), and parseMaxAge, when it accepts a value,
// gives 0 to longestMaxAge seconds.
func FuzzPromptMaxAge(f *testing.F) {
	for _, s := range []string{"none", "login consent", "none login", "select_account", "  login  ", "0", "99999999999999999999", "-1", "+5", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if prompts, err := parsePrompt(nil, s); err == nil {
			for _, p := range prompts {
				if !slices.Contains(knownPrompts, p) {
					t.Fatalf("parsePrompt(%q) accepted %q", s, p)
				}
			}
		}
		if age, err := parseMaxAge(nil, s); err == nil && s != "" && (age < 0 || age > longestMaxAge*time.Second) {
			t.Fatalf("parseMaxAge(%q) = %v", s, age)
		}
	})
}

// FuzzWithoutLoopbackPort: whatever withoutLoopbackPort takes for a
// loopback redirect URI (RFC 8252 Section 7.3) is, as net/url reads it, an
// http URL with no userinfo whose host is 127.0.0.1, ::1 or localhost, and
// the host the consent page shows (LoopbackWarningHost) is that URL's host.
func FuzzWithoutLoopbackPort(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:3000/cb", "http://localhost/cb", "http://[::1]:65535", "http://127.0.0.10/",
		"http://localhost.example/", "http://localhost@evil/", "http://127.0.0.1:99999/", "http://127.0.0.1:/cb", "http://localhost:0/",
		"http://localhost/cb?x=1#f", "https://127.0.0.1/", "http://127.0.0.1:3000\\@evil/"} {
		f.Add(s)
	}
	selfRegistered := store.Client{RegistrationTokenHash: "x"}
	f.Fuzz(func(t *testing.T, uri string) {
		if _, ok := withoutLoopbackPort(uri); !ok {
			return
		}
		u, err := url.Parse(uri)
		if err != nil {
			return // the caller parses first; only the form matters here
		}
		if h := u.Hostname(); u.Scheme != "http" || u.User != nil || !(h == "127.0.0.1" || h == "::1" || h == "localhost") {
			t.Fatalf("withoutLoopbackPort(%q) took it; net/url reads scheme %q, host %q, user %v", uri, u.Scheme, u.Host, u.User)
		}
		if host := LoopbackWarningHost(selfRegistered, uri); host != u.Host {
			t.Fatalf("LoopbackWarningHost(%q) = %q; net/url reads host %q", uri, host, u.Host)
		}
	})
}
