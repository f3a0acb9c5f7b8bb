package oauth_test

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/providertest"
)

// newSignInProvider is the real provider on a fake clock, with the cheapest
// password hash, so that starting it (the demo user's hash) and checking many
// passwords stay fast.
func newSignInProvider(t *testing.T) (*oauth.Provider, *clocktest.Clock) {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(t.TempDir(), "provider.db")
	providertest.CheapPasswordHash(&cfg)
	return providertest.NewProvider(t, cfg, clock.Now), clock
}

// signIn sends the sign-in form with a username and password from addr.
func signIn(ctx context.Context, p *oauth.Provider, addr netip.Addr, username, password string) (store.User, error) {
	return p.SignIn(ctx, oauth.SignInForm{Fields: url.Values{"username": {username}, "password": {password}}, Addr: addr})
}

func TestSignInBudget(t *testing.T) {
	t.Parallel()
	p, clock := newSignInProvider(t)
	ctx := context.Background()
	for i := range oauth.WrongPasswordsPerAddress {
		if _, err := signIn(ctx, p, testAddr, providertest.DemoUsername, "wrong"); !errors.Is(err, oauth.ErrBadCredentials) {
			t.Fatalf("wrong password %d: got %v, want ErrBadCredentials", i+1, err)
		}
	}
	clock.Advance(2 * time.Minute) // past the checks: the wrong ones count for the whole window
	var tooMany *oauth.TooManyAttemptsError
	if _, err := signIn(ctx, p, testAddr, providertest.DemoUsername, providertest.DemoPassword); !errors.As(err, &tooMany) || tooMany.RetryAfter <= 0 || tooMany.RetryAfter > oauth.PasswordWindow {
		t.Fatalf("the right password after %d wrong ones: got %v, want TooManyAttemptsError", oauth.WrongPasswordsPerAddress, err)
	}
	if _, err := signIn(ctx, p, netip.MustParseAddr("192.0.2.2"), providertest.DemoUsername, providertest.DemoPassword); err != nil {
		t.Errorf("another address: got %v, want signed in", err)
	}
	clock.Advance(oauth.PasswordWindow)
	if _, err := signIn(ctx, p, testAddr, providertest.DemoUsername, providertest.DemoPassword); err != nil {
		t.Errorf("the next window: got %v, want signed in", err)
	}
}

// TestSignInCountsOnlyGuesses: right passwords, and credentials no user can
// have (longer than config.MaxPasswordBytes, not text, an empty field), do
// not spend the budget of wrong passwords.
func TestSignInCountsOnlyGuesses(t *testing.T) {
	t.Parallel()
	p, _ := newSignInProvider(t)
	ctx := context.Background()
	for range oauth.WrongPasswordsPerAddress + 1 {
		for _, password := range []string{providertest.DemoPassword, strings.Repeat("p", 1025), providertest.DemoPassword + "\x00", "\xff", ""} {
			_, _ = signIn(ctx, p, testAddr, providertest.DemoUsername, password)
		}
		_, _ = signIn(ctx, p, testAddr, "", "wrong")
	}
	if _, err := signIn(ctx, p, testAddr, providertest.DemoUsername, providertest.DemoPassword); err != nil {
		t.Errorf("after right passwords and impossible ones: got %v, want signed in", err)
	}
}

// wantChecks compares a trace's checks with want: in order, a distinctive
// part of each rule's text, after "+" when the rule passed and "-" when it
// failed.
func wantChecks(t *testing.T, what string, tr *oauth.Trace, want ...string) {
	t.Helper()
	var got []string
	for _, c := range tr.Checks {
		got = append(got, map[bool]string{true: "+", false: "-"}[c.Passed]+c.Rule)
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = got[i][0] == want[i][0] && strings.Contains(got[i], want[i][1:])
	}
	if !ok {
		t.Errorf("%s: got checks %q, want %q", what, got, want)
	}
}

// TestSignInTraceListsTheChecksMade: a sign-in's trace lists the rules the
// password was checked against: credentials no user can have fail
// rulePossibleCredentials, and the budget of wrong passwords, not
// consulted for them, is not listed (RFC 6749 Section 10.10); user codes
// likewise (RFC 8628 Section 5.1). On both stores.
func TestSignInTraceListsTheChecksMade(t *testing.T) {
	t.Parallel()
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		for _, tc := range []struct {
			name, password string
			want           []string
		}{
			{"an empty password", "", []string{"+no form field", "-1 to 1024 bytes"}},
			{"a password over 1024 bytes", strings.Repeat("p", 1025), []string{"+no form field", "-1 to 1024 bytes"}},
			{"a password that is not text", "p\x00", []string{"+no form field", "-1 to 1024 bytes"}},
			{"a wrong password", "wrong", []string{"+no form field", "+1 to 1024 bytes", "+within the limit", "-right username and password"}},
			{"the right password", providertest.DemoPassword, []string{"+no form field", "+1 to 1024 bytes", "+within the limit", "+right username and password"}},
		} {
			tr := &oauth.Trace{}
			_, _ = signIn(oauth.WithTrace(t.Context(), tr), p, testAddr, providertest.DemoUsername, tc.password)
			wantChecks(t, tc.name, tr, tc.want...)
		}
		for _, tc := range []struct {
			name, code string
			want       []string
		}{
			{"input that cannot be a user code", "!!!", []string{"+entry rate", "-names a device authorization request"}},
			{"a wrong user code", "BBBB-BBBB", []string{"+entry rate", "+guessing limit", "-names a device authorization request"}},
		} {
			tr := &oauth.Trace{}
			_, _ = p.LookUpUserCode(oauth.WithTrace(t.Context(), tr), testAddr, tc.code)
			wantChecks(t, tc.name, tr, tc.want...)
		}
	})
}

// TestUserCodeBudget: 10 wrong codes from one address per guess window,
// then even the right code is refused until the window ends; right codes
// and input that cannot be a code do not spend it (RFC 8628 Section 5.1).
func TestUserCodeBudget(t *testing.T) {
	t.Parallel()
	p, clock := newSignInProvider(t)
	ctx := context.Background()
	pending := deviceCodeFor(t, p, "read")
	for range 3 {
		_, _ = p.LookUpUserCode(ctx, testAddr, pending.UserCode)
		_, _ = p.LookUpUserCode(ctx, testAddr, "not a code")
	}
	for i := range oauth.WrongUserCodesPerAddress {
		if _, err := p.LookUpUserCode(ctx, testAddr, "BBBB-BBB"+string("BCDFGHJKLMNP"[i])); !errors.Is(err, oauth.ErrUnknownUserCode) {
			t.Fatalf("wrong code %d: got %v, want ErrUnknownUserCode", i+1, err)
		}
	}
	clock.Advance(2 * time.Minute) // past the checks: the wrong ones count for the whole window
	var tooMany *oauth.TooManyAttemptsError
	if _, err := p.LookUpUserCode(ctx, testAddr, pending.UserCode); !errors.As(err, &tooMany) {
		t.Fatalf("the right code after %d wrong ones: got %v, want TooManyAttemptsError", oauth.WrongUserCodesPerAddress, err)
	}
	if _, err := p.LookUpUserCode(ctx, netip.MustParseAddr("192.0.2.2"), pending.UserCode); err != nil {
		t.Errorf("another address: got %v, want the code found", err)
	}
	clock.Advance(p.Config.DeviceCodeTTL)
	fresh := deviceCodeFor(t, p, "read")
	if _, err := p.LookUpUserCode(ctx, testAddr, fresh.UserCode); err != nil {
		t.Errorf("the next window: got %v, want the code found", err)
	}
}

// TestIPv6NetworkBudget: the /64s of one IPv6 /48 share a budget ten times
// a /64's, so a site cannot multiply its guesses by its 65,536 /64s.
func TestIPv6NetworkBudget(t *testing.T) {
	t.Parallel()
	p, _ := newSignInProvider(t)
	ctx := context.Background()
	wrong := 0
	for n := range 20 {
		addr := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 7, 0, byte(n), 15: 1})
		for range oauth.WrongUserCodesPerAddress {
			if _, err := p.LookUpUserCode(ctx, addr, "BBBB-BBBB"); errors.Is(err, oauth.ErrUnknownUserCode) {
				wrong++
			}
		}
	}
	if want := 10 * oauth.WrongUserCodesPerAddress; wrong != want {
		t.Errorf("wrong codes let through from 20 /64s of one /48: got %d, want %d", wrong, want)
	}
	if _, err := p.LookUpUserCode(ctx, netip.MustParseAddr("2001:db8:8::1"), "BBBB-BBBB"); !errors.Is(err, oauth.ErrUnknownUserCode) {
		t.Errorf("another /48: got %v, want its own budget", err)
	}
}

// TestSignInWithSession: a form without a password is decided by the login
// session it came with, and only with the session's CSRF token.
func TestSignInWithSession(t *testing.T) {
	t.Parallel()
	p, clock := newSignInProvider(t)
	signedIn := oauth.LoginSession{UserID: "u1", AuthTime: clock.Now().Add(-time.Minute)}
	request := func(change func(a *oauth.Authorization)) *oauth.Authorization {
		a := &oauth.Authorization{MaxAge: -1}
		if change != nil {
			change(a)
		}
		return a
	}
	allow := url.Values{"csrf_token": {"t"}, "decision": {"allow"}}
	tests := []struct {
		name      string
		fields    url.Values
		csrfValid bool
		session   oauth.LoginSession
		a         *oauth.Authorization // nil: the /device page
		want      error
	}{
		{"a signed-in user decides (RFC 6749 Section 4.1)", allow, true, signedIn, request(nil), nil},
		{"a signed-in user decides at /device (RFC 8628 Section 3.3)", allow, true, signedIn, nil, nil},
		{"without the session's CSRF token the form is refused (RFC 6749 Section 10.12)", allow, false, signedIn, request(nil), oauth.ErrFormNotOurs},
		{"a field sent twice is refused (RFC 6749 Section 3.1)", url.Values{"csrf_token": {"t"}, "decision": {"allow", "deny"}}, true, signedIn, request(nil), oauth.ErrFormFieldTwice},
		{"no one signed in must sign in (OIDC Core Section 3.1.2.1)", allow, true, oauth.LoginSession{}, request(nil), oauth.ErrSignInRequired},
		{"no one signed in must sign in at /device (RFC 8628 Section 3.3)", allow, true, oauth.LoginSession{}, nil, oauth.ErrSignInRequired},
		{"declining needs no sign-in, only the CSRF token (RFC 6749 Section 10.12)", url.Values{"csrf_token": {"t"}, "decision": {"deny"}}, true, oauth.LoginSession{}, request(nil), nil},
		{"declining without the CSRF token is refused (RFC 6749 Section 10.12)", url.Values{"decision": {"deny"}}, false, oauth.LoginSession{}, request(nil), oauth.ErrFormNotOurs},
		{"prompt=login wants a password from a signed-in user (OIDC Core Section 3.1.2.1)", allow, true, signedIn,
			request(func(a *oauth.Authorization) { a.Prompt = []oauth.Prompt{oauth.PromptLogin} }), oauth.ErrSignInRequired},
		{"a sign-in longer ago than max_age wants a password (OIDC Core Section 3.1.2.1)", allow, true, signedIn,
			request(func(a *oauth.Authorization) { a.MaxAge = 30 * time.Second }), oauth.ErrSignInRequired},
		{"an id_token_hint naming another user wants a password (OIDC Core Section 3.1.2.1)", allow, true, signedIn,
			request(func(a *oauth.Authorization) { a.HintSubject = "u2" }), oauth.ErrSignInRequired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			decision, _ := oauth.ParseDecision(context.Background(), tc.fields.Get("decision"))
			user, err := p.SignIn(context.Background(), oauth.SignInForm{Fields: tc.fields, Decision: decision, CSRFValid: tc.csrfValid,
				Addr: testAddr, Session: tc.session, Authorization: tc.a})
			if !errors.Is(err, tc.want) || user.ID != "" {
				t.Errorf("got user %q, error %v; want no new sign-in, error %v", user.ID, err, tc.want)
			}
		})
	}
}

// TestSignInCheckedFormOnce: a form the web layer already checked
// (FormChecked: /device's, on every POST) is not checked again for each
// field once (RFC 6749 Section 3.1) or its CSRF token
// (RFC 6749 Section 10.12): its trace lists each of those rules once,
// where web applied it.
func TestSignInCheckedFormOnce(t *testing.T) {
	t.Parallel()
	p, clock := newSignInProvider(t)
	signedIn := oauth.LoginSession{UserID: "u1", AuthTime: clock.Now().Add(-time.Minute)}
	for name, f := range map[string]oauth.SignInForm{
		"login session": {Fields: url.Values{"csrf_token": {"t"}, "decision": {"allow"}}, CSRFValid: true, Session: signedIn},
		"password": {Fields: url.Values{"csrf_token": {"t"}, "decision": {"allow"}, "username": {providertest.DemoUsername},
			"password": {providertest.DemoPassword}}, CSRFValid: true},
	} {
		t.Run(name, func(t *testing.T) {
			tr := &oauth.Trace{}
			ctx := oauth.WithTrace(context.Background(), tr)
			f.Addr, f.FormChecked = testAddr, true
			if _, err := p.SignIn(ctx, f); err != nil {
				t.Fatalf("got %v, want signed in", err)
			}
			for _, c := range tr.Checks {
				if strings.Contains(c.Rule, "more than once") || strings.Contains(c.Rule, "CSRF") {
					t.Errorf("got check %q again, want the form's checks made once, by deviceForm", c.Rule)
				}
			}
		})
	}
}

// TestDecisionOnEachForm: one reading of the decision field, with what no
// answer means on each form: the authorization endpoint's default button
// (allow), /device's request for the consent page (DecisionNone); and
// SignIn decides on the decision so read, not on the raw field.
func TestDecisionOnEachForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		form, field string
		want        oauth.Decision
		ok          bool
	}{
		{"authorization", "", oauth.DecisionAllow, true},
		{"authorization", "deny", oauth.DecisionDeny, true},
		{"authorization", "maybe", "", false},
		{"device", "", oauth.DecisionNone, true},
		{"device", "allow", oauth.DecisionAllow, true},
		{"device", "deny", oauth.DecisionDeny, true},
		{"device", "maybe", "", false},
	} {
		tr := &oauth.Trace{}
		ctx := oauth.WithTrace(context.Background(), tr)
		parse := oauth.ParseDecision
		if tc.form == "device" {
			parse = oauth.ParseDeviceDecision
		}
		if got, ok := parse(ctx, tc.field); ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("%s form, decision %q: got %q, %v; want %q, %v", tc.form, tc.field, got, ok, tc.want, tc.ok)
		}
		// No decision: the form is shown again, and the trace ends with the rule it broke.
		if n := len(tr.Checks); !tc.ok && (n == 0 || tr.Checks[n-1].Passed) {
			t.Errorf("%s form, decision %q: got checks %+v, want them to end with a failed rule", tc.form, tc.field, tr.Checks)
		}
	}
	p, _ := newSignInProvider(t)
	_, err := p.SignIn(context.Background(), oauth.SignInForm{Fields: url.Values{"csrf_token": {"t"}, "decision": {"deny"}},
		Decision: oauth.DecisionAllow, CSRFValid: true, Addr: testAddr})
	if !errors.Is(err, oauth.ErrSignInRequired) {
		t.Errorf("Decision allow without a session: got %v, want ErrSignInRequired (only declining needs no sign-in)", err)
	}
}

// TestCheckSwitchAccount: "Use another account" with a field twice
// (RFC 6749 Section 3.1), or without the login session's CSRF token
// (RFC 6749 Section 10.12), is refused on the authorization endpoint's
// page, each rule in the trace; /device's form, checked already
// (FormChecked), is not checked again.
func TestCheckSwitchAccount(t *testing.T) {
	t.Parallel()
	once := url.Values{"switch_account": {"1"}, "csrf_token": {"t"}}
	twice := url.Values{"switch_account": {"1"}, "csrf_token": {"t", "forged"}}
	for _, tc := range []struct {
		name             string
		fields           url.Values
		csrfValid, check bool
		wantErr          error
		wantChecks       int
	}{
		{"the session's CSRF token lets the user switch", once, true, false, nil, 2},
		{"without it the switch is refused (RFC 6749 Section 10.12)", once, false, false, oauth.ErrFormNotOurs, 2},
		{"a field twice is refused (RFC 6749 Section 3.1)", twice, true, false, oauth.ErrFormFieldTwice, 1},
		{"a form checked already is not checked again", twice, false, true, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &oauth.Trace{}
			err := oauth.CheckSwitchAccount(oauth.WithTrace(context.Background(), tr),
				oauth.SignInForm{Fields: tc.fields, CSRFValid: tc.csrfValid, FormChecked: tc.check})
			if !errors.Is(err, tc.wantErr) || len(tr.Checks) != tc.wantChecks {
				t.Errorf("got %v with checks %+v; want %v, %d checks", err, tr.Checks, tc.wantErr, tc.wantChecks)
			}
		})
	}
}

// crashedStore is the store of a provider that dies while it checks a
// password: what it reserved before the check is never taken back.
type crashedStore struct{ store.Store }

func (crashedStore) ReleaseAttempt(context.Context, int64) error {
	return errors.New("the provider died before it could take the attempt back")
}

// TestCrashedSignInsSpendNothing: a right password whose check a crash cut
// off holds its requester's attempt only while the check could still be
// running (a minute), not for the rest of the window, on both stores.
func TestCrashedSignInsSpendNothing(t *testing.T) {
	t.Parallel()
	eachStoreProvider(t, nil, func(t *testing.T, p *oauth.Provider, clock *clocktest.Clock) {
		p.Store = crashedStore{p.Store}
		ctx := t.Context()
		for i := range oauth.WrongPasswordsPerAddress {
			if _, err := signIn(ctx, p, testAddr, providertest.DemoUsername, providertest.DemoPassword); err != nil {
				t.Fatalf("crashed sign-in %d: got %v, want signed in", i+1, err)
			}
		}
		var tooMany *oauth.TooManyAttemptsError
		if _, err := signIn(ctx, p, testAddr, providertest.DemoUsername, providertest.DemoPassword); !errors.As(err, &tooMany) {
			t.Errorf("while the crashed checks could still run: got %v, want TooManyAttemptsError", err)
		}
		clock.Advance(2 * time.Minute) // past the checks, within the window
		for i := range oauth.WrongPasswordsPerAddress {
			if _, err := signIn(ctx, p, testAddr, providertest.DemoUsername, "wrong"); !errors.Is(err, oauth.ErrBadCredentials) {
				t.Fatalf("wrong password %d after the crashes: got %v, want ErrBadCredentials (a whole budget)", i+1, err)
			}
		}
	})
}

// blipStore is the store of a database whose connection breaks under the
// first statement that gives back each attempt (a restart, a killed
// session): that statement fails, the next one, on a new connection,
// goes through.
type blipStore struct {
	store.Store
	mu     sync.Mutex
	failed map[int64]bool
}

func (b *blipStore) ReleaseAttempt(ctx context.Context, lease int64) error {
	b.mu.Lock()
	first := !b.failed[lease]
	b.failed[lease] = true
	b.mu.Unlock()
	if first {
		return errors.New("FATAL: terminating connection due to administrator command")
	}
	return b.Store.ReleaseAttempt(ctx, lease)
}

// TestSignInsThroughADatabaseBlipSpendNothing: right passwords checked
// while the database drops a connection still give their attempts back
// (a retry on a new connection), so their address is not refused, on both
// stores.
func TestSignInsThroughADatabaseBlipSpendNothing(t *testing.T) {
	t.Parallel()
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		p.Store = &blipStore{Store: p.Store, failed: map[int64]bool{}}
		for i := range 2 * oauth.WrongPasswordsPerAddress {
			if _, err := signIn(t.Context(), p, testAddr, providertest.DemoUsername, providertest.DemoPassword); err != nil {
				t.Fatalf("right password %d through a blip: got %v, want signed in", i+1, err)
			}
		}
	})
}

// silentAttemptsStore is a store that stops answering when an attempt is
// counted or given back: it waits until its context ends, as a statement
// on a silent database connection does.
type silentAttemptsStore struct{ store.Store }

func (silentAttemptsStore) ConfirmAttempt(ctx context.Context, _ int64) error {
	<-ctx.Done()
	return ctx.Err()
}

func (silentAttemptsStore) ReleaseAttempt(ctx context.Context, _ int64) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestSignInEndsAtItsDeadline: counting a wrong password, or giving back
// the attempt of a right one, is not canceled with the caller (who could
// otherwise hang up to take back a wrong guess), yet ends at the request's
// deadline: a store that stops answering then holds the sign-in no longer
// than its time, on both stores.
func TestSignInEndsAtItsDeadline(t *testing.T) {
	t.Parallel()
	passwordStores(t, func(t *testing.T, p *oauth.Provider) {
		p.Store = silentAttemptsStore{p.Store}
		for _, password := range []string{"wrong", providertest.DemoPassword} {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			done := make(chan error, 1)
			go func() {
				_, err := signIn(ctx, p, testAddr, providertest.DemoUsername, password)
				done <- err
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("a sign-in (password %q) whose attempt the store does not settle: still waiting 10 s after its 300 ms deadline", password)
			}
			cancel()
		}
	})
}
