package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// traceOf reads the teaching trace of the request that got resp.
func traceOf(t *testing.T, srv *providertest.Server, resp *http.Response) (trace, string) {
	t.Helper()
	r, body := callResource(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), "")
	var got trace
	if r.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("GET /debug/trace: %d %s", r.StatusCode, body)
	}
	return got, body
}

// checkEndsWith checks that a trace ends with the failed rule of ref, every
// check before it passed, and its outcome is code.
func checkEndsWith(t *testing.T, what string, got trace, ref, code string) {
	t.Helper()
	n := len(got.Checks)
	if n == 0 || got.Checks[n-1].Ref != ref || got.Checks[n-1].Passed || got.Outcome != code {
		t.Errorf("%s: got outcome %q, checks %+v; want them to end with %s failed, outcome %s", what, got.Outcome, got.Checks, ref, code)
		return
	}
	for _, c := range got.Checks[:n-1] {
		if !c.Passed {
			t.Errorf("%s: check %q (%s) failed before the last one", what, c.Rule, c.Ref)
		}
	}
}

// TestE2ERegistrationAndAssertionTraces: in teaching mode, a registration and
// a client assertion leave the rules they were checked against, each with
// its section, and never a secret.
func TestE2ERegistrationAndAssertionTraces(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})

	resp, _ := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", `{"redirect_uris":["http://app.example/cb"]}`, "")
	got, _ := traceOf(t, srv, resp)
	checkEndsWith(t, "registration with an http redirect URI", got, "RFC 6749 Section 3.1.2.1", "invalid_redirect_uri")

	resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", `{"grant_types":["client_credentials"]}`, "")
	got, raw := traceOf(t, srv, resp)
	var reg registration
	_ = json.Unmarshal([]byte(body), &reg)
	if got.Outcome != "client registered" || got.ClientID != reg.ClientID || len(got.Checks) < 9 || len(got.Changes) != 1 {
		t.Errorf("a registration's trace: got %+v", got)
	}
	for _, secret := range []string{reg.ClientSecret, reg.RegistrationAccessToken} {
		if secret == "" || strings.Contains(raw, secret[:8]) {
			t.Errorf("the trace holds a secret of the registration (or none was issued): %s", raw)
		}
	}

	k := registerKeyClient(t, srv)
	assertion := k.assertion(t, srv.Issuer)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	k.postAssertion(t, srv, "/oauth/token", assertion, form)
	resp, _ = k.postAssertion(t, srv, "/oauth/token", assertion, form)
	got, raw = traceOf(t, srv, resp)
	checkEndsWith(t, "a replayed client assertion", got, "OIDC Core Section 9", "invalid_client")
	if strings.Contains(raw, assertion[:20]) {
		t.Errorf("the trace holds the assertion: %s", raw)
	}
}

// TestE2EInitialAccessTokenTrace: in teaching mode, a registration refused
// for its initial access token shows the rule that refused it, with its
// section (RFC 7591 Section 3), and no metadata rule: the body was never
// read. An accepted one shows the rule passed; open registration does not
// apply it.
func TestE2EInitialAccessTokenTrace(t *testing.T) {
	const (
		initial = "initial-access-token-of-at-least-32-chars"
		rule    = "the request carries the initial access token this server requires to register a client"
	)
	srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) {
		c.Registration, c.RegistrationToken = config.RegistrationToken, initial
	}})
	for _, tc := range []struct{ name, bearer, body, outcome string }{
		// No token gets a bare challenge, without an error code (RFC 6750 Section 3.1): the outcome is the status.
		{"no initial access token and a malformed body", "", `{"redirect_uris":[`, "refused without an error code"},
		{"a wrong initial access token and a valid body", "wrong-initial-access-token", nativeClient, "invalid_token"},
	} {
		resp, _ := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", tc.body, tc.bearer)
		got, raw := traceOf(t, srv, resp)
		checkEndsWith(t, tc.name, got, "RFC 7591 Section 3", tc.outcome)
		if n := len(got.Checks); n != 3 || got.Checks[n-1].Rule != rule {
			t.Errorf("%s: got checks %+v, want no token in the query string, registration turned on, then %q failed, and no metadata rule", tc.name, got.Checks, rule)
		}
		if strings.Contains(raw, "wrong-initial") {
			t.Errorf("%s: the trace holds the token sent: %s", tc.name, raw)
		}
	}

	resp, _ := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, initial)
	if got, _ := traceOf(t, srv, resp); got.Outcome != "client registered" || !ruleChecked(got, rule, true) {
		t.Errorf("a registration with the initial access token: got %+v, want %q passed", got, rule)
	}
	open := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.Registration = config.RegistrationOpen }})
	resp, _ = sendJSON(t, http.MethodPost, open.URL+"/oauth/register", nativeClient, "")
	if got, _ := traceOf(t, open, resp); got.Outcome != "client registered" || ruleChecked(got, rule, true) || ruleChecked(got, rule, false) {
		t.Errorf("an open registration: got %+v, want it registered without %q", got, rule)
	}
}

// TestE2ERegistrationBodyTrace: a registration (RFC 7591 Section 3.1) or an
// update (RFC 7592 Section 2.2) refused because its body is not a JSON
// object of client metadata — malformed, an array, a member of the wrong
// type or named twice, not UTF-8 — ends its trace with that rule failed and
// invalid_client_metadata; an accepted registration shows it passed. On
// both stores.
func TestE2ERegistrationBodyTrace(t *testing.T) {
	const rule = "the body is a JSON object of client metadata, in UTF-8, each member named once and of its JSON type"
	bodies := map[string]string{
		"malformed JSON":           `{`,
		"an array":                 `[]`,
		"a member's wrong type":    `{"redirect_uris":"http://127.0.0.1/cb"}`,
		"a member named twice":     `{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"a","client_name":"b"}`,
		"a body that is not UTF-8": `{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"` + "\xff" + `"}`,
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = 100 }})
		reg := register(t, srv, nativeClient)
		for name, body := range bodies {
			resp, _ := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", body, "")
			got, _ := traceOf(t, srv, resp)
			checkEndsWith(t, "a registration with "+name, got, "RFC 7591 Section 3.1", "invalid_client_metadata")
			if !ruleChecked(got, rule, false) {
				t.Errorf("a registration with %s: got checks %+v, want %q failed", name, got.Checks, rule)
			}
			resp, _ = updateClient(t, reg, body)
			got, _ = traceOf(t, srv, resp)
			checkEndsWith(t, "an update with "+name, got, "RFC 7591 Section 3.1", "invalid_client_metadata")
		}
		resp, _ := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, "")
		if got, _ := traceOf(t, srv, resp); got.Outcome != "client registered" || !ruleChecked(got, rule, true) {
			t.Errorf("a registration: got %+v, want %q passed", got, rule)
		}
	})
}

// TestE2ERegistrationJSONBodyTrace: a registration (RFC 7591 Section 3) or
// an update (RFC 7592 Section 2.2) whose body is not application/json, has a
// Content-Encoding or is past the size limit is invalid_client_metadata,
// and its trace ends with the body's rule failed, as a form's does; an
// accepted registration shows it passed (TestE2EClientUpdateTrace, an
// update). On both stores.
func TestE2ERegistrationJSONBodyTrace(t *testing.T) {
	const rule = "the body is application/json, sent without a Content-Encoding, within the size limit and the request's time"
	bodies := []struct{ name, contentType, encoding, body string }{
		{"a text/plain body", "text/plain", "", nativeClient},
		{"a body with Content-Encoding: gzip", "application/json", "gzip", nativeClient},
		{"a body past the size limit", "application/json", "", `{"client_name":"` + strings.Repeat("a", 64<<10) + `"}`},
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = 100 }})
		resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, "")
		reg := wantRegistration(t, "register", http.StatusCreated, resp, body)
		if got, _ := traceOf(t, srv, resp); !ruleChecked(got, rule, true) {
			t.Errorf("a registration: got checks %+v, want %q passed", got.Checks, rule)
		}
		for _, b := range bodies {
			for what, client := range map[string]registration{"a registration": {}, "an update": reg} {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/register", strings.NewReader(b.body))
				if client.ClientID != "" {
					req, _ = http.NewRequest(http.MethodPut, client.RegistrationClientURI, strings.NewReader(b.body))
					req.Header.Set("Authorization", "Bearer "+client.RegistrationAccessToken)
				}
				req.Header.Set("Content-Type", b.contentType)
				if b.encoding != "" {
					req.Header.Set("Content-Encoding", b.encoding)
				}
				resp, err := noRedirects.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := providertest.ReadBody(t, resp)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_client_metadata") {
					t.Errorf("%s with %s: got %d %s, want 400 invalid_client_metadata", what, b.name, resp.StatusCode, body)
				}
				got, _ := traceOf(t, srv, resp)
				checkEndsWith(t, what+" with "+b.name, got, "RFC 7591 Section 3", "invalid_client_metadata")
				if n := len(got.Checks); n == 0 || got.Checks[n-1].Rule != rule {
					t.Errorf("%s with %s: got checks %+v, want them to end with %q failed", what, b.name, got.Checks, rule)
				}
			}
		}
	})
}

// ruleChecked reports whether the trace holds the check of rule with the
// outcome passed.
func ruleChecked(got trace, rule string, passed bool) bool {
	for _, c := range got.Checks {
		if c.Rule == rule && c.Passed == passed {
			return true
		}
	}
	return false
}

// TestE2EClientUpdateTrace: in teaching mode, an update
// (RFC 7592 Section 2.2) shows its checks in order: the registration access token, the
// body's media type (RFC 7591 Section 3), its JSON (RFC 7591 Section 3.1), the
// four rules of the update's own members, then every rule of a
// registration's metadata; and a refused one ends with the rule it broke,
// after which the metadata is not checked.
func TestE2EClientUpdateTrace(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	reg := register(t, srv, nativeClient)
	want := []string{"registration access token is the one issued", "application/json, sent without a Content-Encoding", "JSON object of client metadata", "carries the client_id", "leaves out what the server provisions",
		"client_secret in the update is the client's current one", "stays confidential", "token_endpoint_auth_method", "every grant type", "grant_types and response_types agree",
		"client_credentials is only", "registers its redirect_uris", "at most 10 redirect_uris", "absolute URIs without a fragment", "only the characters a URI may hold", "use https, or http on a loopback host", "name a host", "holds no \";\"", "application_type is", "every registered scope", "client_name", "id_token_signed_response_alg", "keys come inline", "token_endpoint_auth_signing_alg, with private_key_jwt only"}
	resp, _ := updateClient(t, reg, `{"client_id":"`+reg.ClientID+`","redirect_uris":["http://127.0.0.1:49152/callback"],"token_endpoint_auth_method":"none"}`)
	got, raw := traceOf(t, srv, resp)
	checks := got.Checks
	if n := len(checks); n > 0 && strings.Contains(checks[0].Rule, "query") { // the Authorization header's own check
		checks = checks[1:]
	}
	ok := got.Outcome == "registration updated" && len(checks) == len(want) && len(got.Changes) == 1
	for i := 0; ok && i < len(want); i++ {
		ok = checks[i].Passed && strings.Contains(checks[i].Rule, want[i])
	}
	if !ok {
		t.Errorf("an update's trace: got outcome %q, checks %+v, changes %v; want %q, the checks %q passed, one change",
			got.Outcome, got.Checks, got.Changes, "registration updated", want)
	}
	if strings.Contains(raw, reg.RegistrationAccessToken[:8]) {
		t.Errorf("the trace holds the registration access token: %s", raw)
	}

	resp, _ = updateClient(t, reg, `{"client_id":"`+reg.ClientID+`","client_id_issued_at":1}`)
	got, _ = traceOf(t, srv, resp)
	checkEndsWith(t, "an update that sends client_id_issued_at", got, "RFC 7592 Section 2.2", "invalid_client_metadata")
}

// TestE2ERedirectURICountTraces: a registration (RFC 7591 Section 2) or an
// update (RFC 7592 Section 2.2) refused for the presence or the number of
// its redirect URIs ends its trace with that rule failed, not with the
// rule of a URI's form, which none of its URIs broke. On both stores.
func TestE2ERedirectURICountTraces(t *testing.T) {
	const (
		sent  = "a client of the authorization_code grant registers its redirect_uris"
		count = "at most 10 redirect_uris, and at most 10 post_logout_redirect_uris (a bound of this server's: the specifications set none)"
	)
	uris := make([]string, 11)
	for i := range uris {
		uris[i] = fmt.Sprintf(`"https://app.example/cb%d"`, i)
	}
	many := strings.Join(uris, ",")
	docs := []struct{ name, members, rule string }{
		{"no redirect_uris", `"grant_types":["authorization_code"]`, sent},
		{"11 redirect_uris", `"redirect_uris":[` + many + `]`, count},
		{"11 post_logout_redirect_uris", `"redirect_uris":["https://app.example/cb"],"post_logout_redirect_uris":[` + many + `]`, count},
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = 100 }})
		reg := register(t, srv, nativeClient)
		for _, d := range docs {
			members := `"token_endpoint_auth_method":"none",` + d.members
			registration, _ := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", "{"+members+"}", "")
			update, _ := updateClient(t, reg, `{"client_id":"`+reg.ClientID+`",`+members+"}")
			for what, resp := range map[string]*http.Response{"a registration": registration, "an update": update} {
				got, _ := traceOf(t, srv, resp)
				checkEndsWith(t, what+" with "+d.name, got, "RFC 7591 Section 2", "invalid_redirect_uri")
				if !ruleChecked(got, d.rule, false) {
					t.Errorf("%s with %s: got checks %+v, want %q failed", what, d.name, got.Checks, d.rule)
				}
			}
		}
	})
}
