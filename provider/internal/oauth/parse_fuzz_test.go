package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
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
// Bearer or DPoP token without surrounding spaces, or invalid_request;
// never a panic.
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
