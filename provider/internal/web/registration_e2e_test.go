package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// registration is a client information response (RFC 7591 Section 3.2.1).
type registration struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at"`
	RegistrationAccessToken string   `json:"registration_access_token"`
	RegistrationClientURI   string   `json:"registration_client_uri"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	ClientName              string   `json:"client_name"`
	Scope                   string   `json:"scope"`
}

// sendJSON sends a request with a JSON body (or none) and an optional Bearer token.
func sendJSON(t testing.TB, method, u, body, bearer string) (*http.Response, string) {
	t.Helper()
	var authorization string
	if bearer != "" {
		authorization = "Bearer " + bearer
	}
	return sendWith(t, method, u, body, authorization)
}

// sendWith sends method u with body (JSON, if any) and the whole
// Authorization header authorization ("" for none).
func sendWith(t testing.TB, method, u, body, authorization string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return resp, providertest.ReadBody(t, resp)
}

// register registers a client and fails the test unless it gets 201.
func register(t testing.TB, srv *providertest.Server, doc string) registration {
	t.Helper()
	resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", doc, "")
	return wantRegistration(t, "register", http.StatusCreated, resp, body)
}

// wantRegistration decodes the answer (resp, body) of a registration or an
// update that must succeed with status want, not stored by any cache, and
// fails the test otherwise; what names the request in the failure.
func wantRegistration(t testing.TB, what string, want int, resp *http.Response, body string) registration {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: got %d, want %d: %s", what, resp.StatusCode, want, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, resp.Header.Get("Cache-Control"))
	}
	var reg registration
	if err := json.Unmarshal([]byte(body), &reg); err != nil {
		t.Fatalf("%s: %v: %s", what, err, body)
	}
	return reg
}

const nativeClient = `{"client_name":"CLI tool","redirect_uris":["http://127.0.0.1:49152/callback"],
	"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"scope":"openid read"}`

// TestE2ERegisteredPublicClient: a native app registers (RFC 7591), signs a
// user in with PKCE, reads and deletes its registration (RFC 7592), and its
// tokens die with it.
func TestE2ERegisteredPublicClient(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, nativeClient)
		if reg.ClientSecret != "" || reg.ClientSecretExpiresAt != nil {
			t.Errorf("a public client got a secret: %+v", reg)
		}
		if reg.RegistrationClientURI != srv.Issuer+"/oauth/register/"+reg.ClientID || reg.RegistrationAccessToken == "" || reg.ClientIDIssuedAt == 0 {
			t.Errorf("provisioned fields (RFC 7591 Section 3.2.1, RFC 7592 Section 3): %+v", reg)
		}
		if strings.Join(reg.ResponseTypes, " ") != "code" || reg.TokenEndpointAuthMethod != "none" || reg.Scope != "openid read" {
			t.Errorf("registered metadata: %+v", reg)
		}

		cfg := &oauth2.Config{ClientID: reg.ClientID, RedirectURL: reg.RedirectURIs[0], Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
		_, _, tok := exchangeCode(t, srv, cfg) // the registered client's code exchange
		if resp, _ := callResource(t, srv.URL+"/user/profile", tok.AccessToken); resp.StatusCode != http.StatusOK {
			t.Fatalf("its access token at /user/profile: got %d, want 200", resp.StatusCode)
		}

		resp, body := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
		var read registration
		_ = json.Unmarshal([]byte(body), &read)
		if resp.StatusCode != http.StatusOK || read.ClientID != reg.ClientID || read.ClientName != "CLI tool" ||
			read.RegistrationAccessToken != reg.RegistrationAccessToken || read.RegistrationClientURI != reg.RegistrationClientURI {
			t.Fatalf("read (RFC 7592 Section 2.1): got %d %s", resp.StatusCode, body)
		}

		resp, body = sendJSON(t, http.MethodDelete, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete (RFC 7592 Section 2.3): got %d, want 204: %s", resp.StatusCode, body)
		}
		if resp, _ := callResource(t, srv.URL+"/user/profile", tok.AccessToken); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the deleted client's access token: got %d, want 401", resp.StatusCode)
		}
		if _, err := cfg.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("the deleted client's refresh token: got a token, want an error")
		}
		if resp, _ := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("read after delete: got %d, want 401", resp.StatusCode)
		}
	})
}

// TestE2ENativeClientOnAnyLoopbackPort: a native app registered with one
// loopback port signs a user in on another, as an app that took whatever
// port its system gave it does (RFC 8252 Section 7.3), and exchanges the
// code with that same redirect URI. A port no app can listen on (0, past
// 65535), which registration refuses, is refused in a request too: an
// error page, never a redirect.
func TestE2ENativeClientOnAnyLoopbackPort(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, nativeClient) // http://127.0.0.1:49152/callback
		cfg := &oauth2.Config{ClientID: reg.ClientID, RedirectURL: "http://127.0.0.1:51234/callback", Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
		_, _, tok := exchangeCode(t, srv, cfg)
		if resp, _ := callResource(t, srv.URL+"/user/profile", tok.AccessToken); resp.StatusCode != http.StatusOK {
			t.Fatalf("its access token at /user/profile: got %d, want 200", resp.StatusCode)
		}
		for _, port := range []string{"0", "99999", "99999999999999999999"} {
			wantRedirectURI(t, srv, cfg, "http://127.0.0.1:"+port+"/callback", false)
		}
	})
}

// TestE2ERegisteredConfidentialClient: a machine client registers for
// client_credentials with client_secret_post, and must use that method.
func TestE2ERegisteredConfidentialClient(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post","scope":"read write"}`)
		if reg.ClientSecret == "" || reg.ClientSecretExpiresAt == nil || *reg.ClientSecretExpiresAt != 0 {
			t.Fatalf("client_secret and client_secret_expires_at 0 (RFC 7591 Section 3.2.1): %+v", reg)
		}
		cc := clientcredentials.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, TokenURL: srv.URL + "/oauth/token",
			Scopes: []string{"write"}, AuthStyle: oauth2.AuthStyleInParams}
		tok, err := cc.Token(t.Context())
		if err != nil || tok.Extra("scope") != "write" {
			t.Fatalf("client_credentials with the registered secret: %v %v", err, tok)
		}
		cc.AuthStyle = oauth2.AuthStyleInHeader
		if _, err := cc.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("client_secret_basic for a client_secret_post client: got %v, want invalid_client", err)
		}
		cc.AuthStyle, cc.ClientSecret = oauth2.AuthStyleInParams, "wrong"
		if _, err := cc.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("a wrong secret: got %v, want invalid_client", err)
		}
	})
}

// TestE2EDeletedClientsTokensDie: deleting a registered client ends its
// tokens at once (RFC 7592 Section 2.3: the server "SHOULD immediately
// invalidate all existing authorization grants and currently-active access
// tokens"), the access tokens of the client credentials grant too, which
// belong to no grant: even one the resource has checked before, and so
// answers from memory (README, "Revocation without a query per request").
func TestE2EDeletedClientsTokensDie(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"read"}`)
		cc := clientcredentials.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
		tok, err := cc.Token(t.Context())
		if err != nil {
			t.Fatalf("client_credentials: %v", err)
		}
		for range 2 {
			if status, challenge := resourceStatus(t, srv, tok.AccessToken); status != http.StatusOK {
				t.Fatalf("the client's token before its deletion: got %d (%s), want 200", status, challenge)
			}
		}
		if resp, body := sendJSON(t, http.MethodDelete, reg.RegistrationClientURI, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: got %d %s, want 204", resp.StatusCode, body)
		}
		if status, challenge := resourceStatus(t, srv, tok.AccessToken); status != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) {
			t.Errorf("the client's token after its deletion: got %d (%s), want 401 invalid_token", status, challenge)
		}
	})
}

// TestE2ERegistrationEchoesNoResponseTypes: a client without the
// authorization_code grant uses no response type ((none) in the table of
// RFC 7591 Section 2.1), and its registration says so with an empty array,
// in the registration response and at the configuration endpoint
// (RFC 7592 Section 3): null is not an array, and an omitted
// response_types would mean "code", its default (RFC 7591 Section 2).
func TestE2ERegistrationEchoesNoResponseTypes(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", `{"grant_types":["client_credentials"]}`, "")
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"response_types":[]`) {
		t.Fatalf("register: got %d %s, want 201 with response_types []", resp.StatusCode, body)
	}
	var reg registration
	_ = json.Unmarshal([]byte(body), &reg)
	resp, body = sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"response_types":[]`) {
		t.Errorf("read: got %d %s, want 200 with response_types []", resp.StatusCode, body)
	}
}

// TestE2ERegistrationBadInput: every malformed registration or configuration
// request gets its protocol error (RFC 7591 Section 3.2.2, RFC 7592), and
// a client registered before them is unharmed.
func TestE2ERegistrationBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, nativeClient)
		other := register(t, srv, nativeClient)
		web := `"redirect_uris":["https://app.example/cb"]`
		jsonCT := "application/json"
		cases := []badRequest{
			{name: "a form body: invalid_client_metadata (RFC 7591 Section 3.1)", method: "POST", path: "/oauth/register", body: "redirect_uris=x", wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "malformed JSON", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{"redirect_uris":[`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "a JSON array", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `[1]`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "a 2 MB body", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{"client_name":"` + strings.Repeat("a", bigBody) + `"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "http redirect URI on a public host: invalid_redirect_uri", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{"redirect_uris":["http://app.example/cb"]}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
			{name: "a redirect URI with a fragment", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{"redirect_uris":["https://app.example/cb#x"]}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
			{name: "a relative redirect URI", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{"redirect_uris":["cb"]}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
			{name: "jwks_uri, never fetched", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{` + web + `,"jwks_uri":"https://127.0.0.1:1/jwks"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "an unknown auth method", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{` + web + `,"token_endpoint_auth_method":"magic"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "an unknown grant type", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{` + web + `,"grant_types":["password"]}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "an unknown scope", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{` + web + `,"scope":"admin"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "inconsistent grant and response types", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{"grant_types":["client_credentials"],"response_types":["code"]}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "a malformed jwks (a symmetric key)", method: "POST", path: "/oauth/register", contentType: jsonCT,
				body: `{` + web + `,"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "private_key_jwt without jwks", method: "POST", path: "/oauth/register", contentType: jsonCT,
				body: `{` + web + `,"token_endpoint_auth_method":"private_key_jwt"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "GET /oauth/register: 405", method: "GET", path: "/oauth/register", wantStatus: 405},
			{name: "PATCH on the configuration endpoint: 405 (RFC 7592 Section 2.2 replaces with PUT)", method: "PATCH", path: "/oauth/register/" + reg.ClientID, wantStatus: 405},
			{name: "read without a token: 401 with no error code (RFC 6750 Section 3.1)", method: "GET", path: "/oauth/register/" + reg.ClientID, wantStatus: 401},
			{name: "read with another client's token: 401", method: "GET", path: "/oauth/register/" + reg.ClientID,
				header: map[string]string{"Authorization": "Bearer " + other.RegistrationAccessToken}, wantStatus: 401, wantError: "invalid_token"},
			{name: "delete with another client's token: 401", method: "DELETE", path: "/oauth/register/" + reg.ClientID,
				header: map[string]string{"Authorization": "Bearer " + other.RegistrationAccessToken}, wantStatus: 401, wantError: "invalid_token"},
			{name: "read of an unknown client: 401, as for a wrong token", method: "GET", path: "/oauth/register/nobody",
				header: map[string]string{"Authorization": "Bearer " + reg.RegistrationAccessToken}, wantStatus: 401, wantError: "invalid_token"},
			{name: "read of a demo client with no registration token: 401", method: "GET", path: "/oauth/register/testclient",
				header: map[string]string{"Authorization": "Bearer x"}, wantStatus: 401, wantError: "invalid_token"},
			{name: "read of a client_id with a NUL: 401, as for an unknown client (RFC 6749 Appendix B)", method: "GET", path: "/oauth/register/a%00b",
				header: map[string]string{"Authorization": "Bearer " + reg.RegistrationAccessToken}, wantStatus: 401, wantError: "invalid_token"},
			{name: "delete of a client_id in invalid UTF-8: 401", method: "DELETE", path: "/oauth/register/%ff",
				header: map[string]string{"Authorization": "Bearer " + reg.RegistrationAccessToken}, wantStatus: 401, wantError: "invalid_token"},
			{name: "a client_name that is not UTF-8: invalid_client_metadata (RFC 8259 Section 8.1)", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{` + web + `,"client_name":"bad ` + "\xff" + ` name"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "a NUL in client_name: invalid_client_metadata", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{` + web + `,"client_name":"a\u0000b"}`, wantStatus: 400, wantError: "invalid_client_metadata"},
			{name: "a NUL in a redirect URI: invalid_redirect_uri", method: "POST", path: "/oauth/register", contentType: jsonCT, body: `{"redirect_uris":["https://app.example/cb\u0000"]}`, wantStatus: 400, wantError: "invalid_redirect_uri"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { checkBadRequest(t, srv, tc) })
		}
		if resp, body := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusOK {
			t.Errorf("the client registered before the bad requests: got %d %s, want 200", resp.StatusCode, body)
		}
	})
}

// TestE2ERegistrationPolicy: REGISTRATION decides who may register
// (RFC 7591 Section 3: an initial access token "to limit registration to
// only previously authorized parties"), and the metadata names the endpoint
// only when it takes requests.
func TestE2ERegistrationPolicy(t *testing.T) {
	const initial = "initial-access-token-of-at-least-32-chars"
	t.Run("token", func(t *testing.T) {
		srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) {
			c.Registration, c.RegistrationToken = config.RegistrationToken, initial
		}})
		for _, bearer := range []string{"", "wrong"} {
			resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, bearer)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("initial access token %q: got %d %s, want 401 with a Bearer challenge", bearer, resp.StatusCode, body)
			}
		}
		if resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, initial); resp.StatusCode != http.StatusCreated {
			t.Errorf("with the initial access token: got %d %s, want 201", resp.StatusCode, body)
		}
		if m := metadataOf(t, srv); m["registration_endpoint"] != srv.Issuer+"/oauth/register" {
			t.Errorf("registration_endpoint: got %v", m["registration_endpoint"])
		}
	})
	t.Run("off", func(t *testing.T) {
		srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.Registration = config.RegistrationOff }})
		resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, "")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "access_denied") {
			t.Errorf("registration when off: got %d %s, want 400 access_denied", resp.StatusCode, body)
		}
		if m := metadataOf(t, srv); m["registration_endpoint"] != nil {
			t.Errorf("registration_endpoint when off: got %v, want none", m["registration_endpoint"])
		}
	})
	t.Run("auto is open in teaching mode (a loopback http issuer)", func(t *testing.T) {
		srv := providertest.New(t, providertest.Options{})
		register(t, srv, nativeClient)
	})
	t.Run("auto is off on a public issuer without REGISTRATION_TOKEN", func(t *testing.T) {
		srv := providertest.New(t, providertest.Options{Issuer: "https://login.example"})
		if resp, _ := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("got %d, want 400", resp.StatusCode)
		}
	})
}

// TestE2ERegistrationChecksTheCallerFirst: under REGISTRATION=token the
// initial access token is checked before the body is read
// (RFC 7591 Section 3: the endpoint "MAY be an OAuth 2.0 protected resource"). A
// caller without it gets 401 and a bare challenge, one with a wrong token
// 401 invalid_token (RFC 6750 Section 3.1), whatever the body: it learns no
// metadata rule, and nothing is stored. The token in the query string is
// 400 invalid_request (RFC 9700 Section 4.3.2), and nothing is stored
// either. With the token, a bad body is the metadata error of
// RFC 7591 Section 3.2.2. Open registration ignores a bearer token and
// answers the body, as before.
func TestE2ERegistrationChecksTheCallerFirst(t *testing.T) {
	const initial = "initial-access-token-of-at-least-32-chars"
	bodies := []struct{ name, body, wantError string }{
		{"no body", "", "invalid_client_metadata"},
		{"malformed JSON", `{"redirect_uris":[`, "invalid_client_metadata"},
		{"a JSON array", `[1]`, "invalid_client_metadata"},
		{"an http redirect URI on a public host", `{"redirect_uris":["http://app.example/cb"]}`, "invalid_redirect_uri"},
		{"a 2 MB body", `{"client_name":"` + strings.Repeat("a", bigBody) + `"}`, "invalid_client_metadata"},
	}
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) {
			c.Registration, c.RegistrationToken = config.RegistrationToken, initial
		}})
		created := countCreatedClients(srv)
		for _, b := range append(bodies, struct{ name, body, wantError string }{"a valid body", nativeClient, ""}) {
			resp, body := sendWith(t, http.MethodPost, srv.URL+"/oauth/register", b.body, "")
			checkNoCredentialsAnswer(t, "no initial access token, "+b.name, resp, body, "")
			resp, body = sendWith(t, http.MethodPost, srv.URL+"/oauth/register", b.body, "Bearer wrong-initial-access-token")
			checkNoCredentialsAnswer(t, "a wrong initial access token, "+b.name, resp, body, "invalid_token")
		}
		resp, body := sendWith(t, http.MethodPost, srv.URL+"/oauth/register?access_token="+initial, nativeClient, "")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"invalid_request"`) {
			t.Errorf("the initial access token in the query string (RFC 9700 Section 4.3.2): got %d %s, want 400 invalid_request", resp.StatusCode, body)
		}
		if n := created.Load(); n != 0 {
			t.Errorf("refused registrations stored %d clients, want 0", n)
		}
		for _, b := range bodies {
			resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", b.body, initial)
			checkBadRegistration(t, "the initial access token, "+b.name, resp, body, b.wantError)
		}
		resp, body = sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, initial)
		if n := created.Load(); resp.StatusCode != http.StatusCreated || n != 1 {
			t.Errorf("the initial access token and a valid body: got %d %.200s and %d clients stored, want 201 and 1", resp.StatusCode, body, n)
		}

		open := newServer(providertest.Options{Configure: func(c *config.Config) { c.Registration = config.RegistrationOpen }})
		for _, bearer := range []string{"", "any-token"} {
			for _, b := range bodies {
				resp, body := sendJSON(t, http.MethodPost, open.URL+"/oauth/register", b.body, bearer)
				checkBadRegistration(t, "open registration, bearer "+bearer+", "+b.name, resp, body, b.wantError)
			}
		}
	})
}

// countCreatedClients counts, from now on, the clients srv's provider
// stores. Call it before the first request to srv.
func countCreatedClients(srv *providertest.Server) *atomic.Int32 {
	c := &creationCounter{Store: srv.Provider.Store}
	srv.Provider.Store = c
	return &c.created
}

// creationCounter is a store that counts CreateClient calls.
type creationCounter struct {
	store.Store
	created atomic.Int32
}

func (c *creationCounter) CreateClient(ctx context.Context, client store.Client) error {
	c.created.Add(1)
	return c.Store.CreateClient(ctx, client)
}

// checkBadRegistration checks the 400 of a registration whose body is
// refused (RFC 7591 Section 3.2.2), with error code want.
func checkBadRegistration(t *testing.T, request string, resp *http.Response, body, want string) {
	t.Helper()
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(body), &e); resp.StatusCode != http.StatusBadRequest || err != nil || e.Error != want {
		t.Errorf("%s: got %d %.200s, want 400 %s", request, resp.StatusCode, body, want)
	}
}

// metadataOf fetches the RFC 8414 metadata as a map.
func metadataOf(t *testing.T, srv *providertest.Server) map[string]any {
	t.Helper()
	var m map[string]any
	getJSON(t, srv.URL+"/.well-known/oauth-authorization-server", &m)
	return m
}

// TestE2ERegistrationRateLimit: one address may register REGISTRATIONS_PER_HOUR
// times an hour, then gets 429 with Retry-After (RFC 7591 Section 3: "These
// requests MAY be rate-limited").
func TestE2ERegistrationRateLimit(t *testing.T) {
	srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = 3 }})
	for range 3 {
		register(t, srv, nativeClient)
	}
	resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", nativeClient, "")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("fourth registration: got %d (Retry-After %q) %s, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestE2ERegisteredClientExpiresUnused: a registered client that is never used
// is refused after REGISTRATION_UNUSED_TTL, at the token endpoint and at
// its configuration endpoint (GET, PUT and DELETE: 401, as for a client
// that does not exist, RFC 7592 Section 2.1) even before the purge, and
// purged; one that was used stays.
func TestE2ERegisteredClientExpiresUnused(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := clocktest.New(time.Now())
		srv := newServer(providertest.Options{Now: clock.Now, Configure: func(c *config.Config) { c.RegistrationUnusedTTL = time.Hour }})
		machine := `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"}`
		used, unused := register(t, srv, machine), register(t, srv, machine)
		token := func(reg registration) error {
			_, err := (&clientcredentials.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret,
				TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}).Token(t.Context())
			return err
		}
		if err := token(used); err != nil {
			t.Fatalf("first use: %v", err)
		}
		clock.Advance(2 * time.Hour)
		if err := token(used); err != nil {
			t.Errorf("a used client after the unused TTL: %v", err)
		}
		if err := token(unused); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("a never-used client after its TTL: got %v, want invalid_client", err)
		}
		update := `{"client_id":"` + unused.ClientID + `","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"}`
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			var body string
			if method == http.MethodPut {
				body = update
			}
			if resp, got := sendJSON(t, method, unused.RegistrationClientURI, body, unused.RegistrationAccessToken); resp.StatusCode != http.StatusUnauthorized || jsonField(got, "error") != "invalid_token" {
				t.Errorf("%s of the never-used client's registration after its TTL, before the purge: got %d %s, want 401 invalid_token (RFC 7592 Section 2.1)", method, resp.StatusCode, got)
			}
		}
		if _, err := srv.Provider.PurgeExpired(t.Context()); err != nil {
			t.Fatal(err)
		}
		if resp, _ := sendJSON(t, http.MethodGet, unused.RegistrationClientURI, "", unused.RegistrationAccessToken); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the purged client's registration: got %d, want 401", resp.StatusCode)
		}
		if resp, _ := sendJSON(t, http.MethodGet, used.RegistrationClientURI, "", used.RegistrationAccessToken); resp.StatusCode != http.StatusOK {
			t.Errorf("the used client's registration after the purge: got %d, want 200", resp.StatusCode)
		}
	})
}

// TestE2ERegisteredClientScaleOut: a client registered at one provider
// process is known to every other on the same PostgreSQL database, and its
// deletion at one reaches the other: the other refuses its registration
// access token, and its client credentials tokens, even one checked there
// before.
func TestE2ERegisteredClientScaleOut(t *testing.T) {
	a, b, reg, atB := registeredAtAUsedAtB(t)
	tok, err := atB.Token(t.Context())
	if err != nil {
		t.Fatalf("a client registered at A, at B's token endpoint: %v", err)
	}
	for range 2 { // A now answers from memory
		if status, challenge := resourceStatus(t, a, tok.AccessToken); status != http.StatusOK {
			t.Fatalf("B's token at A: got %d (%s), want 200", status, challenge)
		}
	}
	if resp, body := sendJSON(t, http.MethodGet, b.URL+"/oauth/register/"+reg.ClientID, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("read at B: got %d %s", resp.StatusCode, body)
	}
	if resp, _ := sendJSON(t, http.MethodDelete, b.URL+"/oauth/register/"+reg.ClientID, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete at B: got %d", resp.StatusCode)
	}
	if resp, _ := sendJSON(t, http.MethodGet, a.URL+"/oauth/register/"+reg.ClientID, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("read at A after the delete at B: got %d, want 401", resp.StatusCode)
	}
	// A learns of the deletion by PostgreSQL's notification, within
	// milliseconds; the test allows a second.
	deadline := time.Now().Add(time.Second)
	for status, _ := resourceStatus(t, a, tok.AccessToken); status == http.StatusOK; status, _ = resourceStatus(t, a, tok.AccessToken) {
		if time.Now().After(deadline) {
			t.Fatal("A still accepts the deleted client's token a second after B deleted it")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestE2ERegisteredClientPolicies: what a client registers is what the
// provider enforces: its ID tokens are signed with the registered
// id_token_signed_response_alg (OIDC Registration Section 2), and
// require_pushed_authorization_requests makes the PAR endpoint mandatory
// (RFC 9126 Section 6).
func TestE2ERegisteredClientPolicies(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	reg := register(t, srv, `{"redirect_uris":["`+demoRedirectURI+`"],"token_endpoint_auth_method":"client_secret_basic",
		"grant_types":["authorization_code"],"scope":"openid read","id_token_signed_response_alg":"ES256",
		"require_pushed_authorization_requests":true,"post_logout_redirect_uris":["http://localhost:3000/"]}`)
	resp, body := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
	for _, want := range []string{`"id_token_signed_response_alg":"ES256"`, `"require_pushed_authorization_requests":true`, `"post_logout_redirect_uris":["http://localhost:3000/"]`} {
		if !strings.Contains(body, want) {
			t.Errorf("read: got %d %s, want %s", resp.StatusCode, body, want)
		}
	}
	auth := clientAuth{id: reg.ClientID, secret: reg.ClientSecret, basic: true}
	cfg := &oauth2.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, RedirectURL: demoRedirectURI, Scopes: []string{"openid", "read"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	resp, page := newBrowser(t).Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if loc := providertest.RedirectOf(t, resp, page); loc.Query().Get("error") == "" {
		t.Errorf("an authorization without PAR for a client that requires it: got %s, want an error", loc.Redacted())
	}
	verifier := oauth2.GenerateVerifier()
	form := pushedDemoRequest(verifier)
	form.Set("client_id", reg.ClientID)
	requestURI := pushOK(t, srv, form, auth)
	loc := newBrowser(t).Approve(parAuthorizeURL(srv, reg.ClientID, requestURI))
	tok, err := cfg.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	if alg := jwttest.Part(t, idToken, jwttest.Header)["alg"]; alg != "ES256" {
		t.Errorf("ID token header: got alg %v, want ES256", alg)
	}
}

// TestE2EConsentPageOfRegisteredClient: the consent page says that a
// self-registered app's name is its own claim, and shows the client_id of
// an app that gave no name (RFC 7591 Section 2: "If omitted, the
// authorization server MAY display the raw "client_id" value").
func TestE2EConsentPageOfRegisteredClient(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	reg := register(t, srv, `{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`)
	cfg := &oauth2.Config{ClientID: reg.ClientID, RedirectURL: "http://127.0.0.1:9/cb", Scopes: []string{"read"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize"}}
	_, page := newBrowser(t).Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if !strings.Contains(page, "<strong>"+reg.ClientID+"</strong>") || !strings.Contains(page, "registered itself") {
		t.Errorf("consent page of an unnamed self-registered client: %s", page)
	}
	_, page = newBrowser(t).Get(demoConfig(srv, oauth2.AuthStyleInHeader, "read").AuthCodeURL("s"))
	if strings.Contains(page, "registered itself") {
		t.Errorf("the demo client's consent page claims it registered itself")
	}
}

// registeredAtAUsedAtB starts two provider processes, A and B, on one
// PostgreSQL database with one issuer, registers a client credentials
// client at A, and returns its token endpoint configuration at B.
func registeredAtAUsedAtB(t *testing.T) (a, b *providertest.Server, reg registration, atB clientcredentials.Config) {
	t.Helper()
	dbURL := pgtest.NewSchemas(t).Create(t)
	sameIssuer := func(c *config.Config) { c.DatabaseURL = dbURL; c.Issuer = "http://127.0.0.1:1" }
	a = providertest.New(t, providertest.Options{Configure: sameIssuer})
	b = providertest.New(t, providertest.Options{Configure: sameIssuer})
	reg = register(t, a, `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"}`)
	atB = clientcredentials.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, TokenURL: b.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	return a, b, reg, atB
}
