package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2ERouteTableMethods walks every route of the client's real router: a
// path that takes GET takes HEAD (RFC 9110 Section 9.1); a method a path
// does not take gets 405 with Allow naming exactly the ones it does; the
// client serves no CORS, so OPTIONS is never a preflight; an unknown path
// is 404 whatever the method.
func TestE2ERouteTableMethods(t *testing.T) {
	h := newHarness(t, providertest.Options{})
	engine := h.client.Config.Handler.(*gin.Engine)
	paths := map[string][]string{}
	for _, r := range engine.Routes() {
		paths[r.Path] = append(paths[r.Path], r.Method)
	}
	if len(paths) < 6 {
		t.Fatalf("only %d paths in the route table", len(paths))
	}
	for path, methods := range paths {
		if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
			t.Errorf("%s takes GET but not HEAD: %v", path, methods)
		}
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
			if slices.Contains(methods, m) {
				continue
			}
			resp := rawRequest(t, m, h.client.URL+path)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: got status %d, want 405", m, path, resp.StatusCode)
			}
			if got, want := methodList(resp.Header.Get("Allow")), methodList(strings.Join(methods, ",")); got != want {
				t.Errorf("%s %s: got Allow %q, want %q", m, path, got, want)
			}
			if origin := resp.Header.Get("Access-Control-Allow-Origin"); origin != "" {
				t.Errorf("%s %s: got Access-Control-Allow-Origin %q; the client serves no CORS", m, path, origin)
			}
		}
	}
	for _, path := range []string{"/nope", "/spa/nope", "/callback/extra"} {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodOptions, http.MethodDelete} {
			if resp := rawRequest(t, m, h.client.URL+path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: got status %d, want 404", m, path, resp.StatusCode)
			}
		}
	}
}

// TestE2ENoRedirectToAnotherPath: a route's path with a trailing slash, or
// spelt another way, is an unknown path, the client's 404 page with no
// Location, whatever the method and whatever X-Forwarded-Prefix says. Gin's
// redirects would answer a POST with 307, which resends the form
// (RFC 9700 Section 4.12), to a Location that header steers. An encoded
// "/" is not a "/" (RFC 3986 Section 2.2), nor is an attack's name
// spelt with an encoding that attack.
func TestE2ENoRedirectToAnotherPath(t *testing.T) {
	h := newHarness(t, providertest.Options{})
	for _, r := range []struct{ method, path string }{
		{"POST", "/logout/"}, {"POST", "/refresh/"}, {"POST", "/attacks/code-replay/"}, {"POST", "/tokens/reveal/"},
		{"GET", "/login/"}, {"GET", "/healthz/"}, {"GET", "/tokens/"}, {"HEAD", "/spa/"}, {"GET", "/Tokens"}, {"GET", "/spa/../tokens"},
		{"GET", "/spa%2Fcallback"}, {"POST", "/tokens%2Freveal"}, {"POST", "/attacks%2Fcode-replay"}, {"POST", "/attacks/code%2Dreplay"}, {"GET", "/%74okens"},
	} {
		for _, prefix := range []string{"", "/evil"} {
			req, _ := http.NewRequest(r.method, h.client.URL+r.path, strings.NewReader("csrf_token=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if prefix != "" {
				req.Header.Set("X-Forwarded-Prefix", prefix)
			}
			resp, body := roundTrip(t, req)
			if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
				t.Errorf("%s %s, X-Forwarded-Prefix %q: got %d, Location %q; want 404 and none", r.method, r.path, prefix, resp.StatusCode, resp.Header.Get("Location"))
			}
			if r.method != http.MethodHead && !strings.Contains(body, "There is no page at") {
				t.Errorf("%s %s: got %.200s, want the client's 404 page", r.method, r.path, body)
			}
		}
	}
}

// TestE2EHeadAnswersAsGet: a GET route answers HEAD with the GET's status
// and headers and no content ([RFC 9110 Section 9.3.2]), pages, the health
// endpoints, a script and an unknown path alike, and the metrics count the
// request as HEAD. A path that takes no GET answers HEAD with 405 and the
// methods it takes.
//
// [RFC 9110 Section 9.3.2]: https://www.rfc-editor.org/rfc/rfc9110#section-9.3.2
func TestE2EHeadAnswersAsGet(t *testing.T) {
	h := newHarness(t, providertest.Options{})
	for _, path := range []string{"/", "/healthz", "/readyz", "/spa", "/tokens", "/attacks", "/resource", countdownPath, devicePollPath, "/nope"} {
		providertest.CheckHeadAsGet(t, h.client.URL+path, nil, "X-Request-Id", "Set-Cookie", "Content-Security-Policy")
	}
	for _, path := range []string{"/logout", "/refresh", "/tokens/reveal"} {
		resp := rawRequest(t, http.MethodHead, h.client.URL+path)
		if got := resp.Header.Get("Allow"); resp.StatusCode != http.StatusMethodNotAllowed || got != http.MethodPost {
			t.Errorf("HEAD %s: got %d, Allow %q; want 405, POST", path, resp.StatusCode, got)
		}
	}
	if _, page := h.get(h.client.URL + "/metrics"); !strings.Contains(page, `http_requests_total{method="HEAD",route="/healthz",status="200"} 1`) {
		t.Error("/metrics does not count the HEAD /healthz as HEAD")
	}
}

// rawRequest sends a request with no body, without following redirects.
func rawRequest(t *testing.T, method, u string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, _ := roundTrip(t, req)
	return resp
}

// roundTrip sends req without following redirects and returns the answer
// with its body read.
func roundTrip(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp, providertest.ReadBody(t, resp)
}

// methodList normalises a comma-separated list of methods for comparison.
func methodList(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	slices.Sort(f)
	return strings.Join(f, ",")
}

// TestE2EHealthAndMetrics: /healthz and /readyz answer 200 once the App exists
// (it has the provider's metadata), and /metrics counts requests by route
// pattern, never by raw path.
func TestE2EHealthAndMetrics(t *testing.T) {
	h := newHarness(t, providertest.Options{})
	for path, want := range map[string]string{"/healthz": `{"status":"ok"}`, "/readyz": `{"status":"ready"}`} {
		if resp, body := h.get(h.client.URL + path); resp.StatusCode != http.StatusOK || body != want {
			t.Errorf("GET %s: got %d %s, want 200 %s", path, resp.StatusCode, body, want)
		}
	}
	h.get(h.client.URL + "/")
	h.get(h.client.URL + "/no-such-page-7f3a")
	_, page := h.get(h.client.URL + "/metrics")
	for _, want := range []string{`http_requests_total{method="GET",route="/",status="200"} 1`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`, "# TYPE go_goroutines gauge"} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(page, "7f3a") {
		t.Error("a raw path became a metric label")
	}
}
