package web

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// keyField is the home page's switch: /login?key=on logs in as the client
// this app registered at start with token_endpoint_auth_method
// private_key_jwt, which authenticates with a signed assertion instead of a
// secret ([RFC 7523 Section 2.2]).
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
const keyField = "key"

// assertionType is the client_assertion_type of a JWT assertion
// ([RFC 7523 Section 2.2]).
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionJWTType is the explicit type of this app's assertions
// ([RFC 7523bis Section 4]: "Client authentication JWTs SHOULD be
// explicitly typed by using the typ header parameter value
// client-authentication+jwt"). It signals that the assertion keeps that
// draft's audience rule, the issuer as its sole audience, which the
// provider then enforces; the token endpoint's URL would be refused.
//
// [RFC 7523bis Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-4
const assertionJWTType = "client-authentication+jwt"

// assertionLifetime bounds each assertion's exp: it is used once, at once.
const assertionLifetime = 5 * time.Minute

// keyClient is the second client of this app: registered at the provider
// at start ([RFC 7591 Section 3]) with its public key, it proves who it is
// by signing, so the provider holds no secret of it.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
type keyClient struct {
	oauth    *oauth2.Config
	signer   jose.Signer
	audience string // the provider's issuer
}

// oauthFor returns the key client's x/oauth2 configuration when key is
// true and there is one, else the configured client's.
func (a *App) oauthFor(key bool) *oauth2.Config {
	if key && a.keyed != nil {
		return a.keyed.oauth
	}
	return a.oauth
}

// canRegisterKeyClient reports whether the provider lets a client register
// itself and authenticate with private_key_jwt.
func (a *App) canRegisterKeyClient() bool {
	return a.back.RegistrationEndpoint != "" && slices.Contains(a.back.TokenEndpointAuthMethodsSupported, "private_key_jwt")
}

// startKeyClient registers the key client when the provider allows it; a
// failure only leaves the switch off the home page.
func (a *App) startKeyClient() *keyClient {
	if !a.canRegisterKeyClient() {
		return nil
	}
	k, err := a.registerKeyClient(context.Background())
	if err != nil {
		a.log.Warn("could not register the private_key_jwt client; the home page will not offer it", "err", err)
		return nil
	}
	return k
}

// signingClient returns a copy of client whose requests for the key client
// carry a client assertion, added before the wire log records them.
func (a *App) signingClient(client *http.Client) *http.Client {
	c := *client
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = assertingTransport{app: a, base: base}
	return &c
}

// registerKeyClient generates an ES256 key, kept in memory only, and
// registers a client with its public half ([RFC 7591 Section 2]:
// token_endpoint_auth_method private_key_jwt, jwks inline).
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
func (a *App) registerKeyClient(ctx context.Context) (*keyClient, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	jwk := jose.JSONWebKey{Key: priv, Algorithm: string(jose.ES256), Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	registered, err := a.postRegistration(ctx, a.back.RegistrationEndpoint, a.keyClientMetadata(jwk.Public()))
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwk}, (&jose.SignerOptions{}).WithType(assertionJWTType))
	if err != nil {
		return nil, err
	}
	conf := *a.oauth
	conf.ClientID, conf.ClientSecret = registered.ClientID, ""
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams // client_id in the form; the assertion goes beside it
	return &keyClient{oauth: &conf, signer: signer, audience: a.public.Issuer}, nil
}

// keyClientMetadata is the registration request of the key client
// ([RFC 7591 Section 2]): its redirect URI is the app's own, and public is
// the key it signs with.
//
// Its logout names it as client_id (handleLogout), so it registers the
// app's post-logout redirect URI too ([OIDC RP-Initiated Logout Section 3.1]:
// post_logout_redirect_uris is an "Array of URLs supplied by the RP to which
// it MAY request that the End-User's User Agent be redirected using the
// post_logout_redirect_uri parameter after a logout has been performed").
// Without it the provider refuses the logout ([OIDC RP-Initiated Logout Section 3]:
// "The OP also MUST NOT perform post-logout redirection if the
// post_logout_redirect_uri value supplied does not exactly match one of the
// previously registered post_logout_redirect_uris values.") and the user
// stays signed in there. The MCP walkthrough's client, the other one this
// app registers, needs none: its token serves one call on the walkthrough's
// page and makes no login, so no logout names it (nor the device flow's).
//
// [RFC 7591 Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
// [OIDC RP-Initiated Logout Section 3.1]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ClientMetadata
// [OIDC RP-Initiated Logout Section 3]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
func (a *App) keyClientMetadata(public jose.JSONWebKey) map[string]any {
	return map[string]any{
		"client_name":                "oauth-reference client (private_key_jwt)",
		"redirect_uris":              []string{a.cfg.RedirectURI},
		"post_logout_redirect_uris":  []string{a.cfg.PostLogoutRedirectURI()},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"scope":                      strings.Join(loginScopes, " "),
		"token_endpoint_auth_method": "private_key_jwt",
		"jwks":                       jose.JSONWebKeySet{Keys: []jose.JSONWebKey{public}},
	}
}

// registration is what a client registration response gives the client
// to keep ([RFC 7591 Section 3.2.1]; [RFC 7592 Section 3]: the registration
// access token and the client configuration endpoint).
//
// [RFC 7591 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
// [RFC 7592 Section 3]: https://www.rfc-editor.org/rfc/rfc7592#section-3
type registration struct {
	ClientID                string `json:"client_id"`
	RegistrationAccessToken string `json:"registration_access_token"`
	RegistrationClientURI   string `json:"registration_client_uri"`
}

// postRegistration sends the client registration request with the client
// metadata meta to endpoint and returns what the provider issued
// ([RFC 7591 Section 3.2.1]: "201 Created" with a client_id).
//
// [RFC 7591 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
func (a *App) postRegistration(ctx context.Context, endpoint string, meta map[string]any) (registration, error) {
	var registered registration
	body, err := json.Marshal(meta)
	if err != nil {
		return registered, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return registered, err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := a.postJSON(req, http.StatusCreated, "the registration answer", &registered); err != nil {
		return registered, err
	}
	if registered.ClientID == "" {
		return registered, errors.New("the registration answer has no client_id")
	}
	return registered, nil
}

// assertion signs a fresh client assertion: [RFC 7523 Section 3] "The JWT
// MUST contain an "iss" (issuer) claim", "a "sub" (subject) claim", "an
// "aud" (audience) claim" and "an "exp" (expiration time) claim"; for client
// authentication iss and sub are the client_id ([RFC 7523 Section 2.2]),
// and a random jti lets the provider refuse a replay. The aud is the
// provider's issuer, as one string: "the aud (audience) claim value MUST
// use the issuer identifier [RFC8414] of the authorization server as its
// sole value" ([RFC 7523bis Section 4]).
//
// [RFC 7523 Section 3]: https://www.rfc-editor.org/rfc/rfc7523#section-3
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
// [RFC 7523bis Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis-11#section-4
func (k *keyClient) assertion(now time.Time) (string, error) {
	claims, err := json.Marshal(map[string]any{
		"iss": k.oauth.ClientID, "sub": k.oauth.ClientID, "aud": k.audience,
		"iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(), "jti": randomToken(),
	})
	if err != nil {
		return "", err
	}
	jws, err := k.signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// assertingTransport authenticates the key client's back-channel requests:
// to each form POST naming it as client_id it adds a fresh client_assertion
// ([RFC 7523 Section 2.2]). x/oauth2 has no private_key_jwt, and a refresh
// takes no extra parameters, so this is the one place all of them pass.
//
// [RFC 7523 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7523#section-2.2
type assertingTransport struct {
	app  *App
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t assertingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	k := t.app.keyed
	if k == nil || req.Method != http.MethodPost || req.Body == nil || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return t.base.RoundTrip(req)
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err == nil && form.Get("client_id") == k.oauth.ClientID {
		signed, err := k.assertion(t.app.now())
		if err != nil {
			return nil, err
		}
		form.Set("client_assertion_type", assertionType)
		form.Set("client_assertion", signed)
		body = []byte(form.Encode())
	}
	out := req.Clone(req.Context())
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.base.RoundTrip(out)
}
