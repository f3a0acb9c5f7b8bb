package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ESigningAlgorithms runs the provider with each ACCESS_TOKEN_SIGNING_ALG
// and checks, over HTTP, what a resource server and a relying party see:
// access tokens in that alg that the provider's resource accepts and that
// go-oidc verifies from the JWKS alone, ID tokens still RS256, and
// discovery and JWKS saying which keys exist ([RFC 7517 Section 4],
// [RFC 8414 Section 2]).
func TestE2ESigningAlgorithms(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.AccessTokenSigningAlg = alg }})
			ctx := context.Background()
			cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret",
				TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
			tok, err := cc.Token(ctx)
			if err != nil {
				t.Fatalf("client credentials: %v", err)
			}
			t.Run("the access token is signed with ACCESS_TOKEN_SIGNING_ALG", func(t *testing.T) {
				if got := jwttest.Part(t, tok.AccessToken, jwttest.Header)["alg"]; got != alg {
					t.Errorf("alg: got %v, want %s", got, alg)
				}
				if resp, _ := callResource(t, srv.URL+"/protected/resource", tok.AccessToken); resp.StatusCode != http.StatusOK {
					t.Errorf("GET /protected/resource: got %d, want 200", resp.StatusCode)
				}
			})
			t.Run("an independent library verifies it from the JWKS alone", func(t *testing.T) {
				keySet := oidc.NewRemoteKeySet(ctx, srv.URL+"/.well-known/jwks.json")
				if _, err := keySet.VerifySignature(ctx, tok.AccessToken); err != nil {
					t.Errorf("go-oidc RemoteKeySet: %v", err)
				}
			})
			t.Run("the JWKS serves RS256 and ES256 keys, and EdDSA when configured, each with kid, alg and use", func(t *testing.T) {
				want := []string{"ES256", "RS256"}
				if alg == "EdDSA" {
					want = []string{"ES256", "EdDSA", "RS256"}
				}
				if got := jwksAlgs(t, srv); !slices.Equal(got, want) {
					t.Errorf("got algs %v, want %v", got, want)
				}
			})
			t.Run("discovery lists the ID token and access token algorithms", func(t *testing.T) {
				var doc map[string]any
				getJSON(t, srv.URL+"/.well-known/openid-configuration", &doc)
				wantID := []any{"RS256", "ES256"}
				if alg == "EdDSA" {
					wantID = append(wantID, "EdDSA")
				}
				if got := doc["id_token_signing_alg_values_supported"]; !slices.Equal(got.([]any), wantID) {
					t.Errorf("id_token_signing_alg_values_supported: got %v, want %v", got, wantID)
				}
				wantAccess := map[string][]any{"RS256": {"RS256", "ES256"}, "ES256": {"ES256", "RS256"}, "EdDSA": {"EdDSA", "RS256", "ES256"}}[alg]
				if got := doc["access_token_signing_alg_values_supported"]; !slices.Equal(got.([]any), wantAccess) {
					t.Errorf("access_token_signing_alg_values_supported: got %v, want %v", got, wantAccess)
				}
			})
			t.Run("ID tokens stay RS256 and a relying party verifies them", func(t *testing.T) {
				b := newBrowser(t)
				login := b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid"))
				raw, _ := login.Extra("id_token").(string)
				if got := jwttest.Part(t, raw, jwttest.Header)["alg"]; got != "RS256" {
					t.Errorf("ID token alg: got %v, want RS256", got)
				}
				provider, err := oidc.NewProvider(ctx, srv.Issuer)
				if err != nil {
					t.Fatalf("oidc.NewProvider: %v", err)
				}
				if _, err := provider.Verifier(&oidc.Config{ClientID: "testclient"}).Verify(ctx, raw); err != nil {
					t.Errorf("go-oidc Verify: %v", err)
				}
			})
		})
	}
}

// TestE2EAccessTokenAlgorithmChange: a provider restarted, or a replica
// started, with another ACCESS_TOKEN_SIGNING_ALG on the same store still
// lists the old algorithm in access_token_signing_alg_values_supported, the
// current one first, so a resource server that pins the list accepts the
// tokens signed before the change, as the provider itself does until they
// expire (README, "Signing algorithms").
func TestE2EAccessTokenAlgorithmChange(t *testing.T) {
	eachSharedDatabase(t, func(t *testing.T, databaseURL string, _ *clocktest.Clock) {
		withAlg := func(alg string) func(*config.Config) {
			return func(c *config.Config) {
				c.DatabaseURL, c.Issuer, c.AccessTokenSigningAlg = databaseURL, "http://issuer.test", alg
			}
		}
		before := providertest.New(t, providertest.Options{Configure: withAlg("EdDSA")})
		cc := clientcredentials.Config{ClientID: "testclient", ClientSecret: "testsecret",
			TokenURL: before.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
		tok, err := cc.Token(t.Context())
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		if got := jwttest.Part(t, tok.AccessToken, jwttest.Header)["alg"]; got != "EdDSA" {
			t.Fatalf("alg before the change: got %v, want EdDSA", got)
		}
		after := providertest.New(t, providertest.Options{Configure: withAlg("RS256")})
		var doc map[string]any
		getJSON(t, after.URL+"/.well-known/openid-configuration", &doc)
		if got, want := doc["access_token_signing_alg_values_supported"], []any{"RS256", "ES256", "EdDSA"}; !slices.Equal(got.([]any), want) {
			t.Errorf("access_token_signing_alg_values_supported after the change: got %v, want %v", got, want)
		}
		if resp, _ := callResource(t, after.URL+"/protected/resource", tok.AccessToken); resp.StatusCode != http.StatusOK {
			t.Errorf("the EdDSA token after the change: got %d, want 200", resp.StatusCode)
		}
	})
}

// jwksAlgs fetches the JWKS and returns the alg of each key, sorted; every
// key must carry a kid and use "sig".
func jwksAlgs(t *testing.T, srv *providertest.Server) []string {
	t.Helper()
	resp, body := callResource(t, srv.URL+"/.well-known/jwks.json", "")
	var jwks struct {
		Keys []struct{ Kid, Kty, Crv, Use, Alg string }
	}
	if err := json.Unmarshal([]byte(body), &jwks); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET jwks: got %d %v", resp.StatusCode, err)
	}
	keyType := map[string]string{"RS256": "RSA ", "ES256": "EC P-256", "EdDSA": "OKP Ed25519"}
	var algs []string
	for _, k := range jwks.Keys {
		if k.Kid == "" || k.Use != "sig" || keyType[k.Alg] != k.Kty+" "+k.Crv {
			t.Errorf("key %+v: want a kid, use sig, and the key type of its alg", k)
		}
		algs = append(algs, k.Alg)
	}
	slices.Sort(algs)
	return algs
}

// TestE2EIDTokenSignedResponseAlg runs the provider with each
// ACCESS_TOKEN_SIGNING_ALG and the demo client registered with the same
// id_token_signed_response_alg ([OIDC Registration Section 2]), signs in,
// and checks both tokens with two verifiers allowed only that alg: go-oidc
// (the ID token and its at_hash, [OIDC Core Section 3.1.3.6]: SHA-512 for
// EdDSA) and panva's jose on Node, a JOSE implementation that shares no
// code with the provider's.
//
// [OIDC Registration Section 2]: https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
// [OIDC Core Section 3.1.3.6]: https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
func TestE2EIDTokenSignedResponseAlg(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			srv := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.AccessTokenSigningAlg = alg }})
			ctx := context.Background()
			client, err := srv.Provider.Store.GetClient(ctx, "testclient")
			if err != nil {
				t.Fatal(err)
			}
			client.IDTokenSignedResponseAlg = alg
			if err := srv.Provider.Store.UpsertClient(ctx, client); err != nil {
				t.Fatal(err)
			}
			login := newBrowser(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid"))
			raw, _ := login.Extra("id_token").(string)
			if got := jwttest.Part(t, raw, jwttest.Header)["alg"]; got != alg {
				t.Errorf("ID token alg: got %v, want %s", got, alg)
			}
			t.Run("go-oidc verifies the ID token and its at_hash", func(t *testing.T) {
				provider, err := oidc.NewProvider(ctx, srv.Issuer)
				if err != nil {
					t.Fatalf("oidc.NewProvider: %v", err)
				}
				verifier := provider.Verifier(&oidc.Config{ClientID: "testclient", SupportedSigningAlgs: []string{alg}})
				idToken, err := verifier.Verify(ctx, raw)
				if err != nil {
					t.Fatalf("go-oidc Verify: %v", err)
				}
				if err := idToken.VerifyAccessToken(login.AccessToken); err != nil {
					t.Errorf("go-oidc at_hash check: %v", err)
				}
			})
			t.Run("panva's jose verifies both tokens", func(t *testing.T) {
				node := needOpenIDClient(t) // jose comes with openid-client's Node project
				for _, tc := range []struct{ name, typ, audience, jwt string }{
					{"access token", "at+jwt", srv.Issuer, login.AccessToken},
					{"ID token", "JWT", "testclient", raw},
				} {
					out, err := exec.Command(node, filepath.Join(openIDClientDir, "verify_jwt.mjs"),
						srv.URL+"/.well-known/jwks.json", alg, tc.typ, srv.Issuer, tc.audience, tc.jwt).CombinedOutput()
					if err != nil {
						t.Errorf("jose refused the %s: %v: %s", tc.name, err, out)
					}
				}
			})
		})
	}
}
