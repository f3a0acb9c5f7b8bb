package web_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/providertest"
)

// routeMethods returns every path of the real route table with the methods
// it takes, path parameters filled in with a sample value.
func routeMethods(t *testing.T, srv *providertest.Server) map[string][]string {
	t.Helper()
	router, ok := srv.Config.Handler.(*web.Router)
	if !ok {
		t.Fatalf("the provider's handler is a %T, want *web.Router", srv.Config.Handler)
	}
	paths := map[string][]string{}
	for _, r := range router.Routes() {
		p := samplePath(r.Path)
		paths[p] = append(paths[p], r.Method)
	}
	return paths
}

// samplePath replaces each ":name" or "*name" segment with "sample".
func samplePath(route string) string {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "sample"
		}
	}
	return strings.Join(segs, "/")
}

// TestE2ERouteTableMethods walks every route of the real router: a path
// that takes GET takes HEAD (RFC 9110 Section 9.1); a method the path does
// not take gets 405 with an Allow header naming exactly the ones it does;
// OPTIONS answers a CORS preflight only where the route serves CORS; and
// an unknown path is 404 whatever the method.
func TestE2ERouteTableMethods(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	paths := routeMethods(t, srv)
	if len(paths) < 15 {
		t.Fatalf("only %d paths in the route table: %v", len(paths), paths)
	}
	for path, methods := range paths {
		t.Run(path, func(t *testing.T) {
			if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
				t.Errorf("%s takes GET but not HEAD: %v", path, methods)
			}
			cors := slices.Contains(methods, http.MethodOptions)
			for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
				if slices.Contains(methods, m) {
					continue
				}
				resp := send(t, m, srv.URL+path)
				if resp.StatusCode != http.StatusMethodNotAllowed {
					t.Errorf("%s %s: got status %d, want 405", m, path, resp.StatusCode)
				}
				if got, want := sortedList(resp.Header.Get("Allow")), sortedList(strings.Join(methods, ",")); got != want {
					t.Errorf("%s %s: got Allow %q, want %q", m, path, got, want)
				}
			}
			resp := send(t, http.MethodOptions, srv.URL+path)
			origin := resp.Header.Get("Access-Control-Allow-Origin")
			switch {
			case cors && (resp.StatusCode != http.StatusNoContent || origin != "*"):
				t.Errorf("preflight of a CORS route: got %d, Allow-Origin %q; want 204, *", resp.StatusCode, origin)
			case cors:
				allowed := sortedList(resp.Header.Get("Access-Control-Allow-Methods"))
				want := sortedList(strings.Join(slices.DeleteFunc(slices.Clone(methods), func(m string) bool { return m == http.MethodOptions }), ","))
				if allowed != want {
					t.Errorf("preflight: got Access-Control-Allow-Methods %q, want %q", allowed, want)
				}
				if got, want := resp.Header.Get("Access-Control-Allow-Headers"), "Authorization, Content-Type, DPoP, MCP-Protocol-Version, If-None-Match"; got != want {
					t.Errorf("preflight: got Access-Control-Allow-Headers %q, want %q", got, want)
				}
				// The browser reads it on the preflight only: an answer of the
				// route itself has no need of it.
				method := strings.Split(want, ",")[0]
				if got := send(t, method, srv.URL+path).Header.Get("Access-Control-Allow-Headers"); got != "" {
					t.Errorf("%s %s: got Access-Control-Allow-Headers %q, want it on the preflight only", method, path, got)
				}
			case resp.StatusCode != http.StatusMethodNotAllowed || origin != "":
				t.Errorf("OPTIONS on a route without CORS: got %d, Allow-Origin %q; want 405 and no CORS", resp.StatusCode, origin)
			}
		})
	}
}

// TestE2ECORSServedWhereTheSPANeedsIt pins which endpoints a browser app may
// call cross-origin, and that the login pages are not among them.
func TestE2ECORSServedWhereTheSPANeedsIt(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	paths := routeMethods(t, srv)
	for _, p := range []string{"/oauth/token", "/oauth/revoke", "/.well-known/openid-configuration", "/.well-known/jwks.json", "/userinfo", "/protected/resource"} {
		if !slices.Contains(paths[p], http.MethodOptions) {
			t.Errorf("%s: no CORS preflight, but the SPA calls it from the browser", p)
		}
	}
	for _, p := range []string{"/oauth/authorize", "/oauth/authenticate", "/device"} {
		if slices.Contains(paths[p], http.MethodOptions) {
			t.Errorf("%s answers a CORS preflight: a page that takes a password must not", p)
		}
	}
}

func TestE2EUnknownPathIsNotFoundWhateverTheMethod(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	for _, path := range []string{"/nope", "/oauth/nope", "/.well-known/nope", "/oauth/token/extra/segment"} {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
			resp := send(t, m, srv.URL+path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: got status %d, want 404", m, path, resp.StatusCode)
			}
			if allow := resp.Header.Get("Allow"); allow != "" {
				t.Errorf("%s %s: got Allow %q on a 404", m, path, allow)
			}
		}
	}
}

// TestE2EUnknownPathInTheCallersFormat: a browser (its Accept names
// text/html) that asks for an unknown path gets the provider's error page in
// its language; any other caller the JSON 404. The answer says it varies
// with Accept.
func TestE2EUnknownPathInTheCallersFormat(t *testing.T) {
	chrome := "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		for _, tc := range []struct {
			name, accept, acceptLanguage string
			page                         bool
			want                         string
		}{
			{"a browser", chrome, "", true, "Check the address: this provider has no page or endpoint at this path."},
			{"a browser reading Chinese", chrome, "zh-TW,zh;q=0.9", true, "請檢查網址"},
			{"text/html among others", "application/json;q=0.5, TEXT/HTML;q=0.1", "", true, "not_found"},
			{"no Accept", "", "", false, `"error":"not_found"`},
			{"an API client", "application/json", "", false, `"error":"not_found"`},
			{"anything", "*/*", "", false, `"error":"not_found"`},
			{"text/html refused", "text/html;q=0, */*", "", false, `"error":"not_found"`},
			{"text/html refused, three decimals", "text/html;q=0.000", "", false, `"error":"not_found"`},
			{"a malformed Accept", "text/html;;;q=x, =, text/html;q=abc", "", false, `"error":"not_found"`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := sendBadRequest(t, srv, badRequest{method: http.MethodGet, path: "/nope",
					header: map[string]string{"Accept": tc.accept, "Accept-Language": tc.acceptLanguage}})
				wantType := "application/json; charset=utf-8"
				if tc.page {
					wantType = "text/html; charset=utf-8"
				}
				if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != wantType || !strings.Contains(body, tc.want) {
					t.Errorf("got %d %s: %.300s; want 404 %s with %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, wantType, tc.want)
				}
				if vary := resp.Header.Values("Vary"); !slices.Contains(vary, "Accept") {
					t.Errorf("Vary: got %q, want Accept among them", vary)
				}
				if framing := resp.Header.Get("X-Frame-Options"); tc.page && framing != "DENY" {
					t.Errorf("the page's X-Frame-Options: got %q, want DENY, as on every page (protectPage)", framing)
				}
			})
		}
	})
}

// TestE2ENoRedirectToAnotherPath: a route's path with a trailing slash, or
// spelt another way, is an unknown path, 404 with no Location whatever the
// method and whatever X-Forwarded-Prefix says. Gin's redirects would answer
// a POST with 307, which makes the browser send the password or the client
// secret again (RFC 9700 Section 4.12), to a Location that header steers.
// An encoded "/" is not a "/" (RFC 3986 Section 2.2), nor is a request id
// with one in it a trace's.
func TestE2ENoRedirectToAnotherPath(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		requests := []badRequest{
			{method: "POST", path: "/oauth/token/", body: "grant_type=client_credentials", header: basicDemo},
			{method: "POST", path: "/oauth/authenticate/", body: "username=demo&password=demo"},
			{method: "POST", path: "/device/", body: "user_code=BCDF-GHJK"},
			{method: "POST", path: "/userinfo/", body: "access_token=x"},
			{method: "POST", path: "/oauth/register/", contentType: "application/json", body: `{"redirect_uris":["http://localhost/cb"]}`},
			{method: "POST", path: "/OAUTH/TOKEN", body: "grant_type=client_credentials", header: basicDemo},
			{method: "GET", path: "/device/"},
			{method: "GET", path: "/userinfo/"},
			{method: "GET", path: "/.well-known/jwks.json/"},
			{method: "GET", path: "/healthz/"},
			{method: "GET", path: "/oauth/authorize/?" + okAuth},
			{method: "HEAD", path: "/.well-known/openid-configuration/"},
			{method: "GET", path: "/Healthz"},
			{method: "GET", path: "/oauth/../healthz"},
			{method: "POST", path: "/oauth%2Ftoken", body: "grant_type=client_credentials", header: basicDemo},
			{method: "POST", path: "/oauth%2ftoken", body: "grant_type=client_credentials", header: basicDemo},
			{method: "POST", path: "/oauth/%74oken", body: "grant_type=client_credentials", header: basicDemo},
			{method: "GET", path: "/debug%2Ftraces"},
			{method: "GET", path: "/.well-known%2Fjwks.json"},
			{method: "GET", path: "/debug/trace/a%2Fb"},
		}
		for _, r := range requests {
			for _, prefix := range []string{"", "/evil"} {
				tc := r
				tc.header = withHeader(r.header, "X-Forwarded-Prefix", prefix)
				t.Run(tc.method+" "+tc.path+" X-Forwarded-Prefix "+prefix, func(t *testing.T) {
					resp, body := sendBadRequest(t, srv, tc)
					if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
						t.Errorf("got %d, Location %q; want 404 and none", resp.StatusCode, resp.Header.Get("Location"))
					}
					if tc.method != http.MethodHead && !strings.Contains(body, `"error":"not_found"`) {
						t.Errorf("got body %.200s, want the provider's 404 answer", body)
					}
				})
			}
		}
	})
}

// withHeader returns a copy of header with name set to value, if any.
func withHeader(header map[string]string, name, value string) map[string]string {
	h := maps.Clone(header)
	if value != "" {
		if h == nil {
			h = map[string]string{}
		}
		h[name] = value
	}
	return h
}

// TestE2EHeadAnswersAsGet: a GET route answers HEAD with the GET's status
// and headers and no content ([RFC 9110 Section 9.3.2]), a page, a bearer
// resource and an unknown path alike, and the metrics count the request as
// HEAD. A path that takes no GET answers HEAD with 405 and the methods it
// takes.
//
// [RFC 9110 Section 9.3.2]: https://www.rfc-editor.org/rfc/rfc9110#section-9.3.2
func TestE2EHeadAnswersAsGet(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		tok := newBrowser(t).tokens(srv, demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read"))
		bearer := http.Header{"Authorization": {"Bearer " + tok.AccessToken}}
		for _, tc := range []struct {
			path   string
			header http.Header
		}{
			{"/healthz", nil}, {"/readyz", nil}, {"/.well-known/openid-configuration", nil},
			{"/.well-known/oauth-authorization-server", nil}, {"/.well-known/jwks.json", nil},
			{"/", nil}, {"/device?user_code=BCDF-GHJK", nil}, {"/oauth/authorize?" + okAuth, nil},
			{"/protected/resource", bearer}, {"/userinfo", bearer}, {"/protected/resource", nil}, {"/nope", nil},
		} {
			t.Run(tc.path, func(t *testing.T) {
				providertest.CheckHeadAsGet(t, srv.URL+tc.path, tc.header, "X-Request-Id", "Set-Cookie")
			})
		}
		for path, allow := range map[string]string{"/oauth/token": "OPTIONS,POST", "/oauth/authenticate": "POST"} {
			resp := send(t, http.MethodHead, srv.URL+path)
			if got := sortedList(resp.Header.Get("Allow")); resp.StatusCode != http.StatusMethodNotAllowed || got != allow {
				t.Errorf("HEAD %s: got %d, Allow %q; want 405, %q", path, resp.StatusCode, got, allow)
			}
		}
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		if page := providertest.ReadBody(t, resp); !strings.Contains(page, `http_requests_total{method="HEAD",route="/healthz",status="200"} 1`) {
			t.Error("/metrics does not count the HEAD /healthz as HEAD")
		}
	})
}

// send makes one request with no body and returns the response, body read.
func send(t *testing.T, method, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	providertest.ReadBody(t, resp)
	return resp
}

// sortedList normalises a comma-separated list of methods for comparison.
func sortedList(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	slices.Sort(f)
	return strings.Join(f, ",")
}
