package oauth_test

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/oauth"
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

func TestSignInBudget(t *testing.T) {
	t.Parallel()
	p, clock := newSignInProvider(t)
	ctx := context.Background()
	for i := range oauth.WrongPasswordsPerAddress {
		if _, err := p.SignIn(ctx, testAddr, providertest.DemoUsername, "wrong"); !errors.Is(err, oauth.ErrBadCredentials) {
			t.Fatalf("wrong password %d: got %v, want ErrBadCredentials", i+1, err)
		}
	}
	var tooMany *oauth.TooManyAttemptsError
	if _, err := p.SignIn(ctx, testAddr, providertest.DemoUsername, providertest.DemoPassword); !errors.As(err, &tooMany) || tooMany.RetryAfter <= 0 || tooMany.RetryAfter > oauth.PasswordWindow {
		t.Fatalf("the right password after %d wrong ones: got %v, want TooManyAttemptsError", oauth.WrongPasswordsPerAddress, err)
	}
	if _, err := p.SignIn(ctx, netip.MustParseAddr("192.0.2.2"), providertest.DemoUsername, providertest.DemoPassword); err != nil {
		t.Errorf("another address: got %v, want signed in", err)
	}
	clock.Advance(oauth.PasswordWindow)
	if _, err := p.SignIn(ctx, testAddr, providertest.DemoUsername, providertest.DemoPassword); err != nil {
		t.Errorf("the next window: got %v, want signed in", err)
	}
}

// TestSignInCountsOnlyGuesses: right passwords, and credentials no user can
// have (longer than bcrypt reads, not text), do not spend the budget of wrong
// passwords.
func TestSignInCountsOnlyGuesses(t *testing.T) {
	t.Parallel()
	p, _ := newSignInProvider(t)
	ctx := context.Background()
	for range oauth.WrongPasswordsPerAddress + 1 {
		for _, password := range []string{providertest.DemoPassword, strings.Repeat("p", 73), providertest.DemoPassword + "\x00", "\xff"} {
			_, _ = p.SignIn(ctx, testAddr, providertest.DemoUsername, password)
		}
	}
	if _, err := p.SignIn(ctx, testAddr, providertest.DemoUsername, providertest.DemoPassword); err != nil {
		t.Errorf("after right passwords and impossible ones: got %v, want signed in", err)
	}
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
