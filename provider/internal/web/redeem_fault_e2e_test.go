package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2ECodeExchangeSurvivesAStoreFault: when the database fails while the
// code exchange stores its outcome, the exchange is a 5xx and changes
// nothing, so the client's retry with the same code and code_verifier gets
// the tokens: our fault is not taken for a code used twice
// ([RFC 6749 Section 4.1.2]), which would revoke the grant and log a
// security event.
func TestE2ECodeExchangeSurvivesAStoreFault(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log})
		cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
		_, _, earlier := exchangeCode(t, srv, cfg)
		failFirstRedemption(srv, earlier.RefreshToken)

		verifier := oauth2.GenerateVerifier()
		code := getCode(t, srv, cfg, oauth2.S256ChallengeOption(verifier))
		_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		re := retrieveError(t, err)
		wantServerFault(t, "the exchange that met the fault", re.Response.StatusCode, string(re.Body))
		tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("the retry with the same code and code_verifier: got %v, want tokens", err)
		}
		wantNoRevocation(t, srv, cfg, tok, &log)
	})
}

// TestE2EDeviceRedemptionSurvivesAStoreFault: when the database fails while
// an approved device code is redeemed ([RFC 8628 Section 3.5]), the poll is
// a 5xx and changes nothing: the device's next poll gets the tokens.
func TestE2EDeviceRedemptionSurvivesAStoreFault(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		var log processtest.Buffer
		srv := newServer(providertest.Options{LogOutput: &log, DevicePollInterval: time.Second})
		_, _, earlier := exchangeCode(t, srv, demoConfig(srv, oauth2.AuthStyleInHeader, "read"))
		failFirstRedemption(srv, earlier.RefreshToken)

		cfg := deviceConfig(srv, "read")
		da := startDevice(t, cfg)
		decideThroughPage(t, da, "allow")
		resp, body := rawPost(t, srv.URL+"/oauth/token",
			"grant_type="+deviceGrantType+"&client_id=device-client&device_code="+url.QueryEscape(da.DeviceCode), nil)
		wantServerFault(t, "the poll that met the fault", resp.StatusCode, body)
		tok, err := cfg.DeviceAccessToken(t.Context(), da)
		if err != nil {
			t.Fatalf("the next poll: got %v, want tokens", err)
		}
		wantNoRevocation(t, srv, cfg, tok, &log)
	})
}

// failFirstRedemption makes the first redemption of a code at srv fail
// inside the database: its refresh token is given the hash of one stored
// before (taken), a primary key in use, so the real store fails in the
// middle of the redemption, as a database that goes away would.
func failFirstRedemption(srv *providertest.Server, taken string) {
	srv.Provider.Store = &collidingStore{Store: srv.Provider.Store, taken: oauth.HashSecret(taken)}
}

// collidingStore is a store whose first redemption's refresh token
// collides with the refresh token hash taken.
type collidingStore struct {
	store.Store
	taken string
	calls atomic.Int32
}

func (s *collidingStore) RedeemAuthorizationCode(ctx context.Context, hash string, now time.Time, issued store.Issued) error {
	return s.Store.RedeemAuthorizationCode(ctx, hash, now, s.collide(issued))
}

func (s *collidingStore) RedeemDeviceCode(ctx context.Context, hash string, issued store.Issued) error {
	return s.Store.RedeemDeviceCode(ctx, hash, s.collide(issued))
}

// collide returns issued, the first time with its refresh token given the
// hash taken.
func (s *collidingStore) collide(issued store.Issued) store.Issued {
	if issued.RefreshToken == nil || s.calls.Add(1) > 1 {
		return issued
	}
	taken := *issued.RefreshToken
	taken.Hash = s.taken
	issued.RefreshToken = &taken
	return issued
}

// wantServerFault checks the answer to a token request that met a store
// fault: a 5xx whose error is the server's, and whose body tells nothing of
// the database's error.
func wantServerFault(t *testing.T, what string, status int, body string) {
	t.Helper()
	var answer tokenResponse // its error members
	_ = json.Unmarshal([]byte(body), &answer)
	if status/100 != 5 || (answer.Error != "server_error" && answer.Error != "temporarily_unavailable") {
		t.Fatalf("%s: got %d %.200s, want 5xx server_error or temporarily_unavailable", what, status, body)
	}
	for _, leak := range []string{"sql", "postgres", "store", "duplicate", "unique"} {
		if strings.Contains(strings.ToLower(body), leak) {
			t.Errorf("%s: the answer %.200s names %q, want nothing of the database's error", what, body, leak)
		}
	}
}

// wantNoRevocation checks that tok, issued after a fault, works: its
// access token works at the resource, its refresh token refreshes, and no security
// event was logged.
func wantNoRevocation(t *testing.T, srv *providertest.Server, cfg *oauth2.Config, tok *oauth2.Token, log *processtest.Buffer) {
	t.Helper()
	if status, challenge := resourceStatus(t, srv, tok.AccessToken); status != http.StatusOK {
		t.Errorf("the access token of the retry at /protected/resource: got %d (%s), want 200", status, challenge)
	}
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Errorf("refresh with the retry's refresh token: got %v, want tokens", err)
	}
	for _, event := range []oauth.SecurityEvent{oauth.EventCodeReplay, oauth.EventRefreshReuse} {
		if strings.Contains(log.String(), string(event)) {
			t.Errorf("got security event %q in the log, want none:\n%s", event, log.String())
		}
	}
}
