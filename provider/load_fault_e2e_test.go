package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/providertest"
)

// The bounds of the load: loadWorkers clients run at most loadRounds mixed
// flows each; the provider is killed once killAfter flows have completed.
const (
	loadWorkers = 4
	loadRounds  = 40
	killAfter   = loadWorkers * loadRounds / 3
)

// loadClient sends the demo client's requests, with a timeout, and never
// follows redirects.
var loadClient = &http.Client{Timeout: 15 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// ledger records what the provider answered during the load, so that
// after the kill and the restart each answer can be checked.
type ledger struct {
	mu         sync.Mutex
	live       []string // refresh tokens received and not presented since
	lost       []string // refresh tokens presented when the answer was lost to the kill
	unredeemed []string // codes received and kept for after the restart
	redeemed   []string // codes exchanged for tokens before the kill
	done       atomic.Int64
}

// take pops a live refresh token, or "" when there is none.
func (l *ledger) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.live) == 0 {
		return ""
	}
	rt := l.live[len(l.live)-1]
	l.live = l.live[:len(l.live)-1]
	return rt
}

// add appends v to one of the ledger's lists.
func (l *ledger) add(list *[]string, v string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, v)
}

// errKilled marks a request whose answer was lost: the provider is gone.
var errKilled = errors.New("no answer")

// call posts a form and returns the status and body, or errKilled when no
// answer came back.
func call(u string, form url.Values) (int, string, error) {
	resp, err := loadClient.PostForm(u, form)
	if err != nil {
		return 0, "", errKilled
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", errKilled
	}
	return resp.StatusCode, string(b), nil
}

// demoClientForm is a token request of the demo confidential client.
func demoClientForm(kv ...string) url.Values {
	form := url.Values{"client_id": {"testclient"}, "client_secret": {"testsecret"}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return form
}

// newCode signs in and approves in one POST, and returns the code.
func newCode(base string) (string, error) {
	resp, err := loadClient.PostForm(base+"/oauth/authenticate", url.Values{"response_type": {"code"},
		"client_id": {"testclient"}, "state": {"s"}, "scope": {"read"}, "redirect_uri": {"http://localhost:3000/callback"},
		"username": {providertest.DemoUsername}, "password": {providertest.DemoPassword}})
	if err != nil {
		return "", errKilled
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", errors.New("authenticate: no code in " + resp.Status)
	}
	return loc.Query().Get("code"), nil
}

// redeemCode exchanges a code; it returns the status and the refresh token.
func redeemCode(base, code string) (int, string, error) {
	status, body, err := call(base+"/oauth/token", demoClientForm("grant_type", "authorization_code", "code", code,
		"redirect_uri", "http://localhost:3000/callback"))
	var tok tokenResponse
	if err == nil && status == http.StatusOK {
		err = json.Unmarshal([]byte(body), &tok)
	}
	return status, tok.RefreshToken, err
}

// redeemRefresh presents a refresh token; it returns the status and the
// new refresh token.
func redeemRefresh(base, rt string) (int, string, error) {
	status, body, err := call(base+"/oauth/token", demoClientForm("grant_type", "refresh_token", "refresh_token", rt))
	var tok tokenResponse
	if err == nil && status == http.StatusOK {
		err = json.Unmarshal([]byte(body), &tok)
	}
	return status, tok.RefreshToken, err
}

// loadRound runs one flow of a mix: a code exchanged at once, a code kept
// for after the restart, a refresh, a client credentials grant.
func loadRound(base string, round int, l *ledger) error {
	switch round % 4 {
	case 0, 1:
		code, err := newCode(base)
		if err != nil {
			return err
		}
		if round%4 == 1 {
			l.add(&l.unredeemed, code)
			return nil
		}
		status, rt, err := redeemCode(base, code)
		if err != nil || status != http.StatusOK {
			return errors.Join(err, errors.New("exchange of a fresh code: "+http.StatusText(status)))
		}
		l.add(&l.redeemed, code)
		l.add(&l.live, rt)
	case 2:
		rt := l.take()
		if rt == "" {
			return nil
		}
		status, next, err := redeemRefresh(base, rt)
		if errors.Is(err, errKilled) {
			l.add(&l.lost, rt)
			return err
		}
		if err != nil || status != http.StatusOK {
			return errors.Join(err, errors.New("refresh of a live token: "+http.StatusText(status)))
		}
		l.add(&l.live, next)
	default:
		status, _, err := call(base+"/oauth/token", demoClientForm("grant_type", "client_credentials"))
		if err == nil && status != http.StatusOK {
			err = errors.New("client credentials: " + http.StatusText(status))
		}
		return err
	}
	return nil
}

// runLoad runs the workers until each has done loadRounds flows or lost
// the provider, and kills the provider once killAfter flows completed.
// Failures other than the lost answers of the kill are reported.
func runLoad(t *testing.T, p *provider, l *ledger) {
	var wg sync.WaitGroup
	killed := make(chan struct{})
	for w := range loadWorkers {
		wg.Go(func() {
			for round := w; round < w+loadRounds; round++ {
				err := loadRound(p.url, round, l)
				if errors.Is(err, errKilled) {
					return
				}
				if err != nil {
					select {
					case <-killed: // the kill can cut a flow between its requests
					default:
						t.Errorf("worker %d, round %d: %v", w, round, err)
					}
					return
				}
				l.done.Add(1)
			}
		})
	}
	for l.done.Load() < killAfter && !allDone(l) {
		time.Sleep(5 * time.Millisecond)
	}
	close(killed)
	p.kill9(t)
	wg.Wait()
}

// allDone reports whether every worker finished before the kill.
func allDone(l *ledger) bool { return l.done.Load() >= loadWorkers*loadRounds }

// TestE2ELoadKillRestart is the load-and-fault test: clients run mixed flows
// against a real provider process, which is killed with SIGKILL in the
// middle of the load and restarted on the same store. Then every refresh
// token the provider handed out is redeemable exactly once, a refresh
// whose answer the kill lost is redeemable at most once, every code kept
// unredeemed is redeemed exactly once even by two racing requests, and no
// code redeemed before the kill works again (RFC 6749 Section 4.1.2,
// RFC 9700 Section 4.14.2). It runs on SQLite and on PostgreSQL.
func TestE2ELoadKillRestart(t *testing.T) {
	stores := []struct {
		name string
		url  func(t *testing.T, dir string) string
	}{
		{"sqlite", func(_ *testing.T, dir string) string { return filepath.Join(dir, "provider.db") }},
		{"postgres", func(t *testing.T, _ string) string { return pgtest.NewSchemas(t).Create(t) }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			dir, addr := t.TempDir(), freeAddr(t)
			databaseURL := st.url(t, dir)
			l := &ledger{}
			runLoad(t, startProviderOn(t, dir, addr, databaseURL), l)
			if allDone(l) {
				t.Fatal("every flow finished before the kill: the kill did not come mid-load")
			}
			t.Logf("killed after %d of %d flows: %d live refresh tokens, %d refreshes cut off, %d codes kept, %d redeemed",
				l.done.Load(), loadWorkers*loadRounds, len(l.live), len(l.lost), len(l.unredeemed), len(l.redeemed))
			p := startProviderOn(t, dir, addr, databaseURL)
			if len(l.live) == 0 || len(l.unredeemed) == 0 || len(l.redeemed) == 0 {
				t.Fatalf("the load produced too little to check: %d live refresh tokens, %d kept codes, %d redeemed codes",
					len(l.live), len(l.unredeemed), len(l.redeemed))
			}
			checkRefreshTokens(t, p.url, l)
			checkCodes(t, p.url, l)
		})
	}
}

// checkRefreshTokens presents every refresh token twice: a live one must
// work once, then never; one whose refresh the kill cut off at most once.
func checkRefreshTokens(t *testing.T, base string, l *ledger) {
	for _, rt := range l.live {
		if status, _, err := redeemRefresh(base, rt); err != nil || status != http.StatusOK {
			t.Errorf("a refresh token answered before the kill: got %d %v, want 200", status, err)
		}
	}
	for _, rt := range l.lost { // its rotation may or may not have been committed
		if status, _, err := redeemRefresh(base, rt); err != nil || (status != http.StatusOK && status != http.StatusBadRequest) {
			t.Errorf("a refresh token whose answer the kill lost: got %d %v, want 200 or 400", status, err)
		}
	}
	for _, rt := range append(l.live, l.lost...) {
		if status, _, err := redeemRefresh(base, rt); err != nil || status != http.StatusBadRequest {
			t.Errorf("a refresh token presented again: got %d %v, want 400 invalid_grant", status, err)
		}
	}
}

// checkCodes redeems every kept code by two racing requests (exactly one
// wins) and every code redeemed before the kill again (refused).
func checkCodes(t *testing.T, base string, l *ledger) {
	for _, code := range l.unredeemed {
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if status, _, err := redeemCode(base, code); err == nil && status == http.StatusOK {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("a code kept over the kill, redeemed twice at once: %d exchanges succeeded, want exactly 1", wins.Load())
		}
	}
	for _, code := range l.redeemed {
		if status, _, err := redeemCode(base, code); err != nil || status != http.StatusBadRequest {
			t.Errorf("a code redeemed before the kill, again: got %d %v, want 400 invalid_grant", status, err)
		}
	}
}
