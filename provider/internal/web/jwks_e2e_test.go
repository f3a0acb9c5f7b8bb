package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EJWKSRevalidatedAcrossRotation: the JWKS is served "no-cache" with
// a strong ETag, so an HTTP cache revalidates it before each reuse
// ([RFC 9111 Section 5.2.2.4]); a GET or HEAD whose If-None-Match names the
// ETag gets 304 Not Modified without content ([RFC 9110 Section 13.1.2],
// [RFC 9110 Section 15.4.5]). A rotation changes the ETag, so a cache
// revalidating with the old one gets 200 and the new keys at once: a
// verifier that refetches the set on an unknown kid finds it
// ([OIDC Core Section 10.1.1]; README, "Signing keys"). A request for a
// range gets the whole set ([RFC 9110 Section 14.2]).
//
// [RFC 9111 Section 5.2.2.4]: https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.4
// [RFC 9110 Section 13.1.2]: https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
// [RFC 9110 Section 15.4.5]: https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5
// [RFC 9110 Section 14.2]: https://www.rfc-editor.org/rfc/rfc9110#section-14.2
// [OIDC Core Section 10.1.1]: https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
func TestE2EJWKSRevalidatedAcrossRotation(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		resp, _ := getJWKS(t, srv, "", "")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 3 {
			t.Fatalf("GET jwks: got %d, Cache-Control %q, ETag %q; want 200, no-cache and a strong ETag",
				resp.StatusCode, resp.Header.Get("Cache-Control"), etag)
		}
		if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "ETag") {
			t.Errorf("Access-Control-Expose-Headers: got %q, want ETag among them, for a script that revalidates the JWKS itself", got)
		}

		t.Run("If-None-Match naming the ETag: 304 Not Modified, no content (RFC 9110 Section 13.1.2)", func(t *testing.T) {
			for _, ifNoneMatch := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
				resp, got := getJWKS(t, srv, "If-None-Match", ifNoneMatch)
				if resp.StatusCode != http.StatusNotModified || got != "" || resp.Header.Get("ETag") != etag || resp.Header.Get("Cache-Control") != "no-cache" {
					t.Errorf("If-None-Match %s: got %d, %d bytes, ETag %q, Cache-Control %q; want 304, none, %s, no-cache",
						ifNoneMatch, resp.StatusCode, len(got), resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"), etag)
				}
			}
			providertest.CheckHeadAsGet(t, srv.URL+oauth.PathJWKS, http.Header{"If-None-Match": {etag}}, "X-Request-Id")
		})

		t.Run("a Range request gets the whole set, 200 (RFC 9110 Section 14.2)", func(t *testing.T) {
			_, whole := getJWKS(t, srv, "", "")
			for _, ranges := range []string{"bytes=0-9", "bytes=0-0,5-9"} {
				resp, got := getJWKS(t, srv, "Range", ranges)
				if resp.StatusCode != http.StatusOK || got != whole {
					t.Errorf("Range %s: got %d, %d bytes; want 200 and the whole set, %d bytes", ranges, resp.StatusCode, len(got), len(whole))
				}
			}
		})

		t.Run("a reload without a change keeps the ETag", func(t *testing.T) {
			if err := srv.Provider.Keys.Reload(t.Context()); err != nil {
				t.Fatalf("reload: %v", err)
			}
			if resp, _ := getJWKS(t, srv, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match %s after a reload: got %d, want 304", etag, resp.StatusCode)
			}
		})

		t.Run("after a rotation the old ETag gets 200 and the new keys (OIDC Core Section 10.1.1)", func(t *testing.T) {
			cfg := srv.Provider.Config
			kids, err := rotatingProcess(t, cfg.DatabaseURL, cfg.KeyEncryptionKey, time.Hour).Rotate(t.Context(), time.Now())
			if err != nil {
				t.Fatalf("rotate: %v", err)
			}
			if err := srv.Provider.Keys.Reload(t.Context()); err != nil { // as the provider does when notified, or every minute
				t.Fatalf("reload: %v", err)
			}
			resp, got := getJWKS(t, srv, "If-None-Match", etag)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
				t.Fatalf("If-None-Match with the ETag from before the rotation: got %d, ETag %q; want 200 and a new ETag", resp.StatusCode, resp.Header.Get("ETag"))
			}
			var set struct{ Keys []struct{ Kid string } }
			if err := json.Unmarshal([]byte(got), &set); err != nil {
				t.Fatalf("JWKS %q: %v", got, err)
			}
			for alg, kid := range kids {
				if !slices.ContainsFunc(set.Keys, func(k struct{ Kid string }) bool { return k.Kid == kid }) {
					t.Errorf("JWKS after the rotation: no %s key %q in %s", alg, kid, got)
				}
			}
		})
	})
}

// getJWKS sends GET to the provider's JWKS, with the header field named
// field set to value when field is not "", and returns the response and its
// content.
func getJWKS(t *testing.T, srv *providertest.Server, field, value string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+oauth.PathJWKS, nil)
	if field != "" {
		req.Header.Set(field, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET jwks: %v", err)
	}
	return resp, providertest.ReadBody(t, resp)
}
