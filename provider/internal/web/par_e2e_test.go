package web_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/providertest"
)

// eachStore runs test once with the provider on SQLite and once on
// PostgreSQL (skipped without TEST_DATABASE_URL, except in CI).
func eachStore(t *testing.T, test func(t *testing.T, newServer func(providertest.Options) *providertest.Server)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, func(o providertest.Options) *providertest.Server { return providertest.New(t, o) })
	})
	t.Run("postgres", func(t *testing.T) {
		schemas := pgtest.NewSchemas(t)
		test(t, func(o providertest.Options) *providertest.Server {
			configure := o.Configure
			db := schemas.Create(t)
			o.Configure = func(c *config.Config) {
				c.DatabaseURL = db
				if configure != nil {
					configure(c)
				}
			}
			return providertest.New(t, o)
		})
	})
}

// parResponse is the PAR endpoint's answer, success or error.
type parResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
	Error      string `json:"error"`
}

// push posts an authorization request to the PAR endpoint as the given
// client and decodes the answer.
func push(t *testing.T, srv *providertest.Server, form url.Values, auth clientAuth) (*http.Response, parResponse) {
	t.Helper()
	header := map[string]string{}
	auth.apply(form, header)
	resp, body := rawPost(t, srv.URL+"/oauth/par", form.Encode(), header)
	var pr parResponse
	if err := json.Unmarshal([]byte(body), &pr); err != nil {
		t.Fatalf("PAR response %q: %v", body, err)
	}
	return resp, pr
}

// pushedDemoRequest is the demo client's authorization request, with PKCE.
func pushedDemoRequest(verifier string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {"testclient"}, "redirect_uri": {demoRedirectURI},
		"scope": {"openid read"}, "state": {"par-state"}, "nonce": {"n-1"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
}

// pushOK pushes form and checks the 201 answer of RFC 9126 Section 2.2.
func pushOK(t *testing.T, srv *providertest.Server, form url.Values, auth clientAuth) string {
	t.Helper()
	resp, pr := push(t, srv, form, auth)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /oauth/par: got %d %+v, want 201", resp.StatusCode, pr)
	}
	if !strings.HasPrefix(pr.RequestURI, "urn:ietf:params:oauth:request_uri:") || pr.ExpiresIn != 60 {
		t.Fatalf("PAR response: got %+v, want a urn:ietf:params:oauth:request_uri: and expires_in 60", pr)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control: got %q, want no-store", cc)
	}
	return pr.RequestURI
}

// parAuthorizeURL is the short authorization URL that refers to a pushed request.
func parAuthorizeURL(srv *providertest.Server, clientID, requestURI string) string {
	return srv.URL + "/oauth/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {requestURI}}.Encode()
}

func TestE2EPushedAuthorizationRequest(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		for _, a := range demoAuths {
			t.Run(a.name, func(t *testing.T) {
				verifier := oauth2.GenerateVerifier()
				requestURI := pushOK(t, srv, pushedDemoRequest(verifier), a.auth)
				b := newBrowser(t)
				resp, page := b.Get(parAuthorizeURL(srv, "testclient", requestURI))
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET authorize with request_uri: got %d, want the login page: %s", resp.StatusCode, page)
				}
				form := providertest.FormFields(page)
				// The form carries the request as it arrived: client_id and request_uri.
				if form.Get("request_uri") != requestURI || form.Get("scope") != "" {
					t.Errorf("login form fields: got %v, want client_id and request_uri only", form)
				}
				form.Set("username", providertest.DemoUsername)
				form.Set("password", "wrong")
				if resp, _ := b.PostForm(srv.URL+"/oauth/authenticate", form); resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("wrong password: got %d, want the form again (400)", resp.StatusCode)
				}
				form.Set("password", providertest.DemoPassword) // showing the form again did not use the request up
				resp, page = b.PostForm(srv.URL+"/oauth/authenticate", form)
				loc := providertest.RedirectOf(t, resp, page)
				if loc.Query().Get("state") != "par-state" || loc.Query().Get("iss") != srv.Issuer {
					t.Errorf("redirect: got %s, want the pushed state and iss", loc.Redacted())
				}
				tok, err := demoConfig(srv, oauth2.AuthStyleInHeader).Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
				if err != nil {
					t.Fatalf("Exchange of the code from a pushed request: %v", err)
				}
				if scope, _ := tok.Extra("scope").(string); scope != "openid read" {
					t.Errorf("scope: got %q, want the pushed %q", scope, "openid read")
				}
				resp, page = b.Get(parAuthorizeURL(srv, "testclient", requestURI))
				wantPage(t, resp, page, "invalid_request_uri")
			})
		}
	})
}

// wantPage checks that an authorization error was shown as a page (never
// redirected) naming code.
func wantPage(t *testing.T, resp *http.Response, page, code string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(page, code) {
		t.Errorf("got %d (Location %q), want a 400 page naming %s: %.300s", resp.StatusCode, resp.Header.Get("Location"), code, page)
	}
}

func TestE2EPushedAuthorizationRequestRules(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := clocktest.New(time.Now().UTC().Truncate(time.Second))
		srv := newServer(providertest.Options{Now: clock.Now})
		verifier := oauth2.GenerateVerifier()
		with := func(name, value string) url.Values {
			form := pushedDemoRequest(verifier)
			form.Set(name, value)
			return form
		}
		refused := []struct {
			name       string
			form       url.Values
			auth       clientAuth
			wantStatus int
			wantError  string
		}{
			{"a pushed request_uri is refused (RFC 9126 Section 2.1)", with("request_uri", "urn:ietf:params:oauth:request_uri:x"), demoBasic, 400, "invalid_request"},
			{"an unregistered redirect_uri is an error answer, not a page (RFC 9126 Section 2.1)", with("redirect_uri", "https://evil.example/cb"), demoBasic, 400, "invalid_request"},
			{"an unknown scope is invalid_scope", with("scope", "read admin"), demoBasic, 400, "invalid_scope"},
			{"PKCE plain is refused as at the authorization endpoint", with("code_challenge_method", "plain"), demoBasic, 400, "invalid_request"},
			{"the client authenticates as at the token endpoint (RFC 9126 Section 2.1)", pushedDemoRequest(verifier), noAuth, 401, "invalid_client"},
			{"a wrong secret is invalid_client", pushedDemoRequest(verifier), clientAuth{id: "testclient", secret: "wrong"}, 401, "invalid_client"},
			{"client_id must name the authenticated client", with("client_id", "spa-client"), demoBasic, 400, "invalid_request"},
			{"a public client must send PKCE", url.Values{"response_type": {"code"}, "client_id": {"spa-client"}, "redirect_uri": {spaRedirectURI}}, spaAuth, 400, "invalid_request"},
			{"a request beyond the size bound is 413 (RFC 9126 Section 2.3)", with("state", strings.Repeat("s", 70_000)), demoBasic, 413, "invalid_request"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				resp, pr := push(t, srv, tc.form, tc.auth)
				if resp.StatusCode != tc.wantStatus || pr.Error != tc.wantError || pr.RequestURI != "" {
					t.Errorf("got %d %+v, want %d %s", resp.StatusCode, pr, tc.wantStatus, tc.wantError)
				}
			})
		}

		t.Run("a public client pushes with PKCE and client_id alone", func(t *testing.T) {
			form := url.Values{"response_type": {"code"}, "client_id": {"spa-client"}, "redirect_uri": {spaRedirectURI},
				"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
			loc := newBrowser(t).Approve(parAuthorizeURL(srv, "spa-client", pushOK(t, srv, form, spaAuth)))
			if loc.Query().Get("code") == "" {
				t.Errorf("got %s, want a code", loc.Redacted())
			}
		})
		t.Run("the request_uri is bound to its client (RFC 9126 Section 2.2)", func(t *testing.T) {
			requestURI := pushOK(t, srv, pushedDemoRequest(verifier), demoBasic)
			resp, page := newBrowser(t).Get(parAuthorizeURL(srv, "spa-client", requestURI))
			wantPage(t, resp, page, "invalid_request_uri")
			// …and the other client's attempt did not use it up.
			if loc := newBrowser(t).Approve(parAuthorizeURL(srv, "testclient", requestURI)); loc.Query().Get("code") == "" {
				t.Errorf("its own client: got %s, want a code", loc.Redacted())
			}
		})
		t.Run("a request_uri to fetch is request_uri_not_supported, redirected (OIDC Core Section 6.2)", func(t *testing.T) {
			resp, page := newBrowser(t).Get(srv.URL + "/oauth/authorize?" + okAuth + "&request_uri=" + url.QueryEscape("https://evil.example/r"))
			loc := providertest.RedirectOf(t, resp, page)
			if q := loc.Query(); q.Get("error") != "request_uri_not_supported" || q.Get("state") != "s1" || q.Get("iss") == "" {
				t.Errorf("got %s, want error=request_uri_not_supported with the state and iss", loc.Redacted())
			}
		})
		t.Run("a request_uri of the PAR form not issued here is an invalid_request_uri page (RFC 9126 Section 4)", func(t *testing.T) {
			resp, page := newBrowser(t).Get(parAuthorizeURL(srv, "testclient", "urn:ietf:params:oauth:request_uri:made-up"))
			wantPage(t, resp, page, "invalid_request_uri")
		})
		t.Run("client_id is required with request_uri", func(t *testing.T) {
			requestURI := pushOK(t, srv, pushedDemoRequest(verifier), demoBasic)
			resp, page := newBrowser(t).Get(srv.URL + "/oauth/authorize?request_uri=" + url.QueryEscape(requestURI))
			wantPage(t, resp, page, "invalid_request")
		})
		t.Run("an expired request_uri is rejected (RFC 9126 Section 4)", func(t *testing.T) {
			requestURI := pushOK(t, srv, pushedDemoRequest(verifier), demoBasic)
			clock.Advance(60 * time.Second)
			resp, page := newBrowser(t).Get(parAuthorizeURL(srv, "testclient", requestURI))
			wantPage(t, resp, page, "invalid_request_uri")
		})
		t.Run("a denial is redirected and uses the request up", func(t *testing.T) {
			requestURI := pushOK(t, srv, pushedDemoRequest(verifier), demoBasic)
			b := newBrowser(t)
			_, page := b.Get(parAuthorizeURL(srv, "testclient", requestURI))
			form := providertest.FormFields(page)
			form.Set("decision", "deny")
			resp, page := b.PostForm(srv.URL+"/oauth/authenticate", form)
			loc := providertest.RedirectOf(t, resp, page)
			if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "par-state" {
				t.Errorf("deny: got %s, want access_denied with the pushed state", loc.Redacted())
			}
			resp, page = b.Get(parAuthorizeURL(srv, "testclient", requestURI))
			wantPage(t, resp, page, "invalid_request_uri")
		})
		t.Run("a client that must use PAR is refused at the front channel (RFC 9126 Section 4)", func(t *testing.T) {
			registerLike(t, srv, "spa-client", "par-only", func(c *store.Client) { c.RequirePushedAuthorizationRequests = true })
			form := url.Values{"response_type": {"code"}, "client_id": {"par-only"}, "redirect_uri": {spaRedirectURI},
				"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
			resp, page := newBrowser(t).Get(srv.URL + "/oauth/authorize?" + form.Encode())
			if loc := providertest.RedirectOf(t, resp, page); loc.Query().Get("error") != "invalid_request" {
				t.Errorf("front channel: got %s, want error=invalid_request", loc.Redacted())
			}
			loc := newBrowser(t).Approve(parAuthorizeURL(srv, "par-only", pushOK(t, srv, form, clientAuth{id: "par-only"})))
			if loc.Query().Get("code") == "" {
				t.Errorf("through PAR: got %s, want a code", loc.Redacted())
			}
		})
		t.Run("approvals and denials racing on one request_uri: exactly one answer goes back", func(t *testing.T) {
			requestURI := pushOK(t, srv, pushedDemoRequest(verifier), demoBasic)
			b := newBrowser(t)
			_, page := b.Get(parAuthorizeURL(srv, "testclient", requestURI))
			form := providertest.FormFields(page)
			form.Set("username", providertest.DemoUsername)
			form.Set("password", providertest.DemoPassword)
			const racers = 8
			answers := make([]url.Values, racers) // each one's authorization response, nil when none went back
			var wg sync.WaitGroup
			for i := range racers {
				decided := maps.Clone(form)
				decided.Set("decision", []string{"allow", "deny"}[i%2])
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/authenticate", strings.NewReader(decided.Encode()))
					req.Header.Set("Content-Type", formCT)
					resp, err := noRedirects.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if loc := resp.Header.Get("Location"); loc != "" {
						u, _ := url.Parse(loc)
						answers[i] = u.Query()
					} else if !strings.Contains(string(body), "invalid_request_uri") {
						t.Errorf("racer %d: got %d without a redirect or invalid_request_uri:\n%s", i, resp.StatusCode, body)
					}
				})
			}
			wg.Wait()
			var sent []url.Values
			for _, a := range answers {
				if a != nil {
					sent = append(sent, a)
				}
			}
			if len(sent) != 1 {
				t.Errorf("%d concurrent approvals and denials of one pushed request: %d answers went back (%v), want 1", racers, len(sent), sent)
			}
		})
	})
}

// TestE2EMetadataNamesPAR checks the metadata of RFC 9126 Section 5.
func TestE2EMetadataNamesPAR(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resp, body := newBrowser(t).Get(srv.URL + "/.well-known/oauth-authorization-server")
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %d %v", resp.StatusCode, err)
	}
	if doc["pushed_authorization_request_endpoint"] != srv.Issuer+"/oauth/par" || doc["require_pushed_authorization_requests"] != false {
		t.Errorf("metadata: got %v and %v, want the PAR endpoint and require_pushed_authorization_requests false",
			doc["pushed_authorization_request_endpoint"], doc["require_pushed_authorization_requests"])
	}
}

// registerLike stores a copy of the client from under the id to, changed by change.
func registerLike(t *testing.T, srv *providertest.Server, from, to string, change func(*store.Client)) {
	t.Helper()
	client, err := srv.Provider.Store.GetClient(t.Context(), from)
	if err != nil {
		t.Fatal(err)
	}
	client.ID = to
	change(&client)
	if err := srv.Provider.Store.UpsertClient(t.Context(), client); err != nil {
		t.Fatal(err)
	}
}

// maxParameterBytes is the provider's bound on a free-text authorization
// request parameter (state, nonce, ...).
const maxParameterBytes = 4096

// TestE2EParameterLength: a state or nonce longer than 4096 bytes is
// invalid_request, as any invalid parameter value (RFC 6749 Section 4.1.2.1):
// a 400 JSON error at the PAR endpoint, which stores nothing, and an error
// redirected to the client at the authorization endpoint. One of 4096
// bytes goes through both, pushed or not, and comes back to the client
// whole. On both stores.
func TestE2EParameterLength(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		verifier := oauth2.GenerateVerifier()
		atCap, overCap := strings.Repeat("s", maxParameterBytes), strings.Repeat("s", maxParameterBytes+1)
		with := func(name, value string) url.Values {
			form := pushedDemoRequest(verifier)
			form.Set(name, value)
			return form
		}
		for _, name := range []string{"state", "nonce"} {
			t.Run("PAR: "+name+" over the bound", func(t *testing.T) {
				resp, body := rawPost(t, srv.URL+"/oauth/par", with(name, overCap).Encode(), basic("testclient", "testsecret"))
				if resp.StatusCode != http.StatusBadRequest || errorDescriptionOf(resp, body) != "parameter "+name+" is longer than 4096 bytes" {
					t.Errorf("got %d %.200s, want 400 invalid_request saying %s is longer than 4096 bytes", resp.StatusCode, body, name)
				}
			})
			t.Run("authorize: "+name+" over the bound", func(t *testing.T) {
				resp, page := newBrowser(t).Get(srv.URL + "/oauth/authorize?" + with(name, overCap).Encode())
				loc := providertest.RedirectOf(t, resp, page)
				if q := loc.Query(); q.Get("error") != "invalid_request" || q.Get("error_description") != "parameter "+name+" is longer than 4096 bytes" ||
					!strings.HasPrefix(loc.String(), demoRedirectURI+"?") {
					t.Errorf("got a redirect to %.200s, want invalid_request saying %s is longer than 4096 bytes", loc.Redacted(), name)
				}
			})
		}
		t.Run("PAR: a request stored larger than its bound: 413", func(t *testing.T) {
			form := pushedDemoRequest(verifier)
			escaped := strings.Repeat("&", maxParameterBytes) // each & is stored as %26
			for _, name := range []string{"state", "nonce", "ui_locales"} {
				form.Set(name, escaped)
			}
			resp, body := rawPost(t, srv.URL+"/oauth/par", form.Encode(), basic("testclient", "testsecret"))
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"invalid_request"`) {
				t.Errorf("got %d %.200s, want 413 invalid_request (RFC 9126 Section 2.3)", resp.StatusCode, body)
			}
		})
		t.Run("PAR: state and nonce at the bound", func(t *testing.T) {
			form := with("state", atCap)
			form.Set("nonce", atCap)
			loc := newBrowser(t).Approve(parAuthorizeURL(srv, "testclient", pushOK(t, srv, form, demoBasic)))
			if loc.Query().Get("code") == "" || loc.Query().Get("state") != atCap {
				t.Errorf("got a redirect to %.200s, want a code and the whole state", loc.Redacted())
			}
		})
		t.Run("authorize: state and nonce at the bound", func(t *testing.T) {
			form := with("state", atCap)
			form.Set("nonce", atCap)
			loc := newBrowser(t).Approve(srv.URL + "/oauth/authorize?" + form.Encode())
			if loc.Query().Get("code") == "" || loc.Query().Get("state") != atCap {
				t.Errorf("got a redirect to %.200s, want a code and the whole state", loc.Redacted())
			}
		})
	})
}
