package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// updateClient sends an update request (RFC 7592 Section 2.2) of reg's
// registration with body, and its registration access token.
func updateClient(t testing.TB, reg registration, body string) (*http.Response, string) {
	t.Helper()
	return sendJSON(t, http.MethodPut, reg.RegistrationClientURI, body, reg.RegistrationAccessToken)
}

// updated sends an update that must succeed, and returns its answer.
func updated(t testing.TB, reg registration, body string) (registration, string) {
	t.Helper()
	resp, raw := updateClient(t, reg, body)
	return wantRegistration(t, "update", http.StatusOK, resp, raw), raw
}

// readClient reads reg's registration (RFC 7592 Section 2.1), which must
// succeed, as the JSON text of the answer.
func readClient(t testing.TB, reg registration) string {
	t.Helper()
	resp, body := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("read: got %d %s, want 200", resp.StatusCode, body)
	}
	return body
}

// TestE2EClientUpdate: a client replaces its registration
// (RFC 7592 Section 2.2): the answer is 200 with the registration a read then shows,
// the client_id, client_id_issued_at and registration access token are
// unchanged, the authorization endpoint takes the new redirect URI and
// refuses the old one, and an omitted field is deleted (the default of a
// new registration).
func TestE2EClientUpdate(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, nativeClient)
		const newURI = "http://127.0.0.1:49152/new-callback"
		got, raw := updated(t, reg, `{"client_id":"`+reg.ClientID+`","client_name":"CLI tool 2","redirect_uris":["`+newURI+`"],
			"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"scope":"openid read"}`)
		if got.ClientID != reg.ClientID || got.ClientIDIssuedAt != reg.ClientIDIssuedAt || got.RegistrationAccessToken != reg.RegistrationAccessToken ||
			got.RegistrationClientURI != reg.RegistrationClientURI || got.ClientSecret != "" {
			t.Errorf("what the server provisioned changed: registered %+v, updated %+v", reg, got)
		}
		if got.ClientName != "CLI tool 2" || !slices.Equal(got.RedirectURIs, []string{newURI}) {
			t.Errorf("the update's metadata: got %+v", got)
		}
		if read := readClient(t, reg); read != raw {
			t.Errorf("a read after the update: got %s, want the update's answer %s", read, raw)
		}

		old := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {reg.RedirectURIs[0]}, "scope": {"read"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
		if resp, _ := sendWith(t, http.MethodGet, srv.URL+"/oauth/authorize?"+old.Encode(), "", ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("the old redirect URI at the authorization endpoint: got %d (Location %q), want 400, never redirected",
				resp.StatusCode, resp.Header.Get("Location"))
		}
		cfg := &oauth2.Config{ClientID: reg.ClientID, RedirectURL: newURI, Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
		exchangeCode(t, srv, cfg) // the new redirect URI works

		got, _ = updated(t, reg, `{"client_id":"`+reg.ClientID+`","redirect_uris":["`+newURI+`"],"token_endpoint_auth_method":"none"}`)
		if got.ClientName != "" || !slices.Equal(got.GrantTypes, []string{"authorization_code"}) {
			t.Errorf("omitted client_name and grant_types (RFC 7592 Section 2.2: treated as deletions): got %+v", got)
		}
	})
}

// TestE2EClientUpdateRefused: every update the provider refuses gets its
// protocol error, never a 500, and leaves the registration as it was:
// a missing or wrong registration access token (RFC 7592 Section 2.2, as
// for a read), a client_id missing or not the client's, a field the
// server provisions (even as null), a client_secret that is not the current one, a
// confidential client made public, and bad
// metadata or a bad body (RFC 7591 Section 3.2.2).
func TestE2EClientUpdateRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, `{"client_name":"Web app","redirect_uris":["https://app.example/cb"],
			"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code","refresh_token"]}`)
		other := register(t, srv, nativeClient)
		before, otherBefore := readClient(t, reg), readClient(t, other)
		path := "/oauth/register/" + reg.ClientID
		own := map[string]string{"Authorization": "Bearer " + reg.RegistrationAccessToken}
		doc := func(members string) string {
			return `{"client_id":"` + reg.ClientID + `","redirect_uris":["https://app.example/new"]` + members + `}`
		}
		jsonCT := "application/json"
		put := func(name, body string, wantStatus int, wantError string) badRequest {
			return badRequest{name: name, method: "PUT", path: path, contentType: jsonCT, body: body, header: own, wantStatus: wantStatus, wantError: wantError}
		}
		cases := []badRequest{
			{name: "no registration access token: 401, no error code (RFC 6750 Section 3.1)", method: "PUT", path: path, contentType: jsonCT, body: doc(""), wantStatus: 401},
			{name: "another client's token: 401", method: "PUT", path: path, contentType: jsonCT, body: doc(""),
				header: map[string]string{"Authorization": "Bearer " + other.RegistrationAccessToken}, wantStatus: 401, wantError: "invalid_token"},
			{name: "a demo client, which has no registration access token: 401", method: "PUT", path: "/oauth/register/testclient", contentType: jsonCT,
				body: `{"client_id":"testclient"}`, header: map[string]string{"Authorization": "Bearer x"}, wantStatus: 401, wantError: "invalid_token"},
			{name: "an unknown client: 401, as for a wrong token", method: "PUT", path: "/oauth/register/nobody", contentType: jsonCT,
				body: `{"client_id":"nobody"}`, header: own, wantStatus: 401, wantError: "invalid_token"},
			put("no client_id (RFC 7592 Section 2.2: MUST include)", `{"redirect_uris":["https://app.example/new"]}`, 400, "invalid_client_metadata"),
			put("another client's client_id", `{"client_id":"`+other.ClientID+`","redirect_uris":["https://app.example/new"]}`, 400, "invalid_client_metadata"),
			put("client_id a number", `{"client_id":7,"redirect_uris":["https://app.example/new"]}`, 400, "invalid_client_metadata"),
			put("client_id twice (RFC 8259 Section 4)", `{"client_id":"`+reg.ClientID+`","client_id":"`+reg.ClientID+`"}`, 400, "invalid_client_metadata"),
			put("registration_access_token (RFC 7592 Section 2.2: MUST NOT include)", doc(`,"registration_access_token":"`+reg.RegistrationAccessToken+`"`), 400, "invalid_client_metadata"),
			put("registration_client_uri", doc(`,"registration_client_uri":"`+reg.RegistrationClientURI+`"`), 400, "invalid_client_metadata"),
			put("client_secret_expires_at", doc(`,"client_secret_expires_at":0`), 400, "invalid_client_metadata"),
			put("client_id_issued_at", doc(`,"client_id_issued_at":1`), 400, "invalid_client_metadata"),
			put("registration_access_token null (a member all the same)", doc(`,"registration_access_token":null`), 400, "invalid_client_metadata"),
			put("registration_client_uri null", doc(`,"registration_client_uri":null`), 400, "invalid_client_metadata"),
			put("client_secret_expires_at null", doc(`,"client_secret_expires_at":null`), 400, "invalid_client_metadata"),
			put("client_id_issued_at null", doc(`,"client_id_issued_at":null`), 400, "invalid_client_metadata"),
			put("a client_secret that is not the current one", doc(`,"client_secret":"chosen-by-the-client"`), 400, "invalid_client_metadata"),
			put("a confidential client made public (this provider's rule: register a new client)", doc(`,"token_endpoint_auth_method":"none"`), 400, "invalid_client_metadata"),
			put("an http redirect URI on a public host", `{"client_id":"`+reg.ClientID+`","redirect_uris":["http://app.example/cb"]}`, 400, "invalid_redirect_uri"),
			put("an unknown scope", doc(`,"scope":"admin"`), 400, "invalid_client_metadata"),
			put("an unknown auth method", doc(`,"token_endpoint_auth_method":"magic"`), 400, "invalid_client_metadata"),
			put("malformed JSON", `{"client_id":`, 400, "invalid_client_metadata"),
			put("a JSON array", `[1]`, 400, "invalid_client_metadata"),
			put("not UTF-8 (RFC 8259 Section 8.1)", doc(`,"client_name":"bad `+"\xff"+` name"`), 400, "invalid_client_metadata"),
			put("a 2 MB body", doc(`,"client_name":"`+strings.Repeat("a", bigBody)+`"`), 400, "invalid_client_metadata"),
			{name: "a form body", method: "PUT", path: path, body: "client_id=" + reg.ClientID, header: own, wantStatus: 400, wantError: "invalid_client_metadata"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { checkBadRequest(t, srv, tc) })
		}
		if after := readClient(t, reg); after != before {
			t.Errorf("the registration after the refused updates:\n got %s\nwant %s", after, before)
		}
		if after := readClient(t, other); after != otherBefore {
			t.Errorf("the other registration after the refused updates:\n got %s\nwant %s", after, otherBefore)
		}
		got, _ := updated(t, reg, doc(`,"client_secret":"`+reg.ClientSecret+`"`)) // the current secret is accepted
		if !slices.Equal(got.RedirectURIs, []string{"https://app.example/new"}) {
			t.Errorf("an update with the current client_secret: got %+v", got)
		}
	})
}

// TestE2EClientUpdateAuthMethod: the secret follows
// token_endpoint_auth_method. A public client that updates to a secret
// method gets a new secret, shown once in the 200 as a registration's 201
// shows it, which then works at the token endpoint; an update that keeps a
// secret method keeps the secret (not in the answer); an update to none
// is refused, as a confidential client stays confidential, and changes
// nothing; an update to private_key_jwt drops the secret, and a later
// secret method gets another one.
func TestE2EClientUpdateAuthMethod(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, nativeClient)
		machine := func(method, name string) string {
			return `{"client_id":"` + reg.ClientID + `","grant_types":["client_credentials"],"token_endpoint_auth_method":"` + method +
				`","scope":"read","client_name":"` + name + `"}`
		}
		token := func(secret string, style oauth2.AuthStyle) error {
			_, err := (&clientcredentials.Config{ClientID: reg.ClientID, ClientSecret: secret, TokenURL: srv.URL + "/oauth/token",
				AuthStyle: style}).Token(t.Context())
			return err
		}

		got, _ := updated(t, reg, machine("client_secret_basic", "m"))
		first := got.ClientSecret
		if first == "" || got.ClientSecretExpiresAt == nil || *got.ClientSecretExpiresAt != 0 {
			t.Fatalf("none → client_secret_basic: got %+v, want a client_secret and client_secret_expires_at 0", got)
		}
		if err := token(first, oauth2.AuthStyleInHeader); err != nil {
			t.Fatalf("client_credentials with the new secret: %v", err)
		}

		got, _ = updated(t, reg, machine("client_secret_basic", "renamed"))
		if got.ClientSecret != "" || got.ClientSecretExpiresAt == nil {
			t.Errorf("client_secret_basic kept: got %+v, want no client_secret shown, client_secret_expires_at 0", got)
		}
		if err := token(first, oauth2.AuthStyleInHeader); err != nil {
			t.Errorf("the kept secret: %v", err)
		}

		before := readClient(t, reg)
		resp, body := updateClient(t, reg, `{"client_id":"`+reg.ClientID+`","redirect_uris":["http://127.0.0.1:49152/callback"],"token_endpoint_auth_method":"none"}`)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_client_metadata") || !strings.Contains(body, "register a new client") {
			t.Errorf("client_secret_basic → none: got %d %s, want 400 invalid_client_metadata (a confidential client cannot become public)", resp.StatusCode, body)
		}
		if after := readClient(t, reg); after != before {
			t.Errorf("the registration after the refused move to none:\n got %s\nwant %s", after, before)
		}
		if err := token(first, oauth2.AuthStyleInHeader); err != nil {
			t.Errorf("the secret after the refused move to none: %v", err)
		}

		keyed := `{"client_id":"` + reg.ClientID + `","grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":` + publicJWKS(t, newEd25519Key(t)) + `}`
		updated(t, reg, keyed)
		got, _ = updated(t, reg, machine("client_secret_post", "m"))
		if got.ClientSecret == "" || got.ClientSecret == first {
			t.Fatalf("private_key_jwt → client_secret_post: got secret %q, want a new one", got.ClientSecret)
		}
		if err := token(first, oauth2.AuthStyleInParams); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("the secret dropped by the update to private_key_jwt: got %v, want invalid_client", err)
		}
		if err := token(got.ClientSecret, oauth2.AuthStyleInParams); err != nil {
			t.Errorf("client_credentials with the second new secret: %v", err)
		}
	})
}

// TestE2EClientUpdateRefresh: tokens issued before an update stay valid
// until they expire or are revoked, but a refresh is checked against the
// new registration: without refresh_token in grant_types it is
// unauthorized_client (RFC 6749 Section 5.2).
func TestE2EClientUpdateRefresh(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, nativeClient)
		cfg := &oauth2.Config{ClientID: reg.ClientID, RedirectURL: reg.RedirectURIs[0], Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
		_, _, tok := exchangeCode(t, srv, cfg)
		updated(t, reg, `{"client_id":"`+reg.ClientID+`","redirect_uris":["`+reg.RedirectURIs[0]+`"],
			"token_endpoint_auth_method":"none","grant_types":["authorization_code"],"scope":"openid read"}`)
		_, err := cfg.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err == nil || !strings.Contains(err.Error(), "unauthorized_client") {
			t.Errorf("a refresh after refresh_token left grant_types: got %v, want unauthorized_client", err)
		}
		if resp, _ := callResource(t, srv.URL+"/user/profile", tok.AccessToken); resp.StatusCode != http.StatusOK {
			t.Errorf("the access token issued before the update: got %d, want 200 until it expires", resp.StatusCode)
		}
	})
}

// TestE2EClientUpdateRacesDelete: an update and a delete of one client,
// sent at once, many times: the delete answers 204, the update 200 (it
// came first) or 401 (the client was gone), and the client is gone after
// both, never brought back by the update.
func TestE2EClientUpdateRacesDelete(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		const rounds = 20
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = rounds }})
		for range rounds {
			reg := register(t, srv, nativeClient)
			var update, del *http.Response
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Go(func() {
				<-start
				update, _ = updateClient(t, reg, `{"client_id":"`+reg.ClientID+`","client_name":"racing","redirect_uris":["`+reg.RedirectURIs[0]+`"],"token_endpoint_auth_method":"none"}`)
			})
			wg.Go(func() {
				<-start
				del, _ = sendJSON(t, http.MethodDelete, reg.RegistrationClientURI, "", reg.RegistrationAccessToken)
			})
			close(start)
			wg.Wait()
			if del.StatusCode != http.StatusNoContent || update.StatusCode != http.StatusOK && update.StatusCode != http.StatusUnauthorized {
				t.Errorf("update and delete at once: got %d and %d, want 200 or 401, and 204", update.StatusCode, del.StatusCode)
			}
			if resp, body := sendJSON(t, http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("a read after both: got %d %s, want 401: the update brought the client back", resp.StatusCode, body)
			}
			if _, err := srv.Provider.Store.GetClient(t.Context(), reg.ClientID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the store after both: got %v, want ErrNotFound", err)
			}
		}
	})
}

// TestE2EClientUpdateDecidedOnStoredClient: an update is decided on the
// client as stored when it is written, not as read when its headers came:
// one whose body is still on the way while another update is written is
// decided again, with its body, and answered as if it had come after the
// other (audit 32). A public client made confidential meanwhile is not
// made public again (invalid_client_metadata: a confidential client stays
// confidential); a secret dropped meanwhile by a move to private_key_jwt
// does not come back (the held update, which keeps client_secret_basic,
// gets a new secret); and a client deleted meanwhile stays deleted (401).
func TestE2EClientUpdateDecidedOnStoredClient(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		reg := register(t, srv, nativeClient)
		native := func(method string) string {
			return `{"client_id":"` + reg.ClientID + `","client_name":"held","redirect_uris":["http://127.0.0.1:49152/callback"],
				"token_endpoint_auth_method":"` + method + `","grant_types":["authorization_code","refresh_token"]}`
		}
		keepPublic := holdUpdate(t, reg, native("none"))
		confidential, _ := updated(t, reg, native("client_secret_basic"))
		before := readClient(t, reg)
		if resp, body := keepPublic(); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_client_metadata") {
			t.Errorf("a held update keeping none, after a move to client_secret_basic: got %d %s, want 400 invalid_client_metadata", resp.StatusCode, body)
		}
		if after := readClient(t, reg); after != before {
			t.Errorf("the registration after the held update:\n got %s\nwant %s", after, before)
		}
		if c, err := srv.Provider.Store.GetClient(t.Context(), reg.ClientID); err != nil || c.Type != store.Confidential || c.SecretHash != oauth.HashSecret(confidential.ClientSecret) {
			t.Errorf("the stored client after the held update: got %v %q (err %v), want confidential with the secret of the move", c.Type, c.SecretHash, err)
		}

		reg = register(t, srv, `{"client_name":"Machine","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"read"}`)
		machine := `{"client_id":"` + reg.ClientID + `","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"read"}`
		token := func(secret string) error {
			_, err := (&clientcredentials.Config{ClientID: reg.ClientID, ClientSecret: secret, TokenURL: srv.URL + "/oauth/token",
				AuthStyle: oauth2.AuthStyleInHeader}).Token(t.Context())
			return err
		}
		keepSecret := holdUpdate(t, reg, machine)
		updated(t, reg, `{"client_id":"`+reg.ClientID+`","grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":`+publicJWKS(t, newEd25519Key(t))+`}`)
		resp, body := keepSecret()
		got := wantRegistration(t, "a held update keeping client_secret_basic, after a move to private_key_jwt", http.StatusOK, resp, body)
		if got.ClientSecret == "" || got.ClientSecret == reg.ClientSecret {
			t.Errorf("the held update after the secret was dropped: got secret %q, want a new one (the registered one was %q)", got.ClientSecret, reg.ClientSecret)
		}
		if err := token(reg.ClientSecret); err == nil || !strings.Contains(err.Error(), "invalid_client") {
			t.Errorf("the secret dropped by the move to private_key_jwt: got %v, want invalid_client", err)
		}
		if err := token(got.ClientSecret); err != nil {
			t.Errorf("client_credentials with the secret of the held update: %v", err)
		}

		reg = register(t, srv, nativeClient)
		held := holdUpdate(t, reg, native("none"))
		if resp, _ := sendJSON(t, http.MethodDelete, reg.RegistrationClientURI, "", reg.RegistrationAccessToken); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: got %d, want 204", resp.StatusCode)
		}
		if resp, body := held(); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a held update of a client deleted meanwhile: got %d %s, want 401", resp.StatusCode, body)
		}
		if _, err := srv.Provider.Store.GetClient(t.Context(), reg.ClientID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the store after the held update of a deleted client: got %v, want ErrNotFound", err)
		}
	})
}

// TestE2EClientUpdateOvertakenTooOften: an update overtaken by another at
// every one of its decisions is temporarily_unavailable (503) after the
// third, and changes nothing.
func TestE2EClientUpdateOvertakenTooOften(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	overtaken := &overtakenStore{Store: srv.Provider.Store}
	srv.Provider.Store = overtaken
	reg := register(t, srv, nativeClient)
	before := readClient(t, reg)
	resp, body := updateClient(t, reg, `{"client_id":"`+reg.ClientID+`","redirect_uris":["http://127.0.0.1:49152/callback"],"token_endpoint_auth_method":"none"}`)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") || overtaken.updates.Load() != 3 {
		t.Errorf("an update overtaken at each decision: got %d %s after %d writes, want 503 temporarily_unavailable after 3",
			resp.StatusCode, body, overtaken.updates.Load())
	}
	if after := readClient(t, reg); after != before {
		t.Errorf("the registration after the refused update:\n got %s\nwant %s", after, before)
	}
}

// overtakenStore is a store whose UpdateClient always finds the client
// changed since it was read (store.ErrConflict), and counts its calls.
type overtakenStore struct {
	store.Store
	updates atomic.Int32
}

func (s *overtakenStore) UpdateClient(context.Context, store.Client, store.Client) error {
	s.updates.Add(1)
	return store.ErrConflict
}

// holdUpdate sends the headers of an update of reg whose body is body,
// with "Expect: 100-continue", and returns once the server's 100 Continue
// says the handler has started reading the body: the registration access
// token is checked and the client read. The update is held there, as a
// client that sends its body slowly holds it, until release sends the
// body and returns the answer.
func holdUpdate(t *testing.T, reg registration, body string) (release func() (*http.Response, string)) {
	t.Helper()
	u, _ := url.Parse(reg.RegistrationClientURI)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", u.Path, u.Host, reg.RegistrationAccessToken, len(body))
	answers := bufio.NewReader(conn)
	if line, err := answers.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("the held update: got %q, %v; want 100 Continue", line, err)
	}
	_, _ = answers.ReadString('\n') // the empty line ending the 100 response
	return func() (*http.Response, string) {
		t.Helper()
		fmt.Fprint(conn, body)
		resp, err := http.ReadResponse(answers, nil)
		if err != nil {
			t.Fatalf("the held update got no answer: %v", err)
		}
		return resp, providertest.ReadBody(t, resp)
	}
}

// TestE2EClientUpdateScaleOut: an update at one provider process reaches
// another on the same PostgreSQL database as soon as PostgreSQL notifies it
// (within milliseconds; the test allows a second), as a deletion does: B
// refuses the client's old auth method and takes the new one.
func TestE2EClientUpdateScaleOut(t *testing.T) {
	a, atB := usedAtBTwice(t)
	updated(t, a, `{"client_id":"`+a.ClientID+`","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"}`)
	refusedWithinASecond(t, atB, "client_secret_basic after A updated the client to client_secret_post")
	atB.AuthStyle = oauth2.AuthStyleInParams
	if _, err := atB.Token(t.Context()); err != nil {
		t.Errorf("client_secret_post at B after the update at A: %v", err)
	}
}

// TestE2EClientDroppedSecretScaleOut: a secret a client dropped at one
// process (an update to private_key_jwt, say because the secret leaked) is
// refused by another on the same PostgreSQL database right after the
// update was answered: within the notification's milliseconds, not a
// cache's seconds.
func TestE2EClientDroppedSecretScaleOut(t *testing.T) {
	a, atB := usedAtBTwice(t)
	updated(t, a, `{"client_id":"`+a.ClientID+`","grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":`+
		publicJWKS(t, newEd25519Key(t))+`}`)
	refusedWithinASecond(t, atB, "the secret the client dropped at A")
}

// TestE2EClientDeletedScaleOut: a client_credentials request at one
// process right after the client deleted itself at another
// (RFC 7592 Section 2.3) is refused 401 invalid_client, as at the process
// that deleted it: no answer of 200 with a token dead on arrival.
func TestE2EClientDeletedScaleOut(t *testing.T) {
	a, atB := usedAtBTwice(t)
	if resp, body := sendJSON(t, http.MethodDelete, a.RegistrationClientURI, "", a.RegistrationAccessToken); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete at A: got %d %s, want 204", resp.StatusCode, body)
	}
	refusedWithinASecond(t, atB, "the client deleted at A")
}

// usedAtBTwice registers a client_credentials client at provider A and
// gets two tokens for it at B, on the same PostgreSQL database: the first
// use marks it used, the second finds it in B's client cache. reg's
// registration client URI is A's.
func usedAtBTwice(t *testing.T) (reg registration, atB clientcredentials.Config) {
	t.Helper()
	a, _, reg, atB := registeredAtAUsedAtB(t)
	for range 2 {
		if _, err := atB.Token(t.Context()); err != nil {
			t.Fatalf("a client registered at A, at B's token endpoint: %v", err)
		}
	}
	reg.RegistrationClientURI = a.URL + "/oauth/register/" + reg.ClientID // the issuer is shared, not an address
	return reg, atB
}

// refusedWithinASecond asks for a token with atB until it is refused 401
// invalid_client, which must happen within a second (another process's
// change reaches B by PostgreSQL's notification, within milliseconds).
func refusedWithinASecond(t *testing.T, atB clientcredentials.Config, what string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		_, err := atB.Token(t.Context())
		var refused *oauth2.RetrieveError
		switch {
		case errors.As(err, &refused) && refused.Response.StatusCode == http.StatusUnauthorized && refused.ErrorCode == "invalid_client":
			return
		case err != nil:
			t.Fatalf("%s at B: got %v, want 401 invalid_client", what, err)
		case time.Now().After(deadline):
			t.Fatalf("%s: B still issues tokens a second later", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestE2EClientUpdateNarrowsRefreshScope: a refresh after an update that
// dropped a scope from the registration does not get that scope back.
// RFC 6749 Section 6 bounds a refresh by the original grant; the
// registration bounds what the client may hold now (RFC 7591 Section 2):
// asked for, the dropped scope is invalid_scope; not asked for, the new
// access token has the granted scope without it.
func TestE2EClientUpdateNarrowsRefreshScope(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		body := func(scope string) string {
			return `{"redirect_uris":["http://127.0.0.1:49152/callback"],"token_endpoint_auth_method":"none",
				"grant_types":["authorization_code","refresh_token"],"scope":"` + scope + `"}`
		}
		reg := register(t, srv, body("openid read write"))
		cfg := &oauth2.Config{ClientID: reg.ClientID, RedirectURL: reg.RedirectURIs[0], Scopes: []string{"read", "write"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
		_, _, tok := exchangeCode(t, srv, cfg)
		updated(t, reg, `{"client_id":"`+reg.ClientID+`",`+body("openid read")[1:])

		refreshToken := tok.RefreshToken
		refresh := func(scope string) (*http.Response, string) {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}, "client_id": {reg.ClientID}}
			if scope != "" {
				form.Set("scope", scope)
			}
			return rawPost(t, cfg.Endpoint.TokenURL, form.Encode(), nil)
		}
		if resp, raw := refresh("write"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(raw, "invalid_scope") {
			t.Errorf("a refresh asking for the dropped scope write: got %d %s, want 400 invalid_scope", resp.StatusCode, raw)
		}
		resp, raw := refresh("")
		var got struct {
			Scope        string `json:"scope"`
			RefreshToken string `json:"refresh_token"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(raw), &got) != nil || got.Scope != "read" {
			t.Fatalf("a refresh without scope: got %d %s, want 200 with scope read (write dropped)", resp.StatusCode, raw)
		}

		refreshToken = got.RefreshToken
		updated(t, reg, `{"client_id":"`+reg.ClientID+`",`+body("openid profile")[1:])
		if resp, raw := refresh(""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(raw, "invalid_scope") {
			t.Errorf("a refresh without scope once no granted scope is registered: got %d %s, want 400 invalid_scope, not a token of no scope", resp.StatusCode, raw)
		}
	})
}
