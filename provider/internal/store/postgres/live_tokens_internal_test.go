package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/processtest"
)

// TestListenerWarnsOncePerOutage: while the revocation listener cannot
// connect it tries again every relistenAfter, warning once and logging the
// retries at debug level, not a warning a second.
func TestListenerWarnsOncePerOutage(t *testing.T) {
	var log processtest.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(previous) })
	config, err := pgx.ParseConfig("postgres://nobody@127.0.0.1:1/none?connect_timeout=1") // nothing listens on port 1
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{listenerDone: make(chan struct{})}
	ctx, stop := context.WithCancel(t.Context())
	go s.listenForNotifications(ctx, config)
	time.Sleep(2*relistenAfter + relistenAfter/2) // three attempts
	stop()
	<-s.listenerDone
	out := log.String()
	if warns, retries := strings.Count(out, "level=WARN"), strings.Count(out, "failed again"); warns != 1 || retries < 1 {
		t.Errorf("got %d warnings and %d retries logged, want 1 warning and the retries at debug level:\n%s", warns, retries, out)
	}
}

// TestOwnRevocationKeepsTheMemoryPaused: while this process's listener is
// down, a revocation it makes itself must not switch its memory back on:
// a token it then finds live, revoked by another process, is refused at
// its next check, not served from memory until the listener is back.
func TestOwnRevocationKeepsTheMemoryPaused(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	a, b := openStore(t, u), openStore(t, u)
	a.stopListening() // the listener is down, as while it reconnects
	<-a.listenerDone
	ctx, expires := t.Context(), time.Now().Add(time.Hour)
	if err := a.UpsertClient(ctx, store.Client{ID: "testclient", Type: store.Confidential}); err != nil {
		t.Fatal(err)
	}
	tok := store.AccessTokenRef{JTI: "jti-live", ClientID: "testclient"}
	if err := a.RevokeAccessToken(ctx, "jti-other", expires); err != nil { // a revocation of its own
		t.Fatal(err)
	}
	for range 2 {
		if revoked, err := a.AccessTokenRevoked(ctx, tok); err != nil || revoked {
			t.Fatalf("AccessTokenRevoked before its revocation: got %v, %v, want false", revoked, err)
		}
	}
	if err := b.RevokeAccessToken(ctx, tok.JTI, expires); err != nil { // another process's
		t.Fatal(err)
	}
	if revoked, err := a.AccessTokenRevoked(ctx, tok); err != nil || !revoked {
		t.Errorf("AccessTokenRevoked after another process revoked it, this one's listener down: got %v, %v, want true", revoked, err)
	}
}

// openStore opens a Store on u and closes it when t ends.
func openStore(t *testing.T, u string) *Store {
	t.Helper()
	s, err := Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openSilentStore opens a Store on a fresh schema through a SilentLink,
// its sessions named name (their application_name), and another Store
// straight to the same schema.
func openSilentStore(t *testing.T) (s, direct *Store, link *pgtest.SilentLink, name string) {
	t.Helper()
	u := pgtest.NewSchemas(t).Create(t)
	name = "silent-" + rand.Text()[:8]
	link = pgtest.NewSilentLink(t, u+"&application_name="+name)
	s, direct = openStore(t, link.URL), openStore(t, u)
	t.Cleanup(link.CloseAll) // before s is closed: a silent connection takes pgx 15 s to close
	return s, direct, link, name
}

// TestListenerNoticesASilentConnection: when the listener's connection
// goes silent (the database's host vanished without a reset, so nothing
// closes it), the listener must notice within seconds and pause the
// memory; otherwise this process goes on accepting, from memory, a token
// another process revoked, for as long as TCP takes to give up.
func TestListenerNoticesASilentConnection(t *testing.T) {
	a, b, link, name := openSilentStore(t)
	ctx, expires := t.Context(), time.Now().Add(time.Hour)
	if err := b.UpsertClient(ctx, store.Client{ID: "testclient", Type: store.Confidential}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) { // until a's listener listens
		var listening bool
		err := b.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN %')`, name).Scan(&listening)
		if err != nil {
			t.Fatal(err)
		}
		if listening {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a's listener never listened")
		}
	}
	tok := store.AccessTokenRef{JTI: "jti-live", ClientID: "testclient"}
	if revoked, err := a.AccessTokenRevoked(ctx, tok); err != nil || revoked { // a remembers it live
		t.Fatalf("AccessTokenRevoked before its revocation: got %v, %v, want false", revoked, err)
	}

	link.SilenceAll()
	if err := b.RevokeAccessToken(ctx, tok.JTI, expires); err != nil {
		t.Fatal(err)
	}
	silenced := time.Now()
	for {
		ask, cancel := context.WithTimeout(ctx, 300*time.Millisecond) // a silent pool connection hangs until then
		revoked, err := a.AccessTokenRevoked(ask, tok)
		cancel()
		if err == nil && revoked {
			t.Logf("refused %v after the connections went silent", time.Since(silenced).Round(time.Millisecond))
			return
		}
		if time.Since(silenced) > listenCheckAfter+listenCheckTimeout+3*time.Second {
			t.Fatalf("AccessTokenRevoked %v after the listener's connection went silent and another process revoked the token: got %v, %v, want true",
				time.Since(silenced).Round(time.Millisecond), revoked, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPoolSkipsASilentConnection: a pooled connection that went silent
// while idle (the database's host vanished without a reset) is given up
// after poolPingTimeout, and the request goes on with a new connection,
// rather than waiting on it until TCP gives up.
func TestPoolSkipsASilentConnection(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	link := pgtest.NewSilentLink(t, u)
	s := openStore(t, link.URL)
	t.Cleanup(link.CloseAll)
	if _, err := s.GetClient(t.Context(), "testclient"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetClient: got %v, want store.ErrNotFound", err)
	}
	time.Sleep(1500 * time.Millisecond) // idle long enough to be pinged when next acquired
	link.SilenceAll()
	ctx, cancel := context.WithTimeout(t.Context(), poolPingTimeout+5*time.Second)
	defer cancel()
	began := time.Now()
	if _, err := s.GetClient(ctx, "testclient"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetClient %v after the pool's connection went silent: got %v, want store.ErrNotFound (from a new connection)",
			time.Since(began).Round(time.Millisecond), err)
	}
}

// TestConnectingToASilentHostEnds: while nothing answers at the database's
// address, a request that needs a new connection gets an error
// store.Unavailable reports (so a 503) after connectTimeout, rather than
// waiting for as long as its caller does.
func TestConnectingToASilentHostEnds(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	link := pgtest.NewSilentLink(t, u)
	s := openStore(t, link.URL)
	t.Cleanup(link.CloseAll)
	time.Sleep(1500 * time.Millisecond) // the pool's connection idle long enough to be pinged
	link.GoDown()
	ctx, cancel := context.WithTimeout(t.Context(), poolPingTimeout+connectTimeout+5*time.Second)
	defer cancel()
	began := time.Now()
	_, err := s.GetClient(ctx, "testclient")
	if took := time.Since(began); !store.Unavailable(err) || took > poolPingTimeout+connectTimeout+time.Second {
		t.Errorf("GetClient with nothing answering: got %v after %v, want an error store.Unavailable reports within %v",
			err, took.Round(time.Millisecond), poolPingTimeout+connectTimeout+time.Second)
	}
}
