package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/providertest"
)

// TestE2EApplicationType: on each store, application_type
// (OIDC Registration Section 2) is "web" when left out, and the
// registration and read responses (RFC 7592 Section 2.1) say so; a native
// client on loopback http is registered and answered "native"; a native
// client with an https redirect URI is invalid_redirect_uri ("Native
// Clients MUST only register redirect_uris using custom URI schemes or
// loopback URLs using the http scheme", and this server takes no custom
// scheme), and a value neither web nor native invalid_client_metadata,
// each trace ending with that rule. An update (RFC 7592 Section 2.2) is
// held to the same rule: a web client on https cannot become native
// keeping its https URI, and is left as it was; on loopback it can.
func TestE2EApplicationType(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		wantType := func(what string, reg registration, want string) {
			t.Helper()
			_, read := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
			if got := jsonField(read, "application_type"); got != want {
				t.Errorf("%s, read back: got application_type %q, want %q: %s", what, got, want, read)
			}
		}
		registered := func(what, doc, want string) registration {
			t.Helper()
			resp, body := sendJSON(t, http.MethodPost, srv.URL+"/oauth/register", doc, "")
			reg := wantRegistration(t, what, http.StatusCreated, resp, body)
			if got := jsonField(body, "application_type"); got != want {
				t.Errorf("%s: got application_type %q, want %q: %s", what, got, want, body)
			}
			wantType(what, reg, want)
			return reg
		}
		const loopback, https = `"redirect_uris":["http://127.0.0.1:49152/callback"]`, `"redirect_uris":["https://app.example/cb"]`
		web := registered("application_type left out", `{`+https+`}`, "web")
		registered("a native client on loopback http", `{"application_type":"native",`+loopback+`}`, "native")

		refused := func(what, method, target, token, doc, code, description string) {
			t.Helper()
			resp, body := sendJSON(t, method, target, doc, token)
			if resp.StatusCode != http.StatusBadRequest || jsonField(body, "error") != code || !strings.Contains(body, description) {
				t.Errorf("%s: got %d %s, want 400 %s saying %q", what, resp.StatusCode, body, code, description)
				return
			}
			got, _ := traceOf(t, srv, resp)
			checkEndsWith(t, what, got, "OIDC Registration Section 2", code)
		}
		endpoint := srv.URL + "/oauth/register"
		refused("a native client on https", http.MethodPost, endpoint, "", `{"application_type":"native",`+https+`}`,
			"invalid_redirect_uri", "of a native client must use http on a loopback host")
		refused("application_type browser", http.MethodPost, endpoint, "", `{"application_type":"browser",`+loopback+`}`,
			"invalid_client_metadata", "application_type 'browser' is not supported")

		id := `"client_id":"` + web.ClientID + `",`
		refused("an update to native keeping an https URI", http.MethodPut, web.RegistrationClientURI, web.RegistrationAccessToken,
			`{`+id+`"application_type":"native",`+https+`}`, "invalid_redirect_uri", "of a native client must use http on a loopback host")
		wantType("after the refused update", web, "web")
		resp, body := updateClient(t, web, `{`+id+`"application_type":"native",`+loopback+`}`)
		if wantRegistration(t, "an update to native on loopback", http.StatusOK, resp, body); jsonField(body, "application_type") != "native" {
			t.Errorf("an update to native on loopback: got %s, want application_type native", body)
		}
		wantType("after the update to native", web, "native")
	})
}
