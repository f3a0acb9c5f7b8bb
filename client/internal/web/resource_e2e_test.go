package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EResourceFetchRefreshesOncePerPost: with access tokens of 5
// seconds, which x/oauth2 counts as expired at once (10 seconds before
// their expiry), a GET /resource, even one from another site, calls
// nothing and refreshes nothing ([RFC 9110 Section 9.2.1]: a safe method
// requests no "state change on the origin server"); each POST /resource
// refreshes exactly once for its two resource calls, and every rotated
// refresh token joins the login's family in the token inspector.
//
// [RFC 9110 Section 9.2.1]: https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
func TestE2EResourceFetchRefreshesOncePerPost(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, postgres bool) {
		h := newHarness(t, providertest.Options{AccessTokenTTL: 5 * time.Second, Postgres: postgres})
		h.login()
		req, _ := http.NewRequest(http.MethodGet, h.client.URL+"/resource", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := h.user.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /resource: got %d, want 200", resp.StatusCode)
		}
		_, page := h.get(h.client.URL + "/resource")
		mustContain(t, "the resource page before a fetch", page, `method="post" action="/resource"`, "Fetch resource")
		mustNotContain(t, "the resource page before a fetch", page, "This page is secured.")
		if got := h.spy.tokenRequests(); len(got) != 1 {
			t.Fatalf("after two GET /resource: token requests = %v, want only the login's", got)
		}
		for i := 1; i <= 2; i++ {
			resp, page := h.fetchResource()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("POST /resource #%d: got %d, want 200", i, resp.StatusCode)
			}
			mustContain(t, "the resource page", page, "had expired", "This page is secured.", "&#34;id&#34;: &#34;user1&#34;")
			if got := h.spy.tokenRequests(); len(got) != 1+i || got[i] != "refresh_token" {
				t.Errorf("after POST /resource #%d: token requests = %v, want the login's and %d refresh_token", i, got, i)
			}
		}
		s := h.session()
		s.Lock()
		family := len(s.Data.Login.Family)
		s.Unlock()
		if family != 3 {
			t.Errorf("the refresh-token family has %d members, want 3: the login's and one per refresh", family)
		}
	})
}
