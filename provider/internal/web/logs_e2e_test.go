package web_test

import (
	"bytes"
	"context"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ENoSecretsInLogs runs a whole token lifecycle — code, exchange,
// refresh, reuse detection, code replay, wrong passwords up to the rate
// limit — and checks that each security event is a warning in words and
// that no code, token, verifier, password or client secret reaches the
// provider's log.
func TestE2ENoSecretsInLogs(t *testing.T) {
	var log processtest.Buffer
	srv := providertest.New(t, providertest.Options{LogOutput: &log})
	cfg := demoConfig(srv, oauth2.AuthStyleInParams, "openid", "read")
	code, verifier, tok := exchangeCode(t, srv, cfg)
	rotated, err := refresh(cfg, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = refresh(cfg, tok.RefreshToken) // reuse: logged as a warning
	callResource(t, srv.URL+"/protected/resource", rotated.AccessToken)
	for range oauth.WrongPasswordsPerAddress + 1 { // the last one hits the rate limit
		rawPost(t, srv.URL+"/oauth/authenticate", okAuth+demoUser+"&password=not-the-password", nil)
	}

	_, _ = cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)) // code replay: a warning

	logged := log.String()
	// The lines this test must see, so that the grep below covers them: the
	// request lines with their client_id and error code, and each warning.
	for _, want := range []string{"refresh token reuse detected", "authorization code used a second time",
		"sign-in refused", "msg=request", "route=/oauth/token", "client_id=testclient", "error=invalid_grant", "request_id="} {
		if !strings.Contains(logged, want) {
			t.Fatalf("the log lacks %q, so this test does not cover that line:\n%s", want, logged)
		}
	}
	for _, event := range []string{"refresh token reuse detected", "authorization code used a second time",
		"sign-in refused: wrong username or password", "rate limit hit: too many wrong password attempts"} {
		if !regexp.MustCompile(`(?m)^.*level=WARN msg="` + regexp.QuoteMeta(event) + `.*request_id=`).MatchString(logged) {
			t.Errorf("the security event %q is not a warning naming its request:\n%s", event, logged)
		}
	}
	secrets := map[string]string{
		"code": code, "code_verifier": verifier, "access token": tok.AccessToken, "refresh token": tok.RefreshToken,
		"rotated refresh token": rotated.RefreshToken, "id_token": tok.Extra("id_token").(string),
		"client secret": "testsecret", "wrong password": "not-the-password",
	}
	for name, secret := range secrets {
		if strings.Contains(logged, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

// TestE2EUnknownClientIDNeverWritten: a client that sends its secret (or a
// token, or a user its password) where the client_id belongs, a swapped
// pair, finds it in no log line and no trace, nor on /debug/traces: a
// request's client_id is written only once it names a registered client
// (README, "Logs"). That holds for the client_id in the path of the client
// configuration endpoint (RFC 7592 Section 2) too, where a client may type
// its registration access token: the trace keeps the route's pattern, and
// the path only for the registered client the request was allowed to
// manage. On both stores.
func TestE2EUnknownClientIDNeverWritten(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log})
		reg := register(t, srv, nativeClient)
		const secret = "SwappedSecretQ7w8e9r0t1y2u3i4"
		hidden := map[string]string{"the value sent as client_id": secret, "the registration access token": reg.RegistrationAccessToken}
		configuration := srv.URL + "/oauth/register/"
		requests := []func() *http.Response{
			func() *http.Response {
				resp, _ := rawPost(t, srv.URL+"/oauth/token", "grant_type=client_credentials", basic(secret, "testclient"))
				return resp
			},
			func() *http.Response {
				resp, _ := rawPost(t, srv.URL+"/oauth/token", "grant_type=client_credentials&client_id="+secret+"&client_secret=x", nil)
				return resp
			},
			func() *http.Response {
				resp, _ := rawPost(t, srv.URL+"/oauth/par", "response_type=code&client_id="+secret+"&redirect_uri="+demoRedirectURI, nil)
				return resp
			},
			func() *http.Response {
				resp, _ := rawPost(t, srv.URL+"/oauth/revoke", "token=x&client_id="+secret, nil)
				return resp
			},
			func() *http.Response {
				resp, _ := rawPost(t, srv.URL+"/oauth/device/code", "client_id="+secret, nil)
				return resp
			},
			func() *http.Response {
				resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", strings.Replace(okAuth, "testclient", secret, 1)+demoUser+"&password=demo", nil)
				return resp
			},
			func() *http.Response {
				resp, _ := callResource(t, srv.URL+"/oauth/authorize?response_type=code&client_id="+secret+"&redirect_uri="+demoRedirectURI, "")
				return resp
			},
			func() *http.Response {
				resp, _ := callResource(t, srv.URL+"/oauth/logout?client_id="+secret, "")
				return resp
			},
			func() *http.Response {
				resp, _ := sendJSON(t, http.MethodGet, configuration+secret, "", "SomeRegistrationAccessToken123")
				return resp
			},
			func() *http.Response {
				resp, _ := sendJSON(t, http.MethodPut, configuration+secret, nativeClient, reg.RegistrationAccessToken)
				return resp
			},
			func() *http.Response {
				resp, _ := sendJSON(t, http.MethodDelete, configuration+secret, "", reg.RegistrationAccessToken)
				return resp
			},
			func() *http.Response { // the token typed in the client_id's place
				resp, _ := sendJSON(t, http.MethodGet, configuration+reg.RegistrationAccessToken, "", reg.RegistrationAccessToken)
				return resp
			},
		}
		for i, send := range requests {
			resp := send()
			_, trace := callResource(t, srv.URL+"/debug/trace/"+resp.Header.Get("X-Request-Id"), "")
			for name, value := range hidden {
				if strings.Contains(trace, value[:16]) {
					t.Errorf("request %d (%d): its trace holds %s: %s", i, resp.StatusCode, name, trace)
				}
			}
		}
		_, page := callResource(t, srv.URL+"/debug/traces", "")
		logged := log.String()
		for name, value := range hidden {
			if strings.Contains(page, value[:16]) {
				t.Errorf("/debug/traces holds %s", name)
			}
			if strings.Contains(logged, value[:16]) {
				t.Errorf("the log holds %s:\n%s", name, logged)
			}
		}

		resp, _ := sendJSON(t, http.MethodGet, configuration+reg.ClientID, "", reg.RegistrationAccessToken)
		if got, _ := traceOf(t, srv, resp); got.Path != "/oauth/register/"+reg.ClientID {
			t.Errorf("a read of the registered client: the trace keeps path %q, want /oauth/register/%s", got.Path, reg.ClientID)
		}
	})
}

// TestE2EBadSessionCookieIsQuiet: a provider_session cookie the provider
// cannot read (garbage, or base64 with a wrong MAC: a forged one, or one
// from before a restart without SESSION_SECRET) is a new visitor's: the page
// answers, and the log has one debug line about it that names the request,
// no ERROR line. Nothing is written to slog.Default or the standard logger,
// where gin-contrib/sessions writes its error line. It changes
// process-wide loggers, so it does not run in parallel.
func TestE2EBadSessionCookieIsQuiet(t *testing.T) {
	var log processtest.Buffer
	srv := providertest.New(t, providertest.Options{LogOutput: &log})
	var stray bytes.Buffer
	defer slog.SetDefault(slog.Default())
	defer stdlog.SetOutput(stdlog.Writer())
	stdlog.SetOutput(&stray)
	slog.SetDefault(slog.New(slog.NewTextHandler(&stray, nil)))
	for name, value := range map[string]string{"garbage": "abc", "base64 with a wrong MAC": "MTcwMDAwMDAwMHxhYmN8ZGVm"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/device", nil)
		req.AddCookie(&http.Cookie{Name: "provider_session", Value: value})
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: got %d, want 200, the page of a new visitor", name, resp.StatusCode)
		}
		ignored := regexp.MustCompile(`(?m)^.*level=DEBUG msg="session cookie ignored".*request_id=` + resp.Header.Get("X-Request-Id"))
		if n := len(ignored.FindAllString(log.String(), -1)); n != 1 {
			t.Errorf("%s: %d debug lines \"session cookie ignored\" naming the request, want 1:\n%s", name, n, log.String())
		}
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("a bad session cookie is logged as an error:\n%s", log.String())
	}
	if stray.Len() > 0 {
		t.Errorf("written outside the provider's logger: %q", stray.String())
	}
}

// TestE2ECallerHangUpLoggedAtInfo: a request whose caller has gone (its
// context canceled) while the provider asked the store is logged at info,
// as what it is, not as an ERROR server error; its request line and
// http_requests_total say 499, not 500 server_error, oauth_token_errors_total
// counts no server_error, and its trace says the caller hung up (README,
// "Logs", "Metrics"). Both stores: the store's query sees the cancellation.
func TestE2ECallerHangUpLoggedAtInfo(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/oauth/token",
			strings.NewReader("grant_type=client_credentials&client_id=testclient&client_secret=testsecret"))
		req.Header.Set("Content-Type", formCT)
		answer := httptest.NewRecorder()
		srv.Config.Handler.ServeHTTP(answer, req)
		requestID := answer.Header().Get("X-Request-Id")

		logged := log.String()
		if !regexp.MustCompile(`(?m)^.*level=INFO msg="request canceled by the caller".*request_id=` + requestID).MatchString(logged) {
			t.Fatalf("the log does not say at info that the caller hung up:\n%s", logged)
		}
		if strings.Contains(logged, "level=ERROR") {
			t.Errorf("a caller hanging up is logged as an error:\n%s", logged)
		}
		line := regexp.MustCompile(`(?m)^.*msg=request .*request_id=` + requestID + `$`).FindString(logged)
		if !strings.Contains(line, " status=499 ") || strings.Contains(line, "error=") {
			t.Errorf("request line: got %q, want status=499 and no error", line)
		}

		metrics := getMetrics(t, srv.URL+"/metrics")
		if got := metricValue(metrics, `http_requests_total{method="POST",route="/oauth/token",status="499"}`); got != "1" {
			t.Errorf("http_requests_total of the token endpoint with status 499: got %q, want 1", got)
		}
		for _, series := range []string{`http_requests_total{method="POST",route="/oauth/token",status="500"}`,
			`http_requests_total{method="POST",route="/oauth/token",status="503"}`, `oauth_token_errors_total{error="server_error"}`} {
			if got := metricValue(metrics, series); got != "" {
				t.Errorf("%s: got %s, want no such series", series, got)
			}
		}

		var tr struct {
			Status  int    `json:"status"`
			Outcome string `json:"outcome"`
			Refused bool   `json:"refused"`
		}
		getJSON(t, srv.URL+"/debug/trace/"+requestID, &tr)
		if tr.Status != 499 || tr.Outcome != "the caller hung up before the answer; no server fault" || tr.Refused {
			t.Errorf("trace: got status %d, outcome %q, refused %v; want 499, that the caller hung up, not refused",
				tr.Status, tr.Outcome, tr.Refused)
		}
	})
}

// TestE2ELinesOfARequestNameIt: the lines a request logs beside its
// request line name its request_id too (README, "Logs"): the refresh
// grace's note, and a client ID metadata document that could not be
// fetched. That one's line gives why, without the URL's path or query: a
// client_id that names no client is written in no log line.
func TestE2ELinesOfARequestNameIt(t *testing.T) {
	var log processtest.Buffer
	srv := providertest.New(t, providertest.Options{LogOutput: &log,
		Configure: func(c *config.Config) { c.RefreshReuseGrace = time.Minute }})
	tok := newBrowser(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "read"))
	form := "grant_type=refresh_token&refresh_token=" + tok.RefreshToken
	rawPost(t, srv.URL+"/oauth/token", form, basic("testclient", "testsecret"))
	graced, _ := rawPost(t, srv.URL+"/oauth/token", form, basic("testclient", "testsecret"))

	const hidden = "PathAndQueryQ7w8e9r0t1y2"
	document := url.QueryEscape("https://127.0.0.1/" + hidden + "?access_token=" + hidden)
	unfetched, _ := rawPost(t, srv.URL+"/oauth/token", "grant_type=client_credentials&client_id="+document, nil)

	logged := log.String()
	for _, line := range []struct{ msg, requestID string }{
		{"refresh token presented again within REFRESH_REUSE_GRACE", graced.Header.Get("X-Request-Id")},
		{"client ID metadata document not fetched", unfetched.Header.Get("X-Request-Id")},
	} {
		if !regexp.MustCompile(`(?m)^.*msg="` + regexp.QuoteMeta(line.msg) + `.*request_id=` + line.requestID).MatchString(logged) {
			t.Errorf("no line %q names request_id=%s:\n%s", line.msg, line.requestID, logged)
		}
	}
	if strings.Contains(logged, hidden) {
		t.Errorf("the log holds the path or query of a client_id that names no client:\n%s", logged)
	}
}
