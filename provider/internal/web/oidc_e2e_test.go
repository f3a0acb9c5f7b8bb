package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// idTokenClaims are the claims of an ID token that go-oidc's IDToken does
// not surface itself; pointers tell an absent claim from an empty one.
type idTokenClaims struct {
	AuthTime      *int64  `json:"auth_time"`
	Nonce         *string `json:"nonce"`
	Name          *string `json:"name"`
	Email         *string `json:"email"`
	EmailVerified *bool   `json:"email_verified"`
}

func ptr[T any](v T) *T { return &v }

// verifiedIDToken verifies a token response's ID token with go-oidc, as a
// relying party does: JWKS signature, iss, aud, exp; and at_hash against
// the access token of the same response.
func verifiedIDToken(t *testing.T, v *oidc.IDTokenVerifier, tok *oauth2.Token) (*oidc.IDToken, idTokenClaims) {
	t.Helper()
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		t.Fatalf("no id_token in the token response")
	}
	idt, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash (OIDC Core Section 3.1.3.6): %v", err)
	}
	var c idTokenClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatalf("ID token claims: %v", err)
	}
	return idt, c
}

// relyingParty is go-oidc set up against a provider on a fake clock, as a
// relying party uses it, with a browser in which the demo user signed in
// with the password at signedInAt (the auth_time of later ID tokens).
type relyingParty struct {
	srv        *providertest.Server
	clock      *clocktest.Clock
	browser    *browser
	provider   *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	signedInAt time.Time
}

// newRelyingParty starts a provider, discovers it with go-oidc (which fails
// unless discovery's issuer is the provider's) and signs the demo user in.
func newRelyingParty(t *testing.T) *relyingParty {
	t.Helper()
	clock := newFakeClock()
	srv := providertest.New(t, providertest.Options{Now: clock.Now})
	provider, err := oidc.NewProvider(context.Background(), srv.Issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	rp := &relyingParty{srv: srv, clock: clock, browser: newBrowser(t), provider: provider,
		verifier: provider.Verifier(&oidc.Config{ClientID: "testclient", Now: clock.Now}), signedInAt: clock.Now()}
	rp.browser.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid"))
	clock.Advance(time.Minute)
	return rp
}

// TestE2EDiscoveryListsEveryEndpoint: both metadata documents
// ([RFC 8414 Section 2], [OIDC Discovery Section 3]) are the same, list
// every endpoint, and each one is served.
func TestE2EDiscoveryListsEveryEndpoint(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	var docs [2]map[string]any
	for i, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		resp, body := callResource(t, srv.URL+path, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d, want 200", path, resp.StatusCode)
		}
		if err := json.Unmarshal([]byte(body), &docs[i]); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	if diff := cmp.Diff(docs[0], docs[1]); diff != "" {
		t.Errorf("the two metadata documents differ (-openid-configuration +oauth-authorization-server):\n%s", diff)
	}
	doc := docs[0]
	endpoints := map[string]string{
		"authorization_endpoint": "/oauth/authorize", "token_endpoint": "/oauth/token",
		"jwks_uri": "/.well-known/jwks.json", "userinfo_endpoint": "/userinfo",
		"revocation_endpoint": "/oauth/revoke", "introspection_endpoint": "/oauth/introspect",
		"device_authorization_endpoint": "/oauth/device/code",
		"end_session_endpoint":          "/oauth/logout", // OIDC RP-Initiated Logout Section 2.1
	}
	for field, path := range endpoints {
		if got := doc[field]; got != srv.Issuer+path {
			t.Errorf("%s: got %v, want %s", field, got, srv.Issuer+path)
			continue
		}
		// Served: any answer but 404 (most want credentials or parameters).
		method := http.MethodPost
		if field == "authorization_endpoint" || field == "jwks_uri" || field == "userinfo_endpoint" {
			method = http.MethodGet
		}
		req, _ := http.NewRequest(method, srv.Issuer+path, nil)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s %s: got %d, want the endpoint to be served", method, path, resp.StatusCode)
		}
	}
	want := map[string]any{
		"issuer":                                         srv.Issuer,
		"response_types_supported":                       []any{"code"},
		"code_challenge_methods_supported":               []any{"S256"},
		"id_token_signing_alg_values_supported":          []any{"RS256", "ES256"},
		"access_token_signing_alg_values_supported":      []any{"RS256", "ES256"},
		"subject_types_supported":                        []any{"public"},
		"authorization_response_iss_parameter_supported": true,
		// OIDC Core Section 3.1.2.1: each value the authorization endpoint acts on
		"prompt_values_supported": []any{"none", "login", "consent", "select_account"},
		// OIDC Discovery Section 3: request_uri_parameter_supported
		// defaults to true, so "not supported" must be said.
		"request_parameter_supported":     false,
		"request_uri_parameter_supported": false,
	}
	for field, w := range want {
		if diff := cmp.Diff(w, doc[field]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", field, diff)
		}
	}
	for _, field := range []string{"scopes_supported", "grant_types_supported", "token_endpoint_auth_methods_supported", "claims_supported"} {
		if _, ok := doc[field].([]any); !ok {
			t.Errorf("%s: got %v, want a list", field, doc[field])
		}
	}
}

// TestE2EIDTokenAndUserInfoClaimsFollowTheScope checks ID tokens
// ([OIDC Core Section 2]) with go-oidc as the relying party: iss, sub, aud,
// nonce, auth_time, at_hash and the claims each scope allows
// ([OIDC Core Section 5.4]), the same at /userinfo ([OIDC Core Section 5.3]).
func TestE2EIDTokenAndUserInfoClaimsFollowTheScope(t *testing.T) {
	t.Parallel()
	rp := newRelyingParty(t)
	ctx := context.Background()
	tests := []struct {
		name        string
		scope       []string
		wantName    *string
		wantEmail   *string
		wantProfile int // status of /user/profile
	}{
		{"openid alone gives sub and no profile or email claims (OIDC Core Section 5.4)", []string{"openid"}, nil, nil, http.StatusForbidden},
		{"profile adds name (OIDC Core Section 5.4)", []string{"openid", "profile"}, ptr("Demo User"), nil, http.StatusForbidden},
		{"email adds email and email_verified false (OIDC Core Sections 5.1, 5.4)", []string{"openid", "email"}, nil, ptr("demo@example.com"), http.StatusForbidden},
		{"every scope at once", []string{"openid", "profile", "email", "read"}, ptr("Demo User"), ptr("demo@example.com"), http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nonce := oauth2.GenerateVerifier()
			tok := rp.browser.in(t).tokens(rp.srv, demoConfig(rp.srv, oauth2.AuthStyleInHeader, tc.scope...), oauth2.SetAuthURLParam("nonce", nonce))
			idt, claims := verifiedIDToken(t, rp.verifier, tok)
			if idt.Issuer != rp.srv.Issuer || idt.Subject != "user1" || !slices.Equal(idt.Audience, []string{"testclient"}) {
				t.Errorf("iss, sub, aud: got %s, %s, %v, want %s, user1, [testclient]", idt.Issuer, idt.Subject, idt.Audience, rp.srv.Issuer)
			}
			if idt.Nonce != nonce {
				t.Errorf("nonce: got %q, want the request's %q (OIDC Core Section 3.1.3.7)", idt.Nonce, nonce)
			}
			if !idt.Expiry.After(rp.clock.Now()) || idt.IssuedAt.IsZero() {
				t.Errorf("exp, iat: got %v, %v, want exp in the future and iat set", idt.Expiry, idt.IssuedAt)
			}
			if claims.AuthTime == nil || *claims.AuthTime != rp.signedInAt.Unix() {
				t.Errorf("auth_time: got %v, want %d, when the user signed in (OIDC Core Section 2)", claims.AuthTime, rp.signedInAt.Unix())
			}
			if diff := cmp.Diff(tc.wantName, claims.Name); diff != "" {
				t.Errorf("name (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantEmail, claims.Email); diff != "" {
				t.Errorf("email (-want +got):\n%s", diff)
			}
			if tc.wantEmail != nil && (claims.EmailVerified == nil || *claims.EmailVerified) {
				t.Errorf("email_verified: got %v, want false with email: nothing verified it (OIDC Core Section 5.1)", claims.EmailVerified)
			}

			info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var infoClaims idTokenClaims
			if err := info.Claims(&infoClaims); err != nil {
				t.Fatal(err)
			}
			if info.Subject != idt.Subject {
				t.Errorf("userinfo sub: got %q, want the ID token's %q (OIDC Core Section 5.3.2)", info.Subject, idt.Subject)
			}
			if diff := cmp.Diff(tc.wantName, infoClaims.Name); diff != "" {
				t.Errorf("userinfo name (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantEmail, infoClaims.Email); diff != "" {
				t.Errorf("userinfo email (-want +got):\n%s", diff)
			}
			if resp, _ := callResource(t, rp.srv.URL+"/user/profile", tok.AccessToken); resp.StatusCode != tc.wantProfile {
				t.Errorf("GET /user/profile: got %d, want %d", resp.StatusCode, tc.wantProfile)
			}
		})
	}
}

// TestE2EIDTokenAtHashBindsItsOwnAccessToken: at_hash binds the ID token to
// the access token of its own response only ([OIDC Core Section 3.1.3.6]).
func TestE2EIDTokenAtHashBindsItsOwnAccessToken(t *testing.T) {
	t.Parallel()
	rp := newRelyingParty(t)
	cfg := demoConfig(rp.srv, oauth2.AuthStyleInParams, "openid")
	first, other := rp.browser.tokens(rp.srv, cfg), rp.browser.tokens(rp.srv, cfg)
	idt, _ := verifiedIDToken(t, rp.verifier, first)
	if err := idt.VerifyAccessToken(other.AccessToken); err == nil {
		t.Errorf("at_hash matched another response's access token, want a mismatch")
	}
}

// TestE2EIDTokenHasNoNonceUnlessAsked: without a nonce in the request the
// ID token has none ([OIDC Core Section 2]).
func TestE2EIDTokenHasNoNonceUnlessAsked(t *testing.T) {
	t.Parallel()
	rp := newRelyingParty(t)
	_, claims := verifiedIDToken(t, rp.verifier, rp.browser.tokens(rp.srv, demoConfig(rp.srv, oauth2.AuthStyleInHeader, "openid")))
	if claims.Nonce != nil {
		t.Errorf("nonce: got %q, want none", *claims.Nonce)
	}
}

// TestE2ENoIDTokenWithoutOpenID: without the openid scope there is no ID
// token ([OIDC Core Section 3.1.2.1]) and /userinfo answers
// insufficient_scope ([OIDC Core Section 5.3.3]).
func TestE2ENoIDTokenWithoutOpenID(t *testing.T) {
	t.Parallel()
	rp := newRelyingParty(t)
	tok := rp.browser.tokens(rp.srv, demoConfig(rp.srv, oauth2.AuthStyleInHeader, "read"))
	if got := tok.Extra("id_token"); got != nil {
		t.Errorf("id_token: got one, want none")
	}
	resp, _ := callResource(t, rp.srv.URL+"/userinfo", tok.AccessToken)
	if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) {
		t.Errorf("GET /userinfo without openid: got %d (%s), want 403 insufficient_scope (OIDC Core Section 5.3.3)", resp.StatusCode, challenge)
	}
}

// TestE2ERefreshedIDTokenKeepsItsClaims: a refreshed ID token keeps iss,
// sub, aud and auth_time and has no nonce ([OIDC Core Section 12.2]).
func TestE2ERefreshedIDTokenKeepsItsClaims(t *testing.T) {
	t.Parallel()
	rp := newRelyingParty(t)
	cfg := demoConfig(rp.srv, oauth2.AuthStyleInHeader, "openid", "profile")
	first := rp.browser.tokens(rp.srv, cfg, oauth2.SetAuthURLParam("nonce", "n-0S6_WzA2Mj"))
	rp.clock.Advance(time.Minute)
	refreshed, err := refresh(cfg, first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	before, _ := verifiedIDToken(t, rp.verifier, first)
	after, claims := verifiedIDToken(t, rp.verifier, refreshed)
	if after.Issuer != before.Issuer || after.Subject != before.Subject || !slices.Equal(after.Audience, before.Audience) {
		t.Errorf("iss, sub, aud: got %s, %s, %v, want %s, %s, %v", after.Issuer, after.Subject, after.Audience, before.Issuer, before.Subject, before.Audience)
	}
	if claims.AuthTime == nil || *claims.AuthTime != rp.signedInAt.Unix() {
		t.Errorf("auth_time: got %v, want %d, the original authentication", claims.AuthTime, rp.signedInAt.Unix())
	}
	if claims.Nonce != nil {
		t.Errorf("nonce: got %q, want none", *claims.Nonce)
	}
}

// TestE2EUserInfoAnswersPOST: POST /userinfo answers like GET
// ([OIDC Core Section 5.3.1]).
func TestE2EUserInfoAnswersPOST(t *testing.T) {
	t.Parallel()
	rp := newRelyingParty(t)
	tok := rp.browser.tokens(rp.srv, demoConfig(rp.srv, oauth2.AuthStyleInHeader, "openid", "email"))
	resp, body := rawPost(t, rp.srv.URL+"/userinfo", "", map[string]string{"Authorization": "Bearer " + tok.AccessToken})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"demo@example.com"`) {
		t.Errorf("POST /userinfo: got %d %s, want 200 with the email", resp.StatusCode, body)
	}
}

// TestE2EPrompt holds the authorization endpoint to the prompt and max_age
// parameters of [OIDC Core Section 3.1.2.1]: prompt=none never shows a page
// and answers login_required or consent_required by redirect; prompt=login
// and max_age force the password again; a public client is never approved
// silently ([RFC 8252 Section 8.6]).
func TestE2EPrompt(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := providertest.New(t, providertest.Options{Now: clock.Now})
	demo := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
	spa := spaConfig(srv, "openid", "read")
	pkce := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())

	// silent sends a prompt=none request and returns the redirect's query,
	// after checking that no page was shown.
	silent := func(t *testing.T, b *browser, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) url.Values {
		t.Helper()
		resp, page := b.in(t).Get(cfg.AuthCodeURL("st-none", append(opts, oauth2.SetAuthURLParam("prompt", "none"), pkce)...))
		q := providertest.RedirectOf(t, resp, page).Query()
		if q.Get("state") != "st-none" || q.Get("iss") != srv.Issuer {
			t.Errorf("state, iss: got %q, %q, want %q, %q (RFC 9207 Section 2)", q.Get("state"), q.Get("iss"), "st-none", srv.Issuer)
		}
		return q
	}
	wantError := func(t *testing.T, q url.Values, want string) {
		t.Helper()
		if got := q.Get("error"); got != want || q.Has("code") {
			t.Errorf("got error=%q code=%t, want error=%s and no code", got, q.Has("code"), want)
		}
	}

	t.Run("prompt=none without a login session is login_required (OIDC Core Section 3.1.2.6)", func(t *testing.T) {
		wantError(t, silent(t, newBrowser(t), demo), "login_required")
	})

	b := newBrowser(t)
	b.Approve(spa.AuthCodeURL("s", pkce)) // signs in, and consents for the public client only
	signedInAt := clock.Now()

	t.Run("prompt=none with a login session but no consent for the client is consent_required (OIDC Core Section 3.1.2.6)", func(t *testing.T) {
		wantError(t, silent(t, b, demo), "consent_required")
	})

	t.Run("prompt=none after the user consented in this session gives a code (OIDC Core Section 3.1.2.1)", func(t *testing.T) {
		b.in(t).Approve(demo.AuthCodeURL("s", pkce))
		q := silent(t, b, demo)
		if q.Get("code") == "" {
			t.Fatalf("got error=%q, want a code", q.Get("error"))
		}
	})

	t.Run("prompt=none for more scope than the user consented to is consent_required (OIDC Core Section 3.1.2.6)", func(t *testing.T) {
		wider := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read", "write")
		wantError(t, silent(t, b, wider), "consent_required")
	})

	t.Run("prompt=none for a public client is never approved silently (RFC 8252 Section 8.6)", func(t *testing.T) {
		b.in(t).Approve(spa.AuthCodeURL("s", pkce)) // consented again, just now
		wantError(t, silent(t, b, spa), "consent_required")
	})

	t.Run("prompt=none with max_age exceeded is login_required (OIDC Core Section 3.1.2.1)", func(t *testing.T) {
		clock.Advance(2 * time.Minute)
		q := silent(t, b, demo, oauth2.SetAuthURLParam("max_age", "60"))
		wantError(t, q, "login_required")
		// The user is signed in, only too long ago: the description says so.
		if got, want := q.Get("error_description"), "the user signed in longer ago than max_age allows"; got != want {
			t.Errorf("error_description: got %q, want %q", got, want)
		}
	})

	// sessionAged makes b's login session exactly age old, signing in again
	// only when it is older already (the clock cannot go back).
	sessionAged := func(t *testing.T, age time.Duration) {
		if clock.Now().Sub(signedInAt) > age {
			b.in(t).Approve(demo.AuthCodeURL("s", pkce, oauth2.SetAuthURLParam("prompt", "login")))
			signedInAt = clock.Now()
		}
		clock.Advance(age - clock.Now().Sub(signedInAt))
	}
	reauth := []struct {
		name         string
		opt          oauth2.AuthCodeOption
		age          time.Duration // of the login session when the request comes
		wantPassword bool
	}{
		{"prompt=login asks for the password despite a login session (OIDC Core Section 3.1.2.1)", oauth2.SetAuthURLParam("prompt", "login"), time.Hour, true},
		{"prompt=select_account shows the sign-in form, where the user chooses the account, despite a login session (OIDC Core Section 3.1.2.1)", oauth2.SetAuthURLParam("prompt", "select_account"), time.Minute, true},
		{"max_age=0 asks for the password even right after a sign-in: it equals prompt=login (OIDC Core Section 3.1.2.1)", oauth2.SetAuthURLParam("max_age", "0"), 0, true},
		{"max_age longer than the session's age does not ask again (OIDC Core Section 3.1.2.1)", oauth2.SetAuthURLParam("max_age", "60"), 59 * time.Second, false},
		{"max_age shorter than the session's age asks for the password (OIDC Core Section 3.1.2.1)", oauth2.SetAuthURLParam("max_age", "60"), 61 * time.Second, true},
	}
	for _, tc := range reauth {
		t.Run(tc.name, func(t *testing.T) {
			bt := b.in(t)
			sessionAged(t, tc.age)
			resp, page := bt.Get(demo.AuthCodeURL("s", pkce, tc.opt))
			if resp.StatusCode != http.StatusOK || providertest.AsksPassword(page) != tc.wantPassword {
				t.Fatalf("got %d, password field %t, want 200, password field %t", resp.StatusCode, providertest.AsksPassword(page), tc.wantPassword)
			}
			if !tc.wantPassword {
				return
			}
			// Approving through the session alone is refused: the form comes back.
			form := providertest.FormFields(page)
			form.Set("decision", "allow")
			resp, page = bt.PostForm(srv.URL+"/oauth/authenticate", form)
			if resp.StatusCode == http.StatusFound || !providertest.AsksPassword(page) {
				t.Fatalf("approving without the password: got %d (Location %q), want the password form again", resp.StatusCode, resp.Header.Get("Location"))
			}
			// With the password: a code, and auth_time is the new sign-in.
			clock.Advance(time.Second)
			signedInAt = clock.Now()
			verifier := oauth2.GenerateVerifier()
			code := bt.Approve(demo.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), tc.opt)).Query().Get("code")
			tok, err := demo.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			idToken, _ := tok.Extra("id_token").(string)
			if got := jwttest.Part(t, idToken, jwttest.Claims)["auth_time"]; got != float64(signedInAt.Unix()) {
				t.Errorf("auth_time: got %v, want %d, the new sign-in", got, signedInAt.Unix())
			}
		})
	}
}

// TestE2EMaxAgeHasNoUpperBound: OIDC Core Section 3.1.2.1 sets max_age no
// upper bound, so any number of seconds in decimal digits is taken, at the
// authorization endpoint and at the PAR endpoint (the same parser); one
// longer than the session asks for nothing more: prompt=none gets a code.
// What is not a non-negative whole number is invalid_request, saying so.
// On both stores.
func TestE2EMaxAgeHasNoUpperBound(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		demo := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
		b := newBrowser(t)
		b.tokens(srv, demo) // signed in, openid read approved
		verifier := oauth2.GenerateVerifier()
		withMaxAge := func(maxAge string) url.Values {
			form := pushedDemoRequest(verifier)
			form.Set("max_age", maxAge)
			return form
		}
		for _, maxAge := range []string{"2147483647", "2147483648", "99999999999", "18446744073709551616", strings.Repeat("9", 4096)} {
			t.Run("max_age="+maxAge[:min(len(maxAge), 20)]+" is taken", func(t *testing.T) {
				form := withMaxAge(maxAge)
				form.Set("prompt", "none")
				resp, page := b.in(t).Get(srv.URL + "/oauth/authorize?" + form.Encode())
				if q := providertest.RedirectOf(t, resp, page).Query(); q.Get("code") == "" {
					t.Errorf("prompt=none: got error=%q (%s), want a code", q.Get("error"), q.Get("error_description"))
				}
				pushOK(t, srv, withMaxAge(maxAge), demoBasic)
			})
		}
		const desc = "max_age must be a non-negative whole number of seconds, in decimal digits"
		for _, maxAge := range []string{"-1", "+60", "1.5", "60s", "99999999999x"} {
			t.Run("max_age "+maxAge+" is invalid_request", func(t *testing.T) {
				resp, page := b.in(t).Get(srv.URL + "/oauth/authorize?" + withMaxAge(maxAge).Encode())
				if q := providertest.RedirectOf(t, resp, page).Query(); q.Get("error") != "invalid_request" || q.Get("error_description") != desc {
					t.Errorf("authorize: got error=%q (%s), want invalid_request (%s)", q.Get("error"), q.Get("error_description"), desc)
				}
				resp, body := rawPost(t, srv.URL+"/oauth/par", withMaxAge(maxAge).Encode(), basic("testclient", "testsecret"))
				if resp.StatusCode != http.StatusBadRequest || errorDescriptionOf(resp, body) != desc {
					t.Errorf("PAR: got %d %.200s, want 400 invalid_request (%s)", resp.StatusCode, body, desc)
				}
			})
		}
	})
}

// TestE2ESigningKeyRotation: after a rotation the new key signs, the JWKS
// publishes the old and the new key, and tokens signed before keep working
// until they expire ([RFC 7517 Section 5]; README, "What the provider does":
// Signing keys).
//
// [RFC 7517 Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func TestE2ESigningKeyRotation(t *testing.T) {
	t.Parallel()
	srv := providertest.New(t, providertest.Options{})
	ctx := context.Background()
	b := newBrowser(t)
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
	before := b.tokens(srv, cfg)
	oldKid, _ := jwttest.Part(t, before.AccessToken, jwttest.Header)["kid"].(string)

	newKids, err := srv.Provider.Keys.Rotate(ctx, time.Now())
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	newKid := newKids[token.RS256] // the access and ID tokens' algorithm by default
	if newKid == oldKid || oldKid == "" {
		t.Fatalf("kids: got old %q and new %q, want two different ones", oldKid, newKid)
	}

	t.Run("a token signed before the rotation still works (RFC 7517 Section 5)", func(t *testing.T) {
		wantAlive(t, srv, "the access token signed with the old key", before.AccessToken)
		if resp, _ := callResource(t, srv.URL+"/userinfo", before.AccessToken); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /userinfo with the old token: got %d, want 200", resp.StatusCode)
		}
	})

	after := b.tokens(srv, cfg)
	t.Run("new tokens carry the new kid", func(t *testing.T) {
		for name, raw := range map[string]string{"access token": after.AccessToken, "ID token": after.Extra("id_token").(string)} {
			if got := jwttest.Part(t, raw, jwttest.Header)["kid"]; got != newKid {
				t.Errorf("%s kid: got %v, want the new %q", name, got, newKid)
			}
		}
		refreshed, err := refresh(cfg, before.RefreshToken)
		if err != nil {
			t.Fatalf("refresh a token issued before the rotation: %v", err)
		}
		if got := jwttest.Part(t, refreshed.AccessToken, jwttest.Header)["kid"]; got != newKid {
			t.Errorf("refreshed access token kid: got %v, want the new %q", got, newKid)
		}
	})

	t.Run("the JWKS lists the old and the new key of each algorithm (RFC 7517 Section 5)", func(t *testing.T) {
		resp, body := callResource(t, srv.URL+"/.well-known/jwks.json", "")
		var jwks struct {
			Keys []struct{ Kid, Kty, Use, Alg string }
		}
		if err := json.Unmarshal([]byte(body), &jwks); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET jwks: got %d %v", resp.StatusCode, err)
		}
		var kids []string
		ktyOf := map[string]string{"RS256": "RSA", "ES256": "EC"}
		for _, k := range jwks.Keys {
			if k.Alg == "RS256" {
				kids = append(kids, k.Kid)
			}
			if k.Kty != ktyOf[k.Alg] || k.Use != "sig" {
				t.Errorf("key %s: got kty %q use %q alg %q, want RSA for RS256 or EC for ES256, use sig", k.Kid, k.Kty, k.Use, k.Alg)
			}
		}
		if len(jwks.Keys) != 4 {
			t.Errorf("got %d keys, want 4: an old and a new key for RS256 and for ES256", len(jwks.Keys))
		}
		slices.Sort(kids)
		want := []string{oldKid, newKid}
		slices.Sort(want)
		if diff := cmp.Diff(want, kids); diff != "" {
			t.Errorf("kids (-want +got):\n%s", diff)
		}
	})

	t.Run("a relying party verifies ID tokens of both keys from the JWKS", func(t *testing.T) {
		provider, err := oidc.NewProvider(ctx, srv.Issuer)
		if err != nil {
			t.Fatalf("oidc.NewProvider: %v", err)
		}
		verifier := provider.Verifier(&oidc.Config{ClientID: "testclient"})
		verifiedIDToken(t, verifier, before)
		verifiedIDToken(t, verifier, after)
	})
}

// TestE2ERetiredKeyKeptForTheServersLifetime: `provider keys rotate` run
// with a shorter ACCESS_TOKEN_TTL than the serving provider's (here 1 s
// against 10 h) retires the old key at its own lifetime, but the serving
// provider, at its next load of the keys, keeps the key for its own: a token
// it signed before the rotation still verifies after the rotation's
// RetireAt has passed and a purge ran ([OIDC Core Section 10.1.1]).
//
// [OIDC Core Section 10.1.1]: https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
func TestE2ERetiredKeyKeptForTheServersLifetime(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		clock := clocktest.New(time.Now())
		srv := newServer(providertest.Options{AccessTokenTTL: 10 * time.Hour, Now: clock.Now})
		_, before := rawToken(t, srv, url.Values{"grant_type": {"client_credentials"}}, demoBasic)
		cfg := srv.Provider.Config
		command := rotatingProcess(t, cfg.DatabaseURL, cfg.KeyEncryptionKey, time.Second)
		if _, err := command.Rotate(t.Context(), clock.Now()); err != nil {
			t.Fatalf("rotate: %v", err)
		}
		if err := srv.Provider.Keys.Reload(t.Context()); err != nil { // as the provider does every minute
			t.Fatalf("reload: %v", err)
		}
		clock.Advance(time.Hour) // far past the command's RetireAt
		if _, err := srv.Provider.PurgeExpired(t.Context()); err != nil {
			t.Fatalf("purge: %v", err)
		}
		if err := srv.Provider.Keys.Reload(t.Context()); err != nil {
			t.Fatalf("reload: %v", err)
		}
		wantAlive(t, srv, "a token signed before the rotation, an hour later", before.AccessToken)
	})
}

// TestE2ERetiredKeyOutlivesALongerTTLAfterARestart: a token signed while
// the provider ran ACCESS_TOKEN_TTL=1h still verifies after the provider
// restarted with 5s and `provider keys rotate` ran beside it, until it
// expires, though no running process has the hour any more: the key records
// the lifetimes of the processes that signed with it, and the rotation and
// the purge keep it that long ([OIDC Core Section 10.1.1]; README,
// "Signing keys"). An hour past the rotation the purge deletes it and the
// JWKS no longer lists it.
//
// [OIDC Core Section 10.1.1]: https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
func TestE2ERetiredKeyOutlivesALongerTTLAfterARestart(t *testing.T) {
	for _, backend := range storeBackends {
		t.Run(backend.name, func(t *testing.T) {
			shared := config.Config{DatabaseURL: filepath.Join(t.TempDir(), "provider.db")}
			backend.configure(t, &shared) // PostgreSQL: a schema of its own
			clock := clocktest.New(time.Now())
			withTTL := func(ttl time.Duration) providertest.Options {
				return providertest.Options{AccessTokenTTL: ttl, Now: clock.Now, Issuer: "http://issuer.test",
					Configure: func(c *config.Config) { c.DatabaseURL = shared.DatabaseURL }}
			}
			before := providertest.New(t, withTTL(time.Hour))
			_, tok := rawToken(t, before, url.Values{"grant_type": {"client_credentials"}}, demoBasic)
			kid := kidOf(t, tok.AccessToken)
			before.Close() // the restart: no process runs the hour any more
			if err := before.Provider.Store.Close(); err != nil {
				t.Fatal(err)
			}
			after := providertest.New(t, withTTL(5*time.Second))
			cfg := after.Provider.Config
			command := rotatingProcess(t, cfg.DatabaseURL, cfg.KeyEncryptionKey, 5*time.Second)
			if _, err := command.Rotate(t.Context(), clock.Now()); err != nil {
				t.Fatalf("rotate: %v", err)
			}
			purge := func(advance time.Duration) {
				t.Helper()
				clock.Advance(advance)
				if _, err := after.Provider.PurgeExpired(t.Context()); err != nil {
					t.Fatalf("purge: %v", err)
				}
				if err := after.Provider.Keys.Reload(t.Context()); err != nil { // as the provider does every minute
					t.Fatalf("reload: %v", err)
				}
			}
			purge(10 * time.Minute) // far past 5 s and the margin
			wantAlive(t, after, "a token of the 1h provider, 10 minutes after the rotation at the 5s one", tok.AccessToken)
			if kids := publishedKids(t, after); !slices.Contains(kids, kid) {
				t.Errorf("JWKS 10 minutes after the rotation: got kids %v, want %s among them", kids, kid)
			}
			purge(50*time.Minute + time.Second) // past the hour
			if kids := publishedKids(t, after); slices.Contains(kids, kid) {
				t.Errorf("JWKS an hour after the rotation: got kids %v, want %s gone", kids, kid)
			}
		})
	}
}

// publishedKids fetches srv's JWKS and returns the kid of each key.
func publishedKids(t *testing.T, srv *providertest.Server) []string {
	t.Helper()
	resp, body := callResource(t, srv.URL+"/.well-known/jwks.json", "")
	var jwks struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal([]byte(body), &jwks); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET jwks: got %d %v", resp.StatusCode, err)
	}
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}
