// Package storetest is the contract suite of store.Store: one set of tests
// that every backend (SQLite, PostgreSQL) must pass, so the protocol layer can
// rely on the same behaviour whichever database is configured.
//
// A backend's test calls Run with a function that opens an empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
//	}
//
// Each subtest gets its own store and runs in parallel with the others. The
// suite's times have millisecond precision and a non-UTC zone: a backend must
// keep at least milliseconds and hand every time back in UTC.
package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oauth-reference/provider/internal/store"
)

// contention is how many goroutines race for one single-use record.
const contention = 16

// test is one rule of the contract, checked against a fresh store that holds
// demoClient and demoUser.
type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// Run runs the contract suite. newStore must return an empty store that is
// private to the calling test (it is called from parallel subtests) and arrange
// for it to be closed when the test ends.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	var tests []test
	tests = append(tests, clientTests...)
	tests = append(tests, registeredClientTests...)
	tests = append(tests, userTests...)
	tests = append(tests, signingKeyTests...)
	tests = append(tests, grantTests...)
	tests = append(tests, authorizationCodeTests...)
	tests = append(tests, refreshTokenTests...)
	tests = append(tests, refreshGraceTests...)
	tests = append(tests, accessTokenTests...)
	tests = append(tests, deviceCodeTests...)
	tests = append(tests, purgeTests...)
	tests = append(tests, jtiTests...)
	tests = append(tests, attemptTests...)
	tests = append(tests, pushedRequestTests...)
	tests = append(tests, deletedClientTests...)
	tests = append(tests, loginSessionTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			seed(t, s)
			tt.run(t, s)
		})
	}
}

// t0 is the suite's "now": millisecond precision, deliberately not in UTC.
var t0 = time.Date(2031, time.May, 6, 7, 8, 9, 123_000_000, time.FixedZone("UTC+2", 2*60*60))

// at returns t0 moved by d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// demoClient and demoUser exist in every store the suite hands a test, since
// grants and device codes refer to them.
var (
	demoClient = store.Client{
		ID:           "testclient",
		Name:         "Test Client",
		Type:         store.Confidential,
		SecretHash:   "c2VjcmV0LWhhc2g",
		RedirectURIs: []string{"http://localhost:3000/callback", "http://127.0.0.1:3000/callback"},
		GrantTypes:   []string{"authorization_code", "refresh_token", "client_credentials"},
		Scopes:       []string{"openid", "profile", "email", "read", "write"},
		DefaultScope: "read",
	}
	demoUser = store.User{
		ID:           "user1",
		Username:     "demo",
		PasswordHash: "$2a$10$abcdefghijklmnopqrstuu",
		Name:         "Demo User",
		Email:        "demo@example.com",
	}
)

// seed stores demoClient and demoUser.
func seed(t *testing.T, s store.Store) {
	t.Helper()
	if err := s.UpsertClient(t.Context(), demoClient); err != nil {
		t.Fatalf("UpsertClient(%q): %v", demoClient.ID, err)
	}
	if err := s.UpsertUser(t.Context(), demoUser); err != nil {
		t.Fatalf("UpsertUser(%q): %v", demoUser.ID, err)
	}
}

// newGrant returns a grant of demoUser to demoClient approved at t0.
func newGrant(id string) store.Grant {
	return store.Grant{
		ID:        id,
		ClientID:  demoClient.ID,
		UserID:    demoUser.ID,
		Scope:     "openid read",
		Resources: "https://api.example/ https://mcp.example/mcp",
		AuthTime:  at(-time.Minute),
		CreatedAt: t0,
		ExpiresAt: at(time.Hour),
	}
}

// createGrant stores newGrant(id) and returns it.
func createGrant(t *testing.T, s store.Store, id string) store.Grant {
	t.Helper()
	g := newGrant(id)
	if err := s.CreateGrant(t.Context(), g); err != nil {
		t.Fatalf("CreateGrant(%q): %v", id, err)
	}
	return g
}

// equal is the comparison the suite uses for records: times by time.Equal
// (cmp uses the Equal method), and a nil slice equal to an empty one.
var equal = cmpopts.EquateEmpty()

// checkEqual reports a difference between the record got and the one wanted.
func checkEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if diff := cmp.Diff(want, got, equal); diff != "" {
		t.Errorf("%s: got a different record (-want +got):\n%s", what, diff)
	}
}

// checkErr reports err unless it matches want (nil meaning no error).
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// checkRefusal checks that err refuses a write for what it is, not as a
// record unknown (ErrNotFound) or used (ErrAlreadyUsed).
func checkRefusal(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyUsed) {
		t.Errorf("%s: got error %v, want a refusal", what, err)
	}
}

// must stops the test when a setup step failed.
func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// concurrently runs f(0) … f(n-1) in n goroutines released at the same
// moment, and returns their errors by index.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// checkOneWinner checks that exactly one of errs is nil and every other one
// is loserErr, and returns the winner's index (-1 if none).
func checkOneWinner(t *testing.T, what string, errs []error, loserErr error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner, wins = i, wins+1
		case !errors.Is(err, loserErr):
			t.Errorf("%s #%d: got error %v, want nil or %v", what, i, err, loserErr)
		}
	}
	if wins != 1 {
		t.Errorf("%s by %d goroutines: got %d winners, want exactly 1", what, len(errs), wins)
	}
	return winner
}
