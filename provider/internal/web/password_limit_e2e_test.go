package web_test

import (
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EWrongPasswordsLimited: after WrongPasswordsPerAddress wrong passwords
// from one address, the sign-in form answers 429 with Retry-After — even
// to the right password — and never redirects.
func TestE2EWrongPasswordsLimited(t *testing.T) {
	srv := providertest.New(t, providertest.Options{})
	form, _ := url.ParseQuery(okAuth + demoUser)
	form.Set("password", "wrong")
	for i := range oauth.WrongPasswordsPerAddress {
		if resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong password %d: got %d, want 400", i+1, resp.StatusCode)
		}
	}
	form.Set("password", providertest.DemoPassword)
	resp, body := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Location") != "" {
		t.Fatalf("the right password after the limit: got %d, Retry-After %q, Location %q; want 429 with Retry-After, no redirect",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Location"))
	}
	if !strings.Contains(body, "Too many wrong passwords") {
		t.Errorf("the page does not say why: %.200s", body)
	}
}

// TestE2EEmptyFieldsAreNotWrongPasswords: a sign-in form sent with its
// password or its username left empty (Enter pressed too soon) is refused
// without spending the budget of wrong passwords (no user has an empty
// one): after more such forms than the limit, the right password still
// signs in, on each store.
func TestE2EEmptyFieldsAreNotWrongPasswords(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		srv := newServer(providertest.Options{})
		form, _ := url.ParseQuery(okAuth)
		for i := range oauth.WrongPasswordsPerAddress + 1 {
			form.Set("username", providertest.DemoUsername)
			form.Set("password", "")
			if i%2 == 1 {
				form.Set("username", "")
				form.Set("password", "wrong")
			}
			if resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("form %d with an empty field: got %d, want 400", i+1, resp.StatusCode)
			}
		}
		form.Set("username", providertest.DemoUsername)
		form.Set("password", providertest.DemoPassword)
		if resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil); resp.StatusCode != http.StatusFound {
			t.Errorf("the right password after forms with an empty field: got %d, want 302", resp.StatusCode)
		}
	})
}

// signInAnswer is what a sign-in form got: status, Retry-After, and the page.
type signInAnswer struct {
	status     int
	retryAfter string
	page       string
}

// postSignInsAtOnce sends n sign-in forms with password from one address,
// released together, and returns what each got.
func postSignInsAtOnce(srv *providertest.Server, n int, password string) []signInAnswer {
	form, _ := url.ParseQuery(okAuth + demoUser)
	form.Set("password", password)
	answers := make([]signInAnswer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			resp, err := noRedirects.Post(srv.URL+"/oauth/authenticate", formCT, strings.NewReader(form.Encode()))
			if err != nil {
				answers[i].page = err.Error()
				return
			}
			defer resp.Body.Close()
			page, _ := io.ReadAll(resp.Body)
			answers[i] = signInAnswer{resp.StatusCode, resp.Header.Get("Retry-After"), string(page)}
		})
	}
	close(start)
	wg.Wait()
	return answers
}

// TestE2ESignInsAtOnceAreNotWrongPasswords: many right passwords sent at
// once from one address (a crowd behind one NAT) hold more reservations
// than the budget of wrong passwords while they are checked; the ones
// refused for that are told to try again in a moment (Retry-After: 1), not
// that wrong passwords were sent, and the budget is untouched after. Wrong
// passwords sent at once are still checked no more than the limit.
func TestE2ESignInsAtOnceAreNotWrongPasswords(t *testing.T) {
	const atOnce = 25
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		production := func(c *config.Config) { // checks that take a while, so that they overlap
			c.PasswordHashMemoryKiB, c.PasswordHashTime = config.Default().PasswordHashMemoryKiB, config.Default().PasswordHashTime
		}
		srv := newServer(providertest.Options{Configure: production})
		got := map[int]int{}
		for i, a := range postSignInsAtOnce(srv, atOnce, providertest.DemoPassword) {
			got[a.status]++
			atOnceSaid := strings.Contains(a.page, "Too many sign-ins from your network at once")
			if a.status == http.StatusTooManyRequests && (a.retryAfter != "1" || !atOnceSaid) {
				t.Errorf("right password %d refused: got Retry-After %q, page says too many at once: %t; want Retry-After 1, and it says so", i, a.retryAfter, atOnceSaid)
			}
			if a.status != http.StatusFound && a.status != http.StatusTooManyRequests {
				t.Errorf("right password %d: got %d %.200q, want 302 or 429", i, a.status, a.page)
			}
		}
		if got[http.StatusFound] == 0 {
			t.Errorf("%d right passwords at once: got %v, want some signed in", atOnce, got)
		}
		form, _ := url.ParseQuery(okAuth + demoLogin)
		if resp, page := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil); resp.StatusCode != http.StatusFound {
			t.Errorf("the right password after %d at once: got %d %.200q, want 302", atOnce, resp.StatusCode, page)
		}

		got = map[int]int{}
		for _, a := range postSignInsAtOnce(srv, atOnce, "wrong") {
			got[a.status]++
		}
		if want := map[int]int{http.StatusBadRequest: oauth.WrongPasswordsPerAddress, http.StatusTooManyRequests: atOnce - oauth.WrongPasswordsPerAddress}; !maps.Equal(got, want) {
			t.Errorf("%d wrong passwords at once: got %v, want %v", atOnce, got, want)
		}
		resp, page := rawPost(t, srv.URL+"/oauth/authenticate", form.Encode(), nil)
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "Too many wrong passwords") {
			t.Errorf("the right password after the wrong ones: got %d %.200q, want 429 too many wrong passwords", resp.StatusCode, page)
		}
	})
}

// TestE2EWrongPasswordsSlideAcrossWindows: the budget of wrong passwords
// slides: the limit of them sent just before a window's start still counts
// just after it, so the next one is refused, with a Retry-After that says
// when one more may pass, and it does then.
func TestE2EWrongPasswordsSlideAcrossWindows(t *testing.T) {
	eachStore(t, func(t *testing.T, newServer func(providertest.Options) *providertest.Server) {
		end := time.Now().UTC().Truncate(oauth.PasswordWindow).Add(oauth.PasswordWindow)
		clock := clocktest.New(end.Add(-4 * time.Second))
		srv := newServer(providertest.Options{Now: clock.Now})
		wrong, _ := url.ParseQuery(okAuth + demoUser + "&password=wrong")
		for i := range oauth.WrongPasswordsPerAddress {
			if resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", wrong.Encode(), nil); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("wrong password %d before the window's end: got %d, want 400", i+1, resp.StatusCode)
			}
		}
		clock.Advance(5 * time.Second) // 1 s into the next window
		resp, page := rawPost(t, srv.URL+"/oauth/authenticate", wrong.Encode(), nil)
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "Too many wrong passwords") {
			t.Fatalf("a wrong password just after the window's end: got %d %.200q, want 429 too many wrong passwords", resp.StatusCode, page)
		}
		// The 10 failures weigh 10 × (15 min - t)/15 min at t into the new
		// window: room for one more at t = 90 s, 89 s from now.
		if got := resp.Header.Get("Retry-After"); got != "89" {
			t.Errorf("Retry-After: got %q, want 89", got)
		}
		clock.Advance(88 * time.Second)
		if resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", wrong.Encode(), nil); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a wrong password a second before Retry-After: got %d, want 429", resp.StatusCode)
		}
		clock.Advance(2 * time.Second)
		if resp, _ := rawPost(t, srv.URL+"/oauth/authenticate", wrong.Encode(), nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a wrong password after Retry-After: got %d, want 400 (checked)", resp.StatusCode)
		}
	})
}
