package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/dpoptest"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/jwttest"
	"github.com/oauth-reference/provider/providertest"
)

// dpopClient sends requests with DPoP proofs by one key, as a client would:
// it keeps the last DPoP-Nonce the provider sent and retries once when told
// use_dpop_nonce (RFC 9449 Section 8).
type dpopClient struct {
	t     *testing.T
	srv   *providertest.Server
	key   *dpoptest.Key
	nonce string
	// lastProof is the proof of the last request sent, for replay tests.
	lastProof string
}

func newDPoPClient(t *testing.T, srv *providertest.Server) *dpopClient {
	return &dpopClient{t: t, srv: srv, key: dpoptest.NewKey(t, jose.ES256)}
}

// send makes a request to path (a form POST when form is non-nil, else a
// GET) with a fresh proof, and with "Authorization: DPoP" when accessToken
// is set. It returns the status and the body.
func (d *dpopClient) send(path string, form url.Values, header map[string]string, accessToken string) (*http.Response, string) {
	d.t.Helper()
	for attempt := 0; ; attempt++ {
		method := http.MethodGet
		if form != nil {
			method = http.MethodPost
		}
		claims := dpoptest.Claims{HTM: method, HTU: d.srv.Issuer + path, Nonce: d.nonce}
		if accessToken != "" {
			claims.ATH = dpoptest.ATH(accessToken)
		}
		d.lastProof = d.key.Proof(d.t, time.Now(), claims, dpoptest.Options{})
		resp, body := d.raw(method, path, form, header, accessToken, d.lastProof)
		if n := resp.Header.Get("DPoP-Nonce"); n != "" {
			d.nonce = n
		}
		if attempt == 0 && resp.Header.Get("DPoP-Nonce") != "" && strings.Contains(body+resp.Header.Get("WWW-Authenticate"), "use_dpop_nonce") {
			continue
		}
		return resp, body
	}
}

// raw sends one request with the given DPoP header value.
func (d *dpopClient) raw(method, path string, form url.Values, header map[string]string, accessToken, proof string) (*http.Response, string) {
	d.t.Helper()
	var body string
	if form != nil {
		body = form.Encode()
	}
	req, _ := http.NewRequest(method, d.srv.URL+path, strings.NewReader(body))
	if form != nil {
		req.Header.Set("Content-Type", formCT)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if accessToken != "" {
		req.Header.Set("Authorization", "DPoP "+accessToken)
	}
	req.Header.Set("DPoP", proof)
	resp, err := noRedirects.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	return resp, providertest.ReadBody(d.t, resp)
}

// token posts a token request with a proof and decodes the answer.
func (d *dpopClient) token(form url.Values, auth clientAuth) (int, tokenResponse) {
	d.t.Helper()
	header := map[string]string{}
	auth.apply(form, header)
	resp, body := d.send("/oauth/token", form, header, "")
	var tr tokenResponse
	if err := json.Unmarshal([]byte(body), &tr); err != nil {
		d.t.Fatalf("token response %q: %v", body, err)
	}
	return resp.StatusCode, tr
}

// wantBound checks a token response bound to key: token_type DPoP and the
// key's thumbprint in the access token's cnf.jkt (RFC 9449 Sections 5, 6.1).
func wantBound(t *testing.T, status int, tr tokenResponse, key *dpoptest.Key) {
	t.Helper()
	if status != http.StatusOK || tr.TokenType != "DPoP" {
		t.Fatalf("token response: got %d %+v, want 200 with token_type DPoP", status, tr)
	}
	cnf, _ := jwttest.Part(t, tr.AccessToken, jwttest.Claims)["cnf"].(map[string]any)
	if cnf["jkt"] != key.JKT() {
		t.Errorf("access token cnf: got %v, want jkt %s", cnf, key.JKT())
	}
}

// boundClientCredentials is a new DPoP client of srv and the token, bound
// to its key, that the demo client's credentials got it for scope.
func boundClientCredentials(t *testing.T, srv *providertest.Server, scope string) (*dpopClient, tokenResponse) {
	t.Helper()
	d := newDPoPClient(t, srv)
	status, tr := d.token(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, demoPost)
	wantBound(t, status, tr, d.key)
	return d, tr
}

// codeFor runs the front channel for cfg with PKCE (and extra
// parameters) and returns the code and the verifier.
func codeFor(t *testing.T, srv *providertest.Server, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) (string, string) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	return getCode(t, srv, cfg, append(opts, oauth2.S256ChallengeOption(verifier))...), verifier
}

// codeGrant is the token request that redeems code.
func codeGrant(code, verifier, redirectURI string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirectURI}}
}

// withNonces runs test with DPOP_NONCE off and on.
func withNonces(t *testing.T, test func(t *testing.T, nonce bool)) {
	for _, nonce := range []bool{false, true} {
		name := "DPOP_NONCE=off"
		if nonce {
			name = "DPOP_NONCE=on"
		}
		t.Run(name, func(t *testing.T) { test(t, nonce) })
	}
}

func nonceConfig(nonce bool) func(*config.Config) {
	return func(c *config.Config) { c.DPoPNonce = nonce }
}

func TestE2EDPoPEveryGrant(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		withNonces(t, func(t *testing.T, nonce bool) {
			srv := newServer(providertest.Options{Configure: nonceConfig(nonce)})
			t.Run("authorization_code: a bound token works with DPoP only", func(t *testing.T) {
				d := newDPoPClient(t, srv)
				code, verifier := codeFor(t, srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read"))
				status, tr := d.token(codeGrant(code, verifier, demoRedirectURI), demoBasic)
				wantBound(t, status, tr, d.key)
				for _, path := range []string{"/protected/resource", "/user/profile", "/userinfo"} {
					if resp, body := d.send(path, nil, nil, tr.AccessToken); resp.StatusCode != http.StatusOK {
						t.Errorf("GET %s with DPoP: got %d %s, want 200", path, resp.StatusCode, body)
					}
				}
				// RFC 9449 Section 7.2: "such a protected resource MUST reject a
				// DPoP-bound access token received as a bearer token".
				if status, challenge := resourceStatus(t, srv, tr.AccessToken); status != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) {
					t.Errorf("the bound token as Bearer: got %d %q, want 401 invalid_token", status, challenge)
				}
				info := introspectRaw(t, srv, tr.AccessToken)
				if cnf, _ := info["cnf"].(map[string]any); cnf["jkt"] != d.key.JKT() || info["token_type"] != "DPoP" {
					t.Errorf("introspection (RFC 9449 Section 6.2): got %v, want cnf.jkt and token_type DPoP", info)
				}
				// The confidential client's refresh token is not bound (RFC 9449 Section 5).
				status, refreshed := rawToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}, demoBasic)
				if status != http.StatusOK || refreshed.TokenType != "Bearer" {
					t.Errorf("confidential refresh without DPoP: got %d %+v, want 200 Bearer", status, refreshed)
				}
			})
			t.Run("refresh_token: a public client's token is bound to its key", func(t *testing.T) {
				d := newDPoPClient(t, srv)
				code, verifier := codeFor(t, srv, spaConfig(srv, "read"))
				status, tr := d.token(codeGrant(code, verifier, spaRedirectURI), spaAuth)
				wantBound(t, status, tr, d.key)
				thief := newDPoPClient(t, srv)
				status, stolen := thief.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}, spaAuth)
				if status != http.StatusBadRequest || stolen.Error != "invalid_dpop_proof" || !strings.Contains(stolen.ErrorDescription, "another DPoP key") {
					t.Errorf("refresh with another key: got %d %+v, want 400 invalid_dpop_proof about another DPoP key", status, stolen)
				}
				status, bare := rawToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}, spaAuth)
				if want := "a DPoP proof is required for this refresh token (it is bound to a DPoP key)"; status != http.StatusBadRequest ||
					bare.Error != "invalid_dpop_proof" || bare.ErrorDescription != want {
					t.Errorf("refresh without a proof: got %d %+v, want 400 invalid_dpop_proof %q", status, bare, want)
				}
				status, refreshed := d.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}, spaAuth)
				wantBound(t, status, refreshed, d.key)
				status, again := d.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshed.RefreshToken}}, spaAuth)
				wantBound(t, status, again, d.key)
			})
			t.Run("refresh_token: a rotated-out bound token without its key revokes nothing (RFC 9449 Section 5)", func(t *testing.T) {
				d, thief := newDPoPClient(t, srv), newDPoPClient(t, srv)
				code, verifier := codeFor(t, srv, spaConfig(srv, "read"))
				status, first := d.token(codeGrant(code, verifier, spaRedirectURI), spaAuth)
				wantBound(t, status, first, d.key)
				rotatedOut := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {"spa-client"}}
				status, second := d.token(rotatedOut, spaAuth)
				wantBound(t, status, second, d.key)
				// Presented by someone without the key, the old token is no use
				// of it: not reuse, so the grant stands.
				if status, bare := rawToken(t, srv, rotatedOut, spaAuth); status != http.StatusBadRequest || bare.Error != "invalid_dpop_proof" {
					t.Errorf("the rotated-out token without a proof: got %d %+v, want 400 invalid_dpop_proof", status, bare)
				}
				resp, body := thief.send("/oauth/token", rotatedOut, nil, "")
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
					t.Errorf("the rotated-out token with another key: got %d %s, want 400 invalid_dpop_proof", resp.StatusCode, body)
				}
				stolen, _ := traceOf(t, srv, resp)
				checkEndsWith(t, "trace of the rotated-out token with another key", stolen, "RFC 9449 Section 5", "invalid_dpop_proof")
				status, third := d.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken}}, spaAuth)
				wantBound(t, status, third, d.key)
				// Replayed by the key holder, it is reuse (RFC 9700 Section 4.14.2),
				// found after the key binding passed.
				resp, body = d.send("/oauth/token", rotatedOut, nil, "")
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the refresh token was already used; the grant is revoked") {
					t.Errorf("the rotated-out token with its key: got %d %s, want 400 invalid_grant, the grant revoked", resp.StatusCode, body)
				}
				replayed, _ := traceOf(t, srv, resp)
				checkEndsWith(t, "trace of the rotated-out token with its key", replayed, "RFC 9700 Section 4.14.2", "invalid_grant")
				if n := len(replayed.Checks); n < 2 || replayed.Checks[n-2].Ref != "RFC 9449 Section 5" {
					t.Errorf("trace of the rotated-out token with its key: got %+v, want the key binding checked just before reuse", replayed.Checks)
				}
				if status, after := d.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {third.RefreshToken}}, spaAuth); after.Error != "invalid_grant" {
					t.Errorf("the newest token after the reuse: got %d %+v, want invalid_grant (the grant is revoked)", status, after)
				}
			})
			t.Run("client_credentials", func(t *testing.T) {
				d := newDPoPClient(t, srv)
				status, tr := d.token(url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, demoPost)
				wantBound(t, status, tr, d.key)
				if resp, body := d.send("/protected/resource", nil, nil, tr.AccessToken); resp.StatusCode != http.StatusOK {
					t.Errorf("resource: got %d %s", resp.StatusCode, body)
				}
			})
			t.Run("device_code", func(t *testing.T) {
				d := newDPoPClient(t, srv)
				da := startDevice(t, deviceConfig(srv, "read"))
				decideThroughPage(t, da, "allow")
				status, tr := d.token(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da.DeviceCode}}, clientAuth{id: "device-client"})
				wantBound(t, status, tr, d.key)
			})
			t.Run("dpop_jkt binds the code to a key (RFC 9449 Section 10)", func(t *testing.T) {
				d, other := newDPoPClient(t, srv), newDPoPClient(t, srv)
				code, verifier := codeFor(t, srv, spaConfig(srv, "read"), oauth2.SetAuthURLParam("dpop_jkt", d.key.JKT()))
				status, tr := other.token(codeGrant(code, verifier, spaRedirectURI), spaAuth)
				if status != http.StatusBadRequest || tr.Error != "invalid_dpop_proof" || !strings.Contains(tr.ErrorDescription, "another DPoP key") {
					t.Errorf("the code with another key: got %d %+v, want 400 invalid_dpop_proof about another DPoP key", status, tr)
				}
				code, verifier = codeFor(t, srv, spaConfig(srv, "read"), oauth2.SetAuthURLParam("dpop_jkt", d.key.JKT()))
				status, tr = rawToken(t, srv, codeGrant(code, verifier, spaRedirectURI), spaAuth)
				if want := "a DPoP proof is required for this authorization code (it was requested with dpop_jkt)"; status != http.StatusBadRequest ||
					tr.Error != "invalid_dpop_proof" || tr.ErrorDescription != want {
					t.Errorf("the code without a proof: got %d %+v, want 400 invalid_dpop_proof %q", status, tr, want)
				}
				if status, tr = d.token(codeGrant(code, verifier, spaRedirectURI), spaAuth); tr.Error != "invalid_grant" {
					t.Errorf("the code again, now with its key: got %d %+v, want invalid_grant (the refused exchange consumed it)", status, tr)
				}
				code, verifier = codeFor(t, srv, spaConfig(srv, "read"), oauth2.SetAuthURLParam("dpop_jkt", d.key.JKT()))
				status, tr = d.token(codeGrant(code, verifier, spaRedirectURI), spaAuth)
				wantBound(t, status, tr, d.key)
			})
			t.Run("a DPoP header at PAR binds the code (RFC 9449 Section 10.1)", func(t *testing.T) {
				d, other := newDPoPClient(t, srv), newDPoPClient(t, srv)
				verifier := oauth2.GenerateVerifier()
				form := url.Values{"response_type": {"code"}, "client_id": {"spa-client"}, "redirect_uri": {spaRedirectURI},
					"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
				resp, body := d.send("/oauth/par", form, nil, "")
				var pr parResponse
				if err := json.Unmarshal([]byte(body), &pr); err != nil || resp.StatusCode != http.StatusCreated {
					t.Fatalf("PAR with DPoP: got %d %s", resp.StatusCode, body)
				}
				code := newBrowser(t).Approve(parAuthorizeURL(srv, "spa-client", pr.RequestURI)).Query().Get("code")
				if status, tr := other.token(codeGrant(code, verifier, spaRedirectURI), spaAuth); tr.Error != "invalid_dpop_proof" {
					t.Errorf("the code with another key: got %d %+v, want invalid_dpop_proof", status, tr)
				}
				mismatch := url.Values{}
				for k, v := range form {
					mismatch[k] = v
				}
				mismatch.Set("dpop_jkt", other.key.JKT())
				if resp, body := d.send("/oauth/par", mismatch, nil, ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
					t.Errorf("dpop_jkt of another key than the DPoP header's: got %d %s, want 400 invalid_dpop_proof", resp.StatusCode, body)
				}
			})
		})
	})
}

// introspectRaw introspects a token as the demo client and returns the JSON.
func introspectRaw(t *testing.T, srv *providertest.Server, token string) map[string]any {
	t.Helper()
	resp, body := tokenQuery(t, srv, "/oauth/introspect", token, demoBasic)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("introspect: %d %s", resp.StatusCode, body)
	}
	return m
}

// TestE2EDPoPRefusals checks the errors of the token and resource endpoints
// for bad proofs, on both stores, with the challenges of RFC 9449 Section 7.1.
func TestE2EDPoPRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		d, tr := boundClientCredentials(t, srv, "read")

		t.Run("a replayed proof is refused at the resource (RFC 9449 Section 11.1)", func(t *testing.T) {
			if resp, _ := d.send("/protected/resource", nil, nil, tr.AccessToken); resp.StatusCode != http.StatusOK {
				t.Fatalf("first use: got %d", resp.StatusCode)
			}
			resp, _ := d.raw(http.MethodGet, "/protected/resource", nil, nil, tr.AccessToken, d.lastProof)
			challenge := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(challenge, `DPoP error="invalid_dpop_proof"`) || !strings.Contains(challenge, `algs="ES256`) {
				t.Errorf("replay: got %d %q, want 401 with a DPoP invalid_dpop_proof challenge listing algs", resp.StatusCode, challenge)
			}
		})
		t.Run("a replayed proof is refused at the token endpoint, ES256 or Ed25519 (RFC 9864 Section 2.2)", func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
			for _, key := range []*dpoptest.Key{d.key, dpoptest.NewKey(t, "Ed25519")} {
				proof := key.Proof(t, time.Now(), dpoptest.Claims{HTM: "POST", HTU: srv.Issuer + "/oauth/token"}, dpoptest.Options{})
				if resp, body := d.raw(http.MethodPost, "/oauth/token", form, nil, "", proof); resp.StatusCode != http.StatusOK {
					t.Fatalf("first use, %s: %d %s", key.Alg, resp.StatusCode, body)
				}
				if resp, body := d.raw(http.MethodPost, "/oauth/token", form, nil, "", proof); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
					t.Errorf("replay, %s: got %d %s, want 400 invalid_dpop_proof", key.Alg, resp.StatusCode, body)
				}
			}
		})
		t.Run("a proof not valid yet (nbf) or expired (exp) is refused (RFC 7519 Section 4.1)", func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
			for claim, at := range map[string]time.Time{"nbf": time.Now().Add(time.Hour), "exp": time.Now().Add(-time.Hour)} {
				extra := dpoptest.Options{ExtraClaim: map[string]any{claim: at.Unix()}}
				proof := d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "POST", HTU: srv.Issuer + "/oauth/token"}, extra)
				if resp, body := d.raw(http.MethodPost, "/oauth/token", form, nil, "", proof); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
					t.Errorf("%s at the token endpoint: got %d %s, want 400 invalid_dpop_proof", claim, resp.StatusCode, body)
				}
				proof = d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "GET", HTU: srv.Issuer + "/protected/resource", ATH: dpoptest.ATH(tr.AccessToken)}, extra)
				resp, _ := d.raw(http.MethodGet, "/protected/resource", nil, nil, tr.AccessToken, proof)
				if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(challenge, `DPoP error="invalid_dpop_proof"`) {
					t.Errorf("%s at the resource: got %d %q, want 401 invalid_dpop_proof", claim, resp.StatusCode, challenge)
				}
			}
		})
		t.Run("an RSA jwk with e = 2^31-1 is refused before its signature is verified (RFC 7518 Section 3.3)", func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
			costly := dpoptest.NewRSAKey(t, 1<<31-1)
			proof := costly.Proof(t, time.Now(), dpoptest.Claims{HTM: "POST", HTU: srv.Issuer + "/oauth/token"}, dpoptest.Options{})
			resp, body := d.raw(http.MethodPost, "/oauth/token", form, nil, "", proof)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") || !strings.Contains(body, "exponent e must be odd, from 3 to 65537") {
				t.Fatalf("got %d %s, want 400 invalid_dpop_proof about the exponent", resp.StatusCode, body)
			}
			got, _ := traceOf(t, srv, resp)
			checkEndsWith(t, "trace of a proof whose RSA key has e = 2^31-1", got, "RFC 7518 Section 3.3", "invalid_dpop_proof")
		})
		t.Run("a bound token with another key's proof is invalid_token", func(t *testing.T) {
			thief := newDPoPClient(t, srv)
			resp, _ := thief.send("/protected/resource", nil, nil, tr.AccessToken)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `DPoP error="invalid_token"`) {
				t.Errorf("got %d %q, want 401 DPoP invalid_token", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			// Written as every other error answer is (writeErrorStatus),
			// so not cached, as a Bearer refusal is not.
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
		})
		t.Run("a DPoP token also in the body: 400 invalid_request in the Bearer challenge, then DPoP algs (RFC 9449 Section 7.2)", func(t *testing.T) {
			// Two methods at once: which one the client meant is not
			// established, so both schemes are offered.
			resp, body := d.send("/userinfo", url.Values{"access_token": {tr.AccessToken}}, nil, tr.AccessToken)
			challenge := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(challenge, `Bearer realm=`) ||
				!strings.Contains(challenge, `error="invalid_request"`) || !strings.Contains(challenge, `DPoP algs="ES256`) {
				t.Errorf("got %d %q %s, want 400 with the Bearer challenge carrying invalid_request, then DPoP algs", resp.StatusCode, challenge, body)
			}
		})
		t.Run("a malformed DPoP header: 400 invalid_request in the DPoP challenge (RFC 9449 Section 7.2)", func(t *testing.T) {
			// The request names the DPoP scheme: its method is established.
			for _, authorization := range []string{"DPoP a b", "DPoP", "DPoP\t" + tr.AccessToken} {
				resp, body := getWith(t, srv.URL+"/protected/resource", map[string]string{"Authorization": authorization})
				challenge := resp.Header.Get("WWW-Authenticate")
				if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(challenge, `DPoP error="invalid_request"`) ||
					!strings.Contains(challenge, `algs="ES256`) || strings.Contains(challenge, "Bearer") {
					t.Errorf("%q: got %d %q %s, want 400 with the DPoP challenge alone carrying invalid_request", authorization, resp.StatusCode, challenge, body)
				}
			}
		})
		t.Run("an unbound token with the DPoP scheme is invalid_token", func(t *testing.T) {
			_, bearer := rawToken(t, srv, url.Values{"grant_type": {"client_credentials"}}, demoPost)
			if resp, _ := d.send("/protected/resource", nil, nil, bearer.AccessToken); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("got %d, want 401", resp.StatusCode)
			}
		})
		t.Run("garbage, two headers, and a proof for another URI are invalid_dpop_proof", func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
			other := d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "POST", HTU: srv.Issuer + "/oauth/revoke"}, dpoptest.Options{})
			for name, proof := range map[string]string{"garbage": "%%%", "another URI": other, "a 100 KB header": strings.Repeat("a", 100<<10)} {
				if resp, body := d.raw(http.MethodPost, "/oauth/token", form, nil, "", proof); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
					t.Errorf("%s: got %d %s, want 400 invalid_dpop_proof", name, resp.StatusCode, body)
				}
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", formCT)
			req.Header.Add("DPoP", other)
			req.Header.Add("DPoP", other)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if body := providertest.ReadBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
				t.Errorf("two DPoP headers: got %d %s, want 400 invalid_dpop_proof", resp.StatusCode, body)
			}
		})
		t.Run("an htu with userinfo is invalid_dpop_proof at the token endpoint and a resource (RFC 9110 Section 4.2.4)", func(t *testing.T) {
			withUserinfo := strings.Replace(srv.Issuer, "://", "://user:pw@", 1)
			wantHTUFailed := func(what string, resp *http.Response) {
				t.Helper()
				got, raw := traceOf(t, srv, resp)
				checkEndsWith(t, what, got, "RFC 9449 Section 4.3", "invalid_dpop_proof")
				if !strings.Contains(raw, `"rule":"htu is this request's URI, without query and fragment","ref":"RFC 9449 Section 4.3","passed":false`) {
					t.Errorf("%s: got %s, want it to end with the failed htu check", what, raw)
				}
			}
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
			proof := d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "POST", HTU: withUserinfo + "/oauth/token"}, dpoptest.Options{})
			resp, body := d.raw(http.MethodPost, "/oauth/token", form, nil, "", proof)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") || !strings.Contains(body, "userinfo") {
				t.Errorf("token endpoint: got %d %s, want 400 invalid_dpop_proof naming the userinfo", resp.StatusCode, body)
			}
			wantHTUFailed("trace of a token request whose htu has userinfo", resp)
			proof = d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "GET", HTU: withUserinfo + "/protected/resource", ATH: dpoptest.ATH(tr.AccessToken)}, dpoptest.Options{})
			resp, _ = d.raw(http.MethodGet, "/protected/resource", nil, nil, tr.AccessToken, proof)
			if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized ||
				!strings.HasPrefix(challenge, `DPoP error="invalid_dpop_proof"`) || !strings.Contains(challenge, "userinfo") {
				t.Errorf("resource: got %d %q, want 401 DPoP invalid_dpop_proof naming the userinfo", resp.StatusCode, challenge)
			}
			wantHTUFailed("trace of a resource request whose htu has userinfo", resp)
		})
		t.Run("a client registered dpop_bound_access_tokens must send a proof (RFC 9449 Section 5.2)", func(t *testing.T) {
			registerLike(t, srv, "testclient", "dpop-only", func(c *store.Client) { c.DPoPBoundAccessTokens = true })
			auth := clientAuth{id: "dpop-only", secret: "testsecret"}
			if status, tr := rawToken(t, srv, url.Values{"grant_type": {"client_credentials"}}, auth); status != http.StatusBadRequest || tr.Error != "invalid_dpop_proof" {
				t.Errorf("without a proof: got %d %+v, want 400 invalid_dpop_proof", status, tr)
			}
			status, tr := d.token(url.Values{"grant_type": {"client_credentials"}}, auth)
			wantBound(t, status, tr, d.key)
		})
		t.Run("concurrent requests with one proof: exactly one is served", func(t *testing.T) {
			proof := d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "GET", HTU: srv.Issuer + "/protected/resource", ATH: dpoptest.ATH(tr.AccessToken)}, dpoptest.Options{})
			const racers = 8
			statuses := make([]int, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+"/protected/resource", nil)
					req.Header.Set("Authorization", "DPoP "+tr.AccessToken)
					req.Header.Set("DPoP", proof)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					statuses[i] = resp.StatusCode
				})
			}
			wg.Wait()
			served := 0
			for _, s := range statuses {
				if s == http.StatusOK {
					served++
				}
			}
			if served != 1 {
				t.Errorf("statuses %v: got %d served, want exactly 1", statuses, served)
			}
		})
	})
}

func TestE2EDPoPNonceChallenges(t *testing.T) {
	srv := providertest.New(t, providertest.Options{Configure: nonceConfig(true)})
	d := newDPoPClient(t, srv)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"testclient"}, "client_secret": {"testsecret"}}
	proof := d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "POST", HTU: srv.Issuer + "/oauth/token"}, dpoptest.Options{})
	resp, body := d.raw(http.MethodPost, "/oauth/token", form, nil, "", proof)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "use_dpop_nonce") || resp.Header.Get("DPoP-Nonce") == "" {
		t.Fatalf("token request without a nonce (RFC 9449 Section 8): got %d %s nonce %q, want 400 use_dpop_nonce with DPoP-Nonce",
			resp.StatusCode, body, resp.Header.Get("DPoP-Nonce"))
	}
	status, tr := d.token(form, noAuth)
	wantBound(t, status, tr, d.key)
	d.nonce = ""
	proof = d.key.Proof(t, time.Now(), dpoptest.Claims{HTM: "GET", HTU: srv.Issuer + "/protected/resource", ATH: dpoptest.ATH(tr.AccessToken)}, dpoptest.Options{})
	resp, _ = d.raw(http.MethodGet, "/protected/resource", nil, nil, tr.AccessToken, proof)
	if challenge := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized ||
		!strings.HasPrefix(challenge, `DPoP error="use_dpop_nonce"`) || resp.Header.Get("DPoP-Nonce") == "" {
		t.Errorf("resource request without a nonce (RFC 9449 Section 9): got %d %q, want 401 DPoP use_dpop_nonce with DPoP-Nonce", resp.StatusCode, challenge)
	}
	if resp, body := d.send("/protected/resource", nil, nil, tr.AccessToken); resp.StatusCode != http.StatusOK || resp.Header.Get("DPoP-Nonce") == "" {
		t.Errorf("with the nonce: got %d %s, want 200 and the next nonce", resp.StatusCode, body)
	}
}

// TestE2EDPoPTrace: in teaching mode the provider's trace of a DPoP resource
// request lists every proof check of RFC 9449 Section 4.3 it made, and a
// replay ends with the failed jti check of RFC 9449 Section 11.1, its
// outcome the error code the client got; a request with the DPoP scheme and
// no DPoP header ends with the failed rule that a proof is sent
// (RFC 9449 Section 7.1), not with one it kept.
func TestE2EDPoPTrace(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	d, tr := boundClientCredentials(t, srv, "read")
	resp, _ := d.send("/protected/resource", nil, nil, tr.AccessToken)
	_, ok := traceOf(t, srv, resp)
	mustHave := []string{"not more than one DPoP header", "well-formed JWT", "typ is dpop+jwt", "signature verifies",
		"is a valid JWK", "holds no private key", "an RSA jwk has at least 2048 bits", "htm is", "htu is", "iat is within", "ath is the access token's hash", "its jti is new"}
	for _, rule := range mustHave {
		if !strings.Contains(ok, rule) {
			t.Errorf("trace of a DPoP request: no check %q in %s", rule, ok)
		}
	}
	resp, _ = d.raw(http.MethodGet, "/protected/resource", nil, nil, tr.AccessToken, d.lastProof)
	replayed, replay := traceOf(t, srv, resp)
	if !strings.Contains(replay, `"rule":"the proof has not been used before (its jti is new)","ref":"RFC 9449 Section 11.1","passed":false`) {
		t.Errorf("trace of a replayed proof: got %s, want it to end with the failed jti check", replay)
	}
	checkEndsWith(t, "trace of a replayed proof", replayed, "RFC 9449 Section 11.1", "invalid_dpop_proof")

	resp, body := getWith(t, srv.URL+"/protected/resource", map[string]string{"Authorization": "DPoP " + tr.AccessToken})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_dpop_proof") {
		t.Fatalf("DPoP scheme without a DPoP header: got %d %q %s, want 401 invalid_dpop_proof", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	noProof, raw := traceOf(t, srv, resp)
	if !strings.Contains(raw, `"rule":"a token sent with the DPoP scheme comes with a DPoP proof in the DPoP header","ref":"RFC 9449 Section 7.1","passed":false`) {
		t.Errorf("trace of a DPoP request without a proof: got %s, want it to end with the failed rule that a proof is sent", raw)
	}
	checkEndsWith(t, "trace of a DPoP request without a proof", noProof, "RFC 9449 Section 7.1", "invalid_dpop_proof")
}

// TestE2EDPoPBindingTraces: the refusals of RFC 9449 that are not checks of
// the proof itself end their traces with their own rule too: a client
// registered with dpop_bound_access_tokens that sends no proof
// (RFC 9449 Section 5.2), and a pushed request whose dpop_jkt names another
// key than its DPoP header (RFC 9449 Section 10.1).
func TestE2EDPoPBindingTraces(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	registerLike(t, srv, "testclient", "dpop-only", func(c *store.Client) { c.DPoPBoundAccessTokens = true })
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"dpop-only"}, "client_secret": {"testsecret"}}
	resp, body := rawPost(t, srv.URL+"/oauth/token", form.Encode(), nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
		t.Fatalf("dpop_bound_access_tokens without a proof: got %d %s, want 400 invalid_dpop_proof", resp.StatusCode, body)
	}
	got, _ := traceOf(t, srv, resp)
	checkEndsWith(t, "trace of a token request without the proof the client registered for", got, "RFC 9449 Section 5.2", "invalid_dpop_proof")

	d, other := newDPoPClient(t, srv), newDPoPClient(t, srv)
	push := url.Values{"response_type": {"code"}, "client_id": {"spa-client"}, "redirect_uri": {spaRedirectURI},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"},
		"dpop_jkt": {other.key.JKT()}}
	resp, body = d.send("/oauth/par", push, nil, "")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_dpop_proof") {
		t.Fatalf("PAR with dpop_jkt of another key: got %d %s, want 400 invalid_dpop_proof", resp.StatusCode, body)
	}
	got, _ = traceOf(t, srv, resp)
	checkEndsWith(t, "trace of a pushed request whose dpop_jkt is not its proof's key", got, "RFC 9449 Section 10.1", "invalid_dpop_proof")
}

// TestE2EDPoPInsufficientScope, on each store: a user's DPoP-bound token
// without the scope a resource needs gets 403 with the DPoP challenge naming
// that scope, as a Bearer token's challenge does (RFC 6750 Section 3.1,
// whose attributes the DPoP scheme takes over: RFC 9449 Section 7.1); a
// bound client credentials token, which no scope makes a user's, gets one
// that names none.
func TestE2EDPoPInsufficientScope(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		user := newDPoPClient(t, srv)
		code, verifier := codeFor(t, srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid"))
		status, userToken := user.token(codeGrant(code, verifier, demoRedirectURI), demoBasic)
		wantBound(t, status, userToken, user.key)
		client, clientToken := boundClientCredentials(t, srv, "read")
		tests := []struct {
			name      string
			d         *dpopClient
			token     string
			wantScope bool
		}{
			{"a user's token without read: the challenge names read", user, userToken.AccessToken, true},
			{"a client credentials token with read: the challenge names no scope", client, clientToken.AccessToken, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := tc.d.send("/user/profile", nil, nil, tc.token)
				challenge := resp.Header.Get("WWW-Authenticate")
				if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(challenge, `DPoP error="insufficient_scope"`) {
					t.Fatalf("GET /user/profile: got %d %q %s, want 403 with a DPoP insufficient_scope challenge", resp.StatusCode, challenge, body)
				}
				if got := strings.Contains(challenge, `scope="read"`); got != tc.wantScope || (!tc.wantScope && strings.Contains(challenge, "scope=")) {
					t.Errorf("WWW-Authenticate: got %q, want scope=\"read\" in it: %t", challenge, tc.wantScope)
				}
			})
		}
	})
}
