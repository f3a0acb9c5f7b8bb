package token

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oauth-reference/provider/internal/clocktest"
	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/processtest"
)

// countingKeyStore is a PostgreSQL store that counts its reads of the
// signing keys. It is a store.SigningKeyWatcher, as the store is.
type countingKeyStore struct {
	*postgres.Store
	lists atomic.Int64
}

func (c *countingKeyStore) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	c.lists.Add(1)
	return c.Store.ListSigningKeys(ctx)
}

// TestFailedReloadKeepsTheRateLimit: on PostgreSQL a change to the signing
// keys is announced and reloads them; when that reload fails (here every
// RS256 key is retired behind the provider's back; a KEK rollout where this
// process cannot open a resealed key fails the same way), junk kids are
// still rate-limited to one store read per unknownKeyReloadInterval, not one
// each, and the failure is logged once as a warning, not per request.
func TestFailedReloadKeepsTheRateLimit(t *testing.T) {
	var log processtest.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(previous) })
	u := pgtest.NewSchemas(t).Create(t)
	st, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ks := &countingKeyStore{Store: st}
	k, err := LoadKeys(t.Context(), ks, testKEK, "", time.Hour, time.Now())
	if err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	clock := clocktest.New(t0)
	k.clock = clock.Now
	breakReloadsOnNotification(t, u, &log)
	settle(t, k)

	stranger, _ := newKeys(t)
	junk := mustSignAccessToken(t, stranger, userClaims()) // a kid the store does not have
	before := ks.lists.Load()
	const requests = 200
	for range requests {
		if _, err := k.VerifyAccessToken(junk, t0, testIssuer, testAudience); err == nil {
			t.Fatal("a token of an unknown key: got no error, want one")
		}
	}
	if got := ks.lists.Load() - before; got > 1 {
		t.Errorf("%d tokens naming an unknown kid after a failed reload: got %d store reads, want at most 1", requests, got)
	}
	clock.Advance(unknownKeyReloadInterval)
	_, _ = k.VerifyAccessToken(junk, t0, testIssuer, testAudience)
	if got := ks.lists.Load() - before; got > 2 {
		t.Errorf("one more after the interval: got %d store reads in all, want at most 2", got)
	}
	if warns := strings.Count(log.String(), "level=WARN"); warns != 1 {
		t.Errorf("got %d warnings about the failing reload, want 1:\n%s", warns, log.String())
	}
}

// settle waits until every announced change to the signing keys has been
// answered by a reload and none has come for a while. On a loaded machine
// breakReloadsOnNotification may make several changes before the first is
// heard, and each announcement that arrives later rightly lifts the rate
// limit for one reload: that is not what the test counts.
func settle(t *testing.T, k *Keys) {
	t.Helper()
	const quiet = 300 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	last, quietSince := k.changes.Load(), time.Now()
	for time.Since(quietSince) < quiet {
		if time.Now().After(deadline) {
			t.Fatal("the signing keys' announcements did not stop within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
		if changes := k.changes.Load(); changes != last || k.tried.Load() != changes || k.changePending.Load() {
			last, quietSince = changes, time.Now()
		}
	}
}

// breakReloadsOnNotification retires every RS256 key in the database at u,
// so that no process, which must have one, can reload its keys, and waits
// until log shows that the reload the change's announcement caused is over.
// The update is repeated until the listener, which starts in the
// background, hears one.
func breakReloadsOnNotification(t *testing.T, u string, log *processtest.Buffer) {
	t.Helper()
	admin, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	for range 50 {
		if _, err := admin.Exec(t.Context(), `UPDATE signing_keys SET retire_at = now() + interval '1 hour' WHERE algorithm = 'RS256'`); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if strings.Contains(log.String(), "reload signing keys") {
			return
		}
	}
	t.Fatal("no failed reload logged within 5 s of retiring every RS256 key: is the listener listening on signing_keys?")
}
