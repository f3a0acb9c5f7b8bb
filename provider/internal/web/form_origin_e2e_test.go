package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// postWithHeaders submits a form through the browser (its cookie jar) with
// the headers a browser adds: where the form comes from (Sec-Fetch-Site,
// Origin) and the reader's language.
func (b *browser) postWithHeaders(u string, form url.Values, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for name, value := range header {
		req.Header.Set(name, value)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	return resp, providertest.ReadBody(b.t, resp)
}

// formOrigin is where a browser says a form was posted from.
type formOrigin struct {
	name    string
	header  map[string]string // "self" in a value stands for the provider's own origin
	refused bool
}

// formOrigins are the ways a form reaches the sign-in routes, each refused
// or not under the rule of RFC 6749 Section 10.12 (login CSRF).
var formOrigins = []formOrigin{
	{"Sec-Fetch-Site cross-site is refused (RFC 6749 Section 10.12)",
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, true},
	{"Sec-Fetch-Site same-site (a page on another port of the same host) is refused",
		map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"}, true},
	{"another site's Origin without Sec-Fetch-Site (an older browser) is refused",
		map[string]string{"Origin": "http://evil.example"}, true},
	{"Origin null without Sec-Fetch-Site (a sandboxed page) is refused",
		map[string]string{"Origin": "null"}, true},
	{"Sec-Fetch-Site same-origin is accepted",
		map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "self"}, false},
	{"the provider's own Origin without Sec-Fetch-Site is accepted",
		map[string]string{"Origin": "self"}, false},
	{"no Sec-Fetch-Site and no Origin (curl, the seed walkthrough) is accepted", nil, false},
}

// headers returns the origin's headers for the provider at self, with the
// reader's language, zh-TW.
func (o formOrigin) headers(self string) map[string]string {
	h := map[string]string{"Accept-Language": "zh-TW"}
	for name, value := range o.header {
		h[name] = strings.ReplaceAll(value, "self", self)
	}
	return h
}

// Marks of the refusal page: the rule, in the reader's language (zh-TW).
const crossSiteRuleZH = "表單是從本伺服器自己的頁面送出的，而不是從其他網站送出的"

// wantFormRefused checks the answer to a form another site posted: the
// error page with the rule in the reader's language, 403, and no cookie
// set or changed (a sign-in would have to write one).
func wantFormRefused(t *testing.T, resp *http.Response, page string) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
		t.Fatalf("got %d (Location %q), want 403 and no redirect: %.300s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	if cookies := resp.Header.Values("Set-Cookie"); len(cookies) != 0 {
		t.Errorf("the refusal sets cookies %q, want none", cookies)
	}
	wantPageIn(t, "refusal page", page, htmlLangZH, crossSiteRuleZH)
	if !strings.Contains(page, "RFC 6749 Section 10.12") {
		t.Errorf("the refusal page does not cite RFC 6749 Section 10.12: %.600s", page)
	}
}

// TestE2ESignInFormFromAnotherSite: POST /oauth/authenticate with the demo
// user's credentials, from each formOrigin. A form another site posted is
// refused with a 403 page, sets no cookie and leaves the browser signed
// out (login CSRF); the provider's own page and a request without fetch
// metadata (the seed walkthrough's curl) sign in and get a code.
func TestE2ESignInFormFromAnotherSite(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		form, _ := url.ParseQuery(okAuth + demoLogin + "&decision=allow")
		for _, o := range formOrigins {
			t.Run(o.name, func(t *testing.T) {
				b := newBrowser(t) // no cookie yet: showing the form again, say, would set one
				resp, page := b.postWithHeaders(srv.URL+"/oauth/authenticate", form, o.headers(srv.URL))
				if o.refused {
					wantFormRefused(t, resp, page)
					if b.loggedIn(srv) {
						t.Error("the browser is signed in after the refused form")
					}
					return
				}
				if code := providertest.RedirectOf(t, resp, page).Query().Get("code"); code == "" {
					t.Fatalf("redirect without a code: %s", resp.Header.Get("Location"))
				}
				if !b.loggedIn(srv) {
					t.Error("the browser is not signed in after the accepted form")
				}
			})
		}
		t.Run("a refused form checks no password: nothing counts against the limit (RFC 6749 Section 10.10)", func(t *testing.T) {
			wrong := url.Values{}
			for name, values := range form {
				wrong[name] = values
			}
			wrong.Set("password", "wrong")
			b := newBrowser(t)
			for range oauth.WrongPasswordsPerAddress + 1 {
				resp, page := b.postWithHeaders(srv.URL+"/oauth/authenticate", wrong, formOrigins[0].headers(srv.URL))
				wantFormRefused(t, resp, page)
			}
			resp, page := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil)
			providertest.RedirectOf(t, resp, page)
		})
	})
}

// TestE2ESignInFormBehindAProxy: with the provider behind a public name
// (ISSUER) that the Host it sees is not, a browser that sends Origin only
// is believed when Origin is the issuer's origin, and refused otherwise.
func TestE2ESignInFormBehindAProxy(t *testing.T) {
	srv := providertest.New(t, providertest.Options{Issuer: "https://login.example"})
	form, _ := url.ParseQuery(okAuth + demoLogin + "&decision=allow")
	tests := []struct {
		name    string
		origin  string
		refused bool
	}{
		{"the issuer's origin is accepted", "https://login.example", false},
		{"the issuer's host over http is another origin, refused", "http://login.example", true},
		{"a name that begins with the issuer's host is refused", "https://login.example.evil.example", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := newBrowser(t).postWithHeaders(srv.URL+"/oauth/authenticate", form,
				map[string]string{"Origin": tc.origin, "Accept-Language": "zh-TW"})
			if tc.refused {
				wantFormRefused(t, resp, page)
				return
			}
			providertest.RedirectOf(t, resp, page)
		})
	}
}

// TestE2EDeviceFormFromAnotherSite: POST /device, the code entry form and
// the decision with the demo user's credentials, from each formOrigin. A
// form another site posted is refused with a 403 page before its CSRF
// token or user code is looked at: no cookie set, the request still
// pending, the browser signed out.
func TestE2EDeviceFormFromAnotherSite(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		for _, o := range formOrigins {
			t.Run(o.name, func(t *testing.T) {
				da := startDevice(t, deviceConfig(srv, "read"))
				b := newBrowser(t)
				_, entry := b.Get(da.VerificationURIComplete)
				form := providertest.FormFields(entry)
				form.Set("user_code", da.UserCode)
				resp, consent := b.postWithHeaders(da.VerificationURI, form, o.headers(srv.URL))
				if o.refused {
					wantFormRefused(t, resp, consent)
					_, consent = b.EnterUserCode(da.VerificationURIComplete) // the same form from the provider's page
				}
				form = providertest.FormFields(consent)
				form.Set("username", providertest.DemoUsername)
				form.Set("password", providertest.DemoPassword)
				form.Set("decision", "allow")
				resp, page := b.postWithHeaders(da.VerificationURI, form, o.headers(srv.URL))
				status, code := poll(t, srv, da.DeviceCode)
				if o.refused {
					wantFormRefused(t, resp, page)
					if signedIn := b.loggedIn(srv); code != "authorization_pending" || signedIn {
						t.Errorf("after the refused decision: poll %q, signed in %v; want authorization_pending, signed out", code, signedIn)
					}
					return
				}
				if resp.StatusCode != http.StatusOK || status != http.StatusOK {
					t.Fatalf("decision: got %d, poll %d %q; want 200 and tokens: %.300s", resp.StatusCode, status, code, page)
				}
			})
		}
	})
}

// The outcome and rule of a POST sent again as a GET, in a trace.
const (
	sentAsGetOutcome = "sent again as a GET, which brings the login session cookie"
	sentAsGetRule    = "a POST from another site that came without the login session cookie fits in a URL, to be sent again as a GET, which brings the cookie"
)

// TestE2ECrossSitePostSentAgainAsGet: POST /oauth/authorize (prompt=none)
// and POST /oauth/logout from each formOrigin, without the login session
// cookie, as a browser sends another site's POST (the cookie is
// SameSite=Lax). One from another site is answered 303 to the same
// endpoint as a GET with the same parameters, and sets no cookie
// (RFC 9110 Section 15.4.4), so the signed-in browser's session is not written over;
// that GET, with the browser's cookie, finds the session: prompt=none gets
// a code (OIDC Core Section 3.1.2.1), logout asks the user to confirm and
// the session goes on. A POST from the provider's own page, or without
// Sec-Fetch-Site and Origin (curl), is answered at once, as before.
func TestE2ECrossSitePostSentAgainAsGet(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		b := newBrowser(t)
		b.tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid")) // signed in, openid approved
		authorize, _ := url.ParseQuery(okAuth + "&scope=openid&prompt=none")
		logout := url.Values{"client_id": {"testclient"}, "state": {"bye"}}
		for _, o := range formOrigins {
			t.Run(o.name, func(t *testing.T) {
				b := b.in(t)
				resp, _ := rawPost(t, srv.URL+"/oauth/authorize", authorize.Encode(), o.headers(srv.URL))
				resp2, _ := rawPost(t, srv.URL+"/oauth/logout", logout.Encode(), o.headers(srv.URL))
				if !o.refused {
					wantAnsweredAtOnce(t, resp)
					wantAnsweredAtOnce(t, resp2)
					return
				}
				wantSentAgainAsGet(t, srv, resp, "/oauth/authorize", authorize)
				wantSentAgainAsGet(t, srv, resp2, "/oauth/logout", logout)
				resp, page := b.Get(srv.URL + resp.Header.Get("Location"))
				if code := providertest.RedirectOf(t, resp, page).Query().Get("code"); code == "" {
					t.Errorf("prompt=none sent again as a GET, with the session: no code in %s", resp.Header.Get("Location"))
				}
				resp, page = b.Get(srv.URL + resp2.Header.Get("Location"))
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="csrf_token"`) {
					t.Errorf("logout sent again as a GET: got %d, want the confirmation page: %.300s", resp.StatusCode, page)
				}
				if !b.loggedIn(srv) {
					t.Error("the browser is signed out after another site's POST")
				}
			})
		}
		t.Run("parameters too long for a URL: 400, no cookie", func(t *testing.T) {
			long := url.Values{"client_id": {"testclient"}, "x": {strings.Repeat("a", 20<<10)}}
			for _, path := range []string{"/oauth/authorize", "/oauth/logout"} {
				resp, page := rawPost(t, srv.URL+path, long.Encode(), formOrigins[0].headers(srv.URL))
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || len(resp.Header.Values("Set-Cookie")) != 0 {
					t.Errorf("POST %s: got %d, Location %q, cookies %q; want 400, neither: %.300s",
						path, resp.StatusCode, resp.Header.Get("Location"), resp.Header.Values("Set-Cookie"), page)
				}
				got, _ := traceOf(t, srv, resp)
				checkEndsWith(t, "POST "+path, got, "RFC 9110 Section 15.4.4", "invalid_request")
			}
		})
	})
}

// wantSentAgainAsGet checks the answer to another site's POST to path
// with params: 303 to path with params in the query, no cookie, and a
// trace that says so.
func wantSentAgainAsGet(t *testing.T, srv *providertest.Server, resp *http.Response, path string, params url.Values) {
	t.Helper()
	if want := path + "?" + params.Encode(); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("POST %s: got %d Location %q, want 303 to %s", path, resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if cookies := resp.Header.Values("Set-Cookie"); len(cookies) != 0 {
		t.Errorf("POST %s sets cookies %q, want none", path, cookies)
	}
	if got, _ := traceOf(t, srv, resp); got.Outcome != sentAsGetOutcome || !ruleChecked(got, sentAsGetRule, true) {
		t.Errorf("POST %s: trace %+v, want the rule passed and the outcome %q", path, got, sentAsGetOutcome)
	}
}

// wantAnsweredAtOnce checks that a POST without the session was answered
// by the endpoint itself, not sent again.
func wantAnsweredAtOnce(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode == http.StatusSeeOther {
		t.Errorf("got 303 to %q, want the endpoint's own answer", resp.Header.Get("Location"))
	}
}
