package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

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

// TestE2ERouteTableMethods walks every route of the real router: a method the
// path does not take gets 405 with an Allow header naming exactly the ones
// it does; OPTIONS answers a CORS preflight only where the route serves
// CORS; and an unknown path is 404 whatever the method.
func TestE2ERouteTableMethods(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	paths := routeMethods(t, srv)
	if len(paths) < 15 {
		t.Fatalf("only %d paths in the route table: %v", len(paths), paths)
	}
	for path, methods := range paths {
		t.Run(path, func(t *testing.T) {
			cors := slices.Contains(methods, http.MethodOptions)
			for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
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
