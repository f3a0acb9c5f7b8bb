package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EErrorPagesTeach checks that every error page says what to check, and
// that in teaching mode a redirect_uri that is not registered is shown
// beside the registered one, escaped, with where they first differ.
func TestE2EErrorPagesTeach(t *testing.T) {
	teaching := providertest.New(t, providertest.Options{})
	quiet := providertest.New(t, providertest.Options{Configure: func(c *config.Config) { c.TeachingMode = config.TeachingOff }})
	wrong := demoRedirectURI + `"><script>alert(1)</script>`
	authorize := func(srv *providertest.Server, clientID, redirectURI string) (int, string) {
		q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI}}
		resp, page := callResource(t, srv.URL+"/oauth/authorize?"+q.Encode(), "")
		return resp.StatusCode, page
	}

	status, page := authorize(teaching, "testclient", wrong)
	for _, want := range []string{
		"Check that redirect_uri exactly matches one registered for the client.",
		`href="https://www.rfc-editor.org/rfc/rfc9700#section-2.1"`,
		"<th scope=\"row\">Registered</th><td><code>" + demoRedirectURI + "<mark></mark></code>",
		"<mark>&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</mark>",
		"They first differ at character 31",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("teaching mode, wrong redirect_uri: the page lacks %q:\n%s", want, page)
		}
	}
	if status != http.StatusBadRequest || strings.Contains(page, "<script>") {
		t.Errorf("teaching mode, wrong redirect_uri: got %d, want 400 and no live <script>", status)
	}
	if _, page := authorize(quiet, "testclient", wrong); strings.Contains(page, "Registered") || !strings.Contains(page, "Check that redirect_uri") {
		t.Errorf("teaching mode off: want what to check, but not the registered redirect URI:\n%s", page)
	}

	pages := map[string]string{}
	_, pages["unknown client"] = authorize(teaching, "nobody", demoRedirectURI)
	_, pages["wrong content type"] = rawPostType(t, teaching.URL+"/oauth/authenticate", "text/plain")
	for name, page := range pages {
		if !strings.Contains(page, `<p class="check">Check `) {
			t.Errorf("%s: the error page does not say what to check:\n%s", name, page)
		}
	}
}

// rawPostType posts an empty body with the given content type.
func rawPostType(t *testing.T, u, contentType string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.Post(u, contentType, strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	return resp, providertest.ReadBody(t, resp)
}
