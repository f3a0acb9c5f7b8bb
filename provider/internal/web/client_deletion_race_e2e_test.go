package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EClientDeletedDuringUse: a registered client deletes itself
// (RFC 7592 Section 2.3) while its refresh tokens, codes and secret are in
// use at the token, device authorization and PAR endpoints. A request that
// loses the race is refused with invalid_grant (its grant went with the
// client) or invalid_client (the client is gone), never a server error
// (RFC 6749 Section 5.2), and no token of a grant issued racing the delete
// works after it.
func TestE2EClientDeletedDuringUse(t *testing.T) {
	const rounds, perKind = 6, 4
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) {
			c.RegistrationsPerHour, c.DeviceAuthorizationsPerHour = rounds, rounds*perKind
		}})
		br := newBrowser(t)
		seen := map[string]int{}
		for range rounds {
			for _, answer := range deleteDuringUse(t, srv, br, perKind) {
				seen[answer]++
			}
		}
		t.Logf("answers racing the delete: %v", seen)
		for answer, n := range seen {
			if _, status, _ := strings.Cut(answer, " "); !slices.Contains(lostDeleteRace, status) {
				t.Errorf("%s ×%d, want a success or one of %q", answer, n, lostDeleteRace[3:])
			}
		}
	})
}

// TestE2EClientDeletesAtOnce: several deletes of one client with its
// registration access token, sent at once: one answers 204 No Content
// (RFC 7592 Section 2.3), the others 401 invalid_token as for a client
// that does not exist, on both stores: one winner, as for every other
// race.
func TestE2EClientDeletesAtOnce(t *testing.T) {
	const rounds, deletes = 10, 4
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{Configure: func(c *config.Config) { c.RegistrationsPerHour = rounds }})
		for range rounds {
			reg := register(t, srv, nativeClient)
			answers := make(chan string, deletes)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range deletes {
				wg.Go(func() {
					<-start
					resp, err := sendRaw(http.MethodDelete, reg.RegistrationClientURI, "", "Bearer "+reg.RegistrationAccessToken)
					if err != nil {
						answers <- err.Error()
						return
					}
					defer resp.Body.Close()
					answer := strconv.Itoa(resp.StatusCode)
					if strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
						answer += " invalid_token"
					}
					answers <- answer
				})
			}
			close(start)
			wg.Wait()
			close(answers)
			seen := map[string]int{}
			for answer := range answers {
				seen[answer]++
			}
			if seen["204"] != 1 || seen["401 invalid_token"] != deletes-1 {
				t.Fatalf("%d deletes of one client at once: %v, want one 204 and %d 401 invalid_token", deletes, seen, deletes-1)
			}
		}
	})
}

// lostDeleteRace are the answers to a request racing its client's
// deletion: a success (200, 201 Created at the PAR endpoint, 302 from the
// consent page), or a protocol error (the consent page shows
// invalid_client, not redirecting to the deleted client).
var lostDeleteRace = []string{"200", "201", "302", "400 invalid_grant", "400 invalid_client", "401 invalid_client"}

// racingRequest is a request sent as the client deletes itself; send
// returns its answer ("400 invalid_grant") and the access token of a token
// response. It may run in any goroutine.
type racingRequest struct {
	name string
	send func() (answer, accessToken string)
}

// deleteDuringUse registers a client, readies perKind refresh tokens,
// codes and consent pages of it, then sends its deletion together with
// perKind refreshes, code exchanges, consents, client credentials, device
// authorization and pushed authorization requests. It returns each
// request's name and answer ("refresh 400 invalid_grant").
func deleteDuringUse(t *testing.T, srv *providertest.Server, br *browser, perKind int) []string {
	t.Helper()
	reg := register(t, srv, `{"redirect_uris":["`+demoRedirectURI+`"],"token_endpoint_auth_method":"client_secret_basic","scope":"read",
		"grant_types":["authorization_code","refresh_token","client_credentials","urn:ietf:params:oauth:grant-type:device_code"]}`)
	cfg := &oauth2.Config{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, RedirectURL: demoRedirectURI, Scopes: []string{"read"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	code := func() (code, verifier string) {
		verifier = oauth2.GenerateVerifier()
		return br.Approve(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))).Query().Get("code"), verifier
	}
	post := func(name, path string, form url.Values) racingRequest {
		return racingRequest{name, func() (string, string) {
			return postAnswer(srv.URL+path, form, basicAuth(reg.ClientID, reg.ClientSecret))
		}}
	}
	var requests []racingRequest
	for range perKind {
		c, verifier := code()
		tok, err := cfg.Exchange(t.Context(), c, oauth2.VerifierOption(verifier))
		if err != nil || tok.RefreshToken == "" {
			t.Fatalf("exchange: %v %v", err, tok)
		}
		requests = append(requests, post("refresh", "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}))
	}
	for range perKind {
		c, verifier := code()
		requests = append(requests, post("code", "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {c},
			"redirect_uri": {demoRedirectURI}, "code_verifier": {verifier}}))
	}
	for range perKind {
		_, page := br.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "consent")))
		consent := providertest.FormFields(page)
		consent.Set("decision", "allow")
		requests = append(requests,
			racingRequest{"consent", func() (string, string) { return consentAnswer(br, srv.URL+"/oauth/authenticate", consent), "" }},
			post("client_credentials", "/oauth/token", url.Values{"grant_type": {"client_credentials"}}),
			post("device_authorization", "/oauth/device/code", url.Values{"scope": {"read"}}),
			post("par", "/oauth/par", url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {demoRedirectURI},
				"scope": {"read"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}))
	}

	answers, tokens := make([]string, len(requests)), make([]string, len(requests))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range requests {
		wg.Go(func() {
			<-start
			answer, accessToken := r.send()
			answers[i], tokens[i] = r.name+" "+answer, accessToken
		})
	}
	deleted := 0
	wg.Go(func() {
		<-start
		if resp, err := sendRaw(http.MethodDelete, reg.RegistrationClientURI, "", "Bearer "+reg.RegistrationAccessToken); err == nil {
			resp.Body.Close()
			deleted = resp.StatusCode
		}
	})
	close(start)
	wg.Wait()
	if deleted != http.StatusNoContent {
		t.Fatalf("delete (RFC 7592 Section 2.3): got %d, want 204", deleted)
	}
	for i, accessToken := range tokens[:2*perKind] { // the refreshes and code exchanges: tokens of a grant
		if status, _ := resourceStatus(t, srv, accessToken); accessToken != "" && status != http.StatusUnauthorized {
			t.Errorf("%s racing the delete: its access token got %d at the resource after the delete, want 401", answers[i], status)
		}
	}
	return answers
}

// consentAnswer submits a consent form and returns the status, with the
// error of an error page or an error redirect ("400 invalid_client").
func consentAnswer(br *browser, u string, form url.Values) string {
	resp, err := br.Client.PostForm(u, form)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if loc, err := url.Parse(resp.Header.Get("Location")); resp.StatusCode == http.StatusFound && err == nil {
		return strings.TrimSpace("302 " + loc.Query().Get("error")) // "302" with a code
	}
	code := errorPageCode.FindSubmatch(page)
	if code == nil {
		return fmt.Sprintf("%d %.300s", resp.StatusCode, page)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, code[1])
}

// errorPageCode finds the error code on the provider's error page.
var errorPageCode = regexp.MustCompile(`<p class="error" role="alert"><code>([a-z_]+)</code>`)

// postAnswer posts form to u with the given Authorization header and
// returns the status with, for an error, its code ("400 invalid_grant"),
// and the access token of a token response. It may run in any goroutine.
func postAnswer(u string, form url.Values, authorization string) (answer, accessToken string) {
	resp, err := sendRaw(http.MethodPost, u, form.Encode(), authorization)
	if err != nil {
		return err.Error(), ""
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &body)
	return strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, body.Error)), body.AccessToken
}

// sendRaw sends a request with a form body (or none) and an Authorization
// header, without failing a test: it may run in any goroutine.
func sendRaw(method, u, form, authorization string) (*http.Response, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(form))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", authorization)
	return noRedirects.Do(req)
}
