package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EInteropOpenIDClientResourceServerNonce: with DPOP_NONCE on,
// openid-client calls /userinfo and /protected/resource with a DPoP handle
// that holds no nonce yet; each resource server answers 401 use_dpop_nonce
// with a nonce, and the library's one retry with it succeeds
// (RFC 9449 Section 9), on each store.
func TestE2EInteropOpenIDClientResourceServerNonce(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{DPoPNonce: true})
		s := startOpenIDClient(t, "resource_server_nonce.mjs", srv.Issuer, "testclient", "testsecret", demoRedirectURI)
		s.approve(newBrowser(t))
		type exchange struct {
			Path            string `json:"path"`
			Status          int    `json:"status"`
			WWWAuthenticate string `json:"www_authenticate"`
		}
		var got struct {
			TokenType      string         `json:"token_type"`
			UserInfo       map[string]any `json:"userinfo"`
			ResourceStatus int            `json:"resource_status"`
			Exchanges      []exchange     `json:"exchanges"`
		}
		s.next(&got)
		s.wait()
		if !strings.EqualFold(got.TokenType, "DPoP") || got.UserInfo["sub"] != "user1" || got.ResourceStatus != http.StatusOK {
			t.Errorf("got token_type %q, /userinfo %v, /protected/resource %d; want DPoP, user1's claims, 200", got.TokenType, got.UserInfo, got.ResourceStatus)
		}
		var paths []string
		for _, path := range []string{"/userinfo", "/protected/resource"} {
			paths = append(paths, path, path)
		}
		if len(got.Exchanges) != len(paths) {
			t.Fatalf("requests to the resource servers: got %+v, want two to each of /userinfo and /protected/resource", got.Exchanges)
		}
		for i, e := range got.Exchanges {
			retry := i%2 == 1
			nonceAsked := strings.Contains(e.WWWAuthenticate, `error="use_dpop_nonce"`)
			if e.Path != paths[i] || retry != (e.Status == http.StatusOK) || !retry && (e.Status != http.StatusUnauthorized || !nonceAsked) {
				t.Errorf("request %d: got %+v; want to %s, %s", i+1, e, paths[i],
					map[bool]string{false: `401 with a DPoP challenge error="use_dpop_nonce"`, true: "the retry with the nonce, 200"}[retry])
			}
		}
	})
}

// TestE2EInteropOpenIDClientResourceIndicators: openid-client names
// resources (RFC 8707) at PAR, at the token request and at the refresh:
// the pushed request grants two, and each access token's aud is the one
// resource its request named (RFC 8707 Section 2.2); a pushed request for a
// resource the provider does not know is invalid_target (RFC 8707 Section 2).
func TestE2EInteropOpenIDClientResourceIndicators(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Resources: []string{mcpResource}})
		s := startOpenIDClient(t, "resource_indicators.mjs", srv.Issuer, "testclient", "testsecret", demoRedirectURI, mcpResource)
		s.approve(newBrowser(t))
		var got struct {
			AccessToken          string              `json:"access_token"`
			RefreshedAccessToken string              `json:"refreshed_access_token"`
			Unknown              openIDClientRefusal `json:"unknown"`
		}
		s.next(&got)
		s.wait()
		if aud := audOf(t, got.AccessToken); aud != `"`+mcpResource+`"` {
			t.Errorf("aud of the token requested for %s: got %s", mcpResource, aud)
		}
		if aud := audOf(t, got.RefreshedAccessToken); aud != `"`+srv.Issuer+`"` {
			t.Errorf("aud of the token refreshed for %s: got %s", srv.Issuer, aud)
		}
		if u := got.Unknown; u.Status != http.StatusBadRequest || u.Error != "invalid_target" {
			t.Errorf("PAR naming an unknown resource: got %+v, want 400 invalid_target", u)
		}
	})
}

// TestE2EInteropOpenIDClientRegistrationES256: openid-client registers a
// confidential client with id_token_signed_response_alg "ES256"
// (OIDC Dynamic Client Registration Section 2) and signs the user in; the
// provider signs that client's ID tokens with ES256, and the library
// validates them (OIDC Core Section 3.1.3.7).
func TestE2EInteropOpenIDClientRegistrationES256(t *testing.T) {
	needOpenIDClient(t)
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		s := startOpenIDClient(t, "register_es256.mjs", srv.Issuer, demoRedirectURI)
		s.approve(newBrowser(t))
		var got struct {
			Client struct {
				ClientID   string `json:"client_id"`
				IDTokenAlg string `json:"id_token_signed_response_alg"`
			}
			Header  struct{ Alg string } `json:"id_token_header"`
			IDToken validatedIDToken     `json:"id_token"`
		}
		s.next(&got)
		s.wait()
		if got.Client.IDTokenAlg != "ES256" || got.Header.Alg != "ES256" {
			t.Errorf("ID token algorithm: registered %q, signed with %q; want ES256 both", got.Client.IDTokenAlg, got.Header.Alg)
		}
		if got.IDToken.Subject != "user1" || got.IDToken.Audience != got.Client.ClientID || got.IDToken.Nonce == "" {
			t.Errorf("validated ID token: got %+v, want user1's for %s with the nonce", got.IDToken, got.Client.ClientID)
		}
	})
}
