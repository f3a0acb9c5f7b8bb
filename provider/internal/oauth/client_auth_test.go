package oauth

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// basic builds a Basic header the way RFC 6749 Section 2.3.1 says: form-encode
// client_id and secret, join with ":", base64.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// TestParseClientRequest: the client's credentials as every endpoint whose
// client authenticates reads them (here with no parameters of its own).
func TestParseClientRequest(t *testing.T) {
	tests := []struct {
		name   string
		header string
		form   url.Values
		want   ClientCredentials
		err    ErrorCode
	}{
		{"Basic credentials are form-decoded (RFC 6749 Section 2.3.1)", basic("id??", "s:e%c r+t"), nil,
			ClientCredentials{Method: AuthClientSecretBasic, ClientID: "id??", Secret: "s:e%c r+t", Endpoint: PathToken}, ""},
		{"Basic credentials longer than basicAuthPair's stack room", basic("long-client", strings.Repeat("s:%", 100)), nil,
			ClientCredentials{Method: AuthClientSecretBasic, ClientID: "long-client", Secret: strings.Repeat("s:%", 100), Endpoint: PathToken}, ""},
		{"client_secret_post reads the body", "", url.Values{"client_id": {"c"}, "client_secret": {"s"}},
			ClientCredentials{Method: AuthClientSecretPost, ClientID: "c", Secret: "s", Endpoint: PathToken}, ""},
		{"a public client names itself with client_id only", "", url.Values{"client_id": {"spa"}},
			ClientCredentials{Method: AuthNone, ClientID: "spa", Endpoint: PathToken}, ""},
		{"Basic plus client_secret in the body is two methods (RFC 6749 Section 2.3)", basic("c", "s"),
			url.Values{"client_secret": {"s"}}, ClientCredentials{}, ErrInvalidRequest},
		{"Basic with a different client_id in the body is refused", basic("c", "s"),
			url.Values{"client_id": {"other"}}, ClientCredentials{}, ErrInvalidRequest},
		{"a repeated client_id is refused (RFC 6749 Section 3.2)", "", url.Values{"client_id": {"a", "b"}},
			ClientCredentials{}, ErrInvalidRequest},
		{"Basic that is not base64 is invalid_client", "Basic %%%", nil, ClientCredentials{}, ErrInvalidClient},
		{"Basic without a colon is invalid_client", "Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), nil,
			ClientCredentials{}, ErrInvalidClient},
		{"Basic with bad percent-encoding is invalid_client", "Basic " + base64.StdEncoding.EncodeToString([]byte("a%zz:b")), nil,
			ClientCredentials{}, ErrInvalidClient},
		{"another scheme is invalid_client", "Bearer abc", nil, ClientCredentials{}, ErrInvalidClient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseClientRequest(context.Background(), PathToken, []string{tc.header}, tc.form)
			var code ErrorCode
			if err != nil {
				code = err.Code
			}
			if code != tc.err {
				t.Fatalf("error: got %q, want %q", code, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseClientRequestSaysWhy: a refused Authorization header is
// described as what it is: a token where client credentials belong is not
// "malformed Basic".
func TestParseClientRequestSaysWhy(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc": "does not use the Basic scheme",
		"DPoP abc":   "does not use the Basic scheme",
		"Basic %%%":  "malformed HTTP Basic client credentials",
		"basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")): "malformed HTTP Basic client credentials",
	} {
		_, err := parseClientRequest(context.Background(), PathToken, []string{header}, nil)
		if err == nil || err.Code != ErrInvalidClient || !strings.Contains(err.Description, want) {
			t.Errorf("%q: got %v, want invalid_client saying %q", header, err, want)
		}
	}
}

// FuzzParseClientRequest: no header or body makes the parser panic, and
// whatever Basic credentials it accepts re-encode to the same pair.
func FuzzParseClientRequest(f *testing.F) {
	f.Add(basic("id??", "secret"), "client_id=x")
	f.Add("Basic Og==", "")
	f.Add("basic "+base64.StdEncoding.EncodeToString([]byte("%41:%")), "client_secret=a&client_secret=b")
	f.Fuzz(func(t *testing.T, header, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		cc, perr := parseClientRequest(context.Background(), PathToken, []string{header}, form)
		if perr != nil || cc.Method != AuthClientSecretBasic {
			return
		}
		again, perr := parseClientRequest(context.Background(), PathToken, []string{basic(cc.ClientID, cc.Secret)}, nil)
		if perr != nil || again.ClientID != cc.ClientID || again.Secret != cc.Secret {
			t.Errorf("round trip of %q: got %+v, %v", header, again, perr)
		}
	})
}

// TestBasicWithAnotherClientIDSaysSo: a client_id in the body beside HTTP
// Basic credentials is no second authentication method
// (RFC 6749 Section 3.2.1 lets a client name itself), so a client_id
// naming another client is refused for what it is, and the trace ends
// with that rule, not with "one authentication method".
func TestBasicWithAnotherClientIDSaysSo(t *testing.T) {
	tr := &Trace{}
	_, err := parseClientRequest(WithTrace(context.Background(), tr), PathToken,
		[]string{basic("testclient", "s")}, url.Values{"client_id": {"spa-client"}})
	if err == nil || err.Code != ErrInvalidRequest || !strings.Contains(err.Description, "is not the client of the HTTP Basic credentials") {
		t.Fatalf("got %v, want invalid_request saying the client_id is not the Basic client", err)
	}
	n := len(tr.Checks)
	if n < 2 || tr.Checks[n-1].Rule != ruleBasicClientID.Text || tr.Checks[n-1].Passed || !tr.Checks[n-2].Passed {
		t.Errorf("the trace: got %+v, want it to end with %q failed after the rules before it passed", tr.Checks, ruleBasicClientID.Text)
	}
	if _, err := parseClientRequest(context.Background(), PathToken,
		[]string{basic("testclient", "s")}, url.Values{"client_id": {"testclient"}}); err != nil {
		t.Errorf("Basic with its own client_id in the body: got %v, want it accepted", err)
	}
}

// TestParameterRulesSayOthersAreIgnored: an endpoint ignores the
// parameters it does not read, even sent twice or not UTF-8
// ([RFC 6749 Section 3.1]: "The authorization server MUST ignore
// unrecognized request parameters"), so the rule that passes on such a
// request says it looked only at those it reads, not at every parameter.
func TestParameterRulesSayOthersAreIgnored(t *testing.T) {
	withUnread := func(read url.Values) url.Values {
		read["foo"], read["bar"], read["baz"] = []string{"1", "2"}, []string{"\xff"}, []string{"a\x00b"}
		return read
	}
	for name, apply := range map[string]func(context.Context, *Trace) *Error{
		"token endpoint": func(ctx context.Context, _ *Trace) *Error {
			_, err := ParseTokenRequest(ctx, withUnread(url.Values{"grant_type": {"client_credentials"}}), []string{basic("c", "s")})
			return err
		},
		"authorization endpoint": func(_ context.Context, tr *Trace) *Error {
			return checkParameterForm(tr, ParseAuthorizationRequest(withUnread(url.Values{"client_id": {"c"}})))
		},
		"the provider's forms": func(ctx context.Context, _ *Trace) *Error {
			return CheckFormFieldsOnce(ctx, withUnread(url.Values{"username": {"u"}}))
		},
	} {
		t.Run(name, func(t *testing.T) {
			tr := &Trace{}
			if err := apply(WithTrace(context.Background(), tr), tr); err != nil {
				t.Fatalf("got %v, want the unread parameters ignored", err)
			}
			var onceRules int
			for _, c := range tr.Checks {
				if !strings.Contains(c.Rule, "once") {
					continue
				}
				onceRules++
				if !c.Passed || !strings.Contains(c.Rule, "this endpoint reads") || !strings.Contains(c.Rule, "(others are ignored)") {
					t.Errorf("got check %+v, want it passed, saying it covers the parameters this endpoint reads, others ignored", c)
				}
			}
			if onceRules == 0 {
				t.Errorf("got checks %+v, want one about parameters sent once", tr.Checks)
			}
		})
	}
}
