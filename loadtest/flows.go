package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// The demo registrations the load tool starts the provider with (README,
// "Quick start"): a confidential client and a user.
const (
	clientID     = "testclient"
	clientSecret = "testsecret"
	redirectURI  = "http://localhost:3000/callback" // never called: the flow stops at the redirect
	username     = "demo"
	password     = "demo"
)

// maxBody bounds what the load tool reads of any answer.
const maxBody = 1 << 20

// oauthClient plays the provider's clients: the confidential demo client
// (client credentials, introspection, code exchange), a browser (logins)
// and resource requests.
type oauthClient struct {
	base      string       // the provider's issuer, http://127.0.0.1:PORT
	http      *http.Client // keep-alive connections shared by all workers; redirects are not followed
	tokens    []string     // per worker, an access token from client credentials
	userToken string       // an access token with openid, from a login
}

// newOAuthClient returns a client of the provider at base for workers
// concurrent workers.
func newOAuthClient(base string, workers int) *oauthClient {
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * workers, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &oauthClient{base: base, http: &http.Client{Transport: transport, Timeout: 30 * time.Second, CheckRedirect: noRedirects}}
}

// noRedirects makes a client return each redirect as it came.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// prepare gives each worker a token of its own and signs the demo user in
// once, for the bearer, introspection and userinfo paths.
func (c *oauthClient) prepare(ctx context.Context, workers int) error {
	c.tokens = make([]string, workers)
	for i := range c.tokens {
		t, err := c.issue(ctx)
		if err != nil {
			return err
		}
		c.tokens[i] = t.AccessToken
	}
	t, err := c.login(ctx)
	c.userToken = t.AccessToken
	return err
}

// tokenResponse is the part of a token response the load tool reads.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
}

// clientCredentials is the request of the client credentials path.
func (c *oauthClient) clientCredentials(ctx context.Context, _ int) error {
	_, err := c.issue(ctx)
	return err
}

// issue asks for a token with the client credentials grant.
func (c *oauthClient) issue(ctx context.Context) (tokenResponse, error) {
	return c.tokenRequest(ctx, c.http, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}})
}

// tokenRequest posts form to the token endpoint as the demo client.
func (c *oauthClient) tokenRequest(ctx context.Context, hc *http.Client, form url.Values) (tokenResponse, error) {
	body, err := call(hc, c.clientPost(ctx, "/oauth/token", form), http.StatusOK)
	var t tokenResponse
	if err == nil {
		err = json.Unmarshal(body, &t)
	}
	if err == nil && t.AccessToken == "" {
		err = errors.New("loadtest: token response without access_token")
	}
	return t, err
}

// resource is the request of the bearer check path.
func (c *oauthClient) resource(ctx context.Context, worker int) error {
	return c.checkBearer(ctx, c.tokens[worker])
}

// checkBearer presents token at the protected resource.
func (c *oauthClient) checkBearer(ctx context.Context, token string) error {
	_, err := call(c.http, c.bearerGet(ctx, "/protected/resource", token), http.StatusOK)
	return err
}

// userinfo is the request of the userinfo path.
func (c *oauthClient) userinfo(ctx context.Context, _ int) error {
	_, err := call(c.http, c.bearerGet(ctx, "/userinfo", c.userToken), http.StatusOK)
	return err
}

// introspect is the request of the introspection path: the worker's own
// token, which must be active.
func (c *oauthClient) introspect(ctx context.Context, worker int) error {
	return c.introspectActive(ctx, c.tokens[worker])
}

// introspectActive introspects token, which must be active.
func (c *oauthClient) introspectActive(ctx context.Context, token string) error {
	body, err := call(c.http, c.clientPost(ctx, "/oauth/introspect", url.Values{"token": {token}}), http.StatusOK)
	if err != nil {
		return err
	}
	var answer struct {
		Active bool `json:"active"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || !answer.Active {
		return fmt.Errorf("loadtest: introspection answered %.100q, want an active token", body)
	}
	return nil
}

// cycle is the request of the memory check: a new token from client
// credentials, presented at the resource and introspected, so every cache
// of the bearer check sees new entries.
func (c *oauthClient) cycle(ctx context.Context, _ int) error {
	t, err := c.issue(ctx)
	if err == nil {
		err = c.checkBearer(ctx, t.AccessToken)
	}
	if err == nil {
		err = c.introspectActive(ctx, t.AccessToken)
	}
	return err
}

// loginFlow is the request of the login path: one whole flow.
func (c *oauthClient) loginFlow(ctx context.Context, _ int) error {
	_, err := c.login(ctx)
	return err
}

// login runs one authorization code flow with PKCE and OpenID Connect as a
// fresh browser would (a cookie jar of its own): the authorization request,
// the login + consent form sent with the demo user's password and "allow",
// the redirect to the client's callback, and the code exchange.
func (c *oauthClient) login(ctx context.Context) (tokenResponse, error) {
	jar, _ := cookiejar.New(nil) // never fails without options
	browser := &http.Client{Transport: c.http.Transport, Jar: jar, Timeout: c.http.Timeout, CheckRedirect: noRedirects}
	verifier := rand.Text() + rand.Text() // 52 characters of the unreserved set
	challenge := sha256.Sum256([]byte(verifier))
	state := rand.Text()
	query := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {"openid profile read"}, "state": {state}, "nonce": {rand.Text()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])}, "code_challenge_method": {"S256"},
	}
	page, err := call(browser, c.get(ctx, "/oauth/authorize?"+query.Encode()), http.StatusOK)
	if err != nil {
		return tokenResponse{}, err
	}
	form := hiddenFields(page)
	form.Set("username", username)
	form.Set("password", password)
	form.Set("decision", "allow")
	code, err := c.approve(ctx, browser, form, state)
	if err != nil {
		return tokenResponse{}, err
	}
	return c.tokenRequest(ctx, browser, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}})
}

// approve sends the login + consent form and returns the code from the
// redirect to the client, after checking its state.
func (c *oauthClient) approve(ctx context.Context, browser *http.Client, form url.Values, state string) (string, error) {
	header, _, err := send(browser, c.postForm(ctx, "/oauth/authenticate", form), http.StatusFound)
	if err != nil {
		return "", err
	}
	callback, err := url.Parse(header.Get("Location"))
	if err != nil || !strings.HasPrefix(callback.String(), redirectURI+"?") {
		return "", fmt.Errorf("loadtest: the login form redirected elsewhere than the callback")
	}
	q := callback.Query()
	if q.Get("state") != state || q.Get("code") == "" {
		return "", fmt.Errorf("loadtest: the callback has no code, or another state (error %q)", q.Get("error"))
	}
	return q.Get("code"), nil
}

// hiddenFields returns the hidden fields of a page's forms, as a browser
// would send them.
func hiddenFields(page []byte) url.Values {
	form := url.Values{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return form // the end of the page
		case html.StartTagToken, html.SelfClosingTagToken:
			if t := z.Token(); t.Data == "input" && attr(t, "type") == "hidden" && attr(t, "name") != "" {
				form.Add(attr(t, "name"), attr(t, "value"))
			}
		}
	}
}

// attr is the value of a tag's attribute, "" when absent.
func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// get builds a GET request of path.
func (c *oauthClient) get(ctx context.Context, path string) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil) // the URL is ours
	return req
}

// bearerGet builds a GET request of path with an access token.
func (c *oauthClient) bearerGet(ctx context.Context, path, token string) *http.Request {
	req := c.get(ctx, path)
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// postForm builds a form POST to path, as a browser sends it.
func (c *oauthClient) postForm(ctx context.Context, path string, form url.Values) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(form.Encode())) // the URL is ours
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// clientPost builds a form POST to path, authenticated as the demo client.
func (c *oauthClient) clientPost(ctx context.Context, path string, form url.Values) *http.Request {
	req := c.postForm(ctx, path, form)
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	return req
}

// call sends req with hc and returns the body of an answer with status want.
func call(hc *http.Client, req *http.Request, want int) ([]byte, error) {
	_, body, err := send(hc, req, want)
	return body, err
}

// send sends req with hc and returns the headers and body of an answer
// with status want.
func send(hc *http.Client, req *http.Request, want int) (http.Header, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != want {
		return nil, nil, fmt.Errorf("loadtest: %s %s answered %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
	return resp.Header, body, nil
}
