package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oauth-reference/provider/internal/store"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
)

// TestOnlyChangesNotify: a write notifies the other processes only when it
// changed a row (migration 0093), and then once per transaction. A
// statement that changes nothing, as the purge's DELETEs mostly are, must
// notify nothing: each notification empties every process's memory of
// live tokens or makes it re-read its signing keys.
func TestOnlyChangesNotify(t *testing.T) {
	u := pgtest.NewSchemas(t).Create(t)
	s := open(t, u)
	ctx, now := t.Context(), time.Now()
	for _, id := range []string{"c1", "c2"} {
		must(t, s.UpsertClient(ctx, store.Client{ID: id, Type: store.Confidential}))
	}
	for _, id := range []string{"g1", "g2"} {
		must(t, s.CreateGrant(ctx, store.Grant{ID: id, ClientID: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	}
	must(t, s.CreateSigningKey(ctx, store.SigningKey{ID: "k1", Algorithm: "RS256", PrivateKey: []byte("sealed"), Encrypted: true, CreatedAt: now}))
	l := listenTo(t, u, "access_token_revocations", "signing_keys", "clients")
	revocation := map[string]int{"access_token_revocations": 1}
	keyChange := map[string]int{"signing_keys": 1}
	for _, write := range []struct {
		name  string
		write func() error
		want  map[string]int
	}{
		{"a purge that deletes nothing", func() error { _, err := s.PurgeExpired(ctx, now); return err }, nil},
		{"a purge of signing keys that deletes none", func() error { _, err := s.DeleteRetiredSigningKeys(ctx, now); return err }, nil},
		{"a grant extended, as a refresh does", func() error { return l.exec(ctx, `UPDATE grants SET expires_at = expires_at + interval '1 hour'`) }, nil},
		{"a key kept as long as it already is", func() error { return s.KeepSigningKey(ctx, "k1", 0) }, nil},
		{"a client used before marked used", func() error { return s.MarkClientUsed(ctx, "c1") }, nil},
		{"a jti revoked", func() error { return s.RevokeAccessToken(ctx, "j1", now.Add(time.Hour)) }, revocation},
		{"the jti revoked again", func() error { return s.RevokeAccessToken(ctx, "j1", now.Add(time.Hour)) }, nil},
		{"a grant revoked", func() error { return s.RevokeGrant(ctx, "g1", now) }, revocation},
		{"the grant revoked again", func() error { return s.RevokeGrant(ctx, "g1", now) }, nil},
		{"a client without grants deleted", func() error { return s.DeleteClient(ctx, "c2") },
			map[string]int{"access_token_revocations": 1, "clients": 1}},
		{"a key stored", func() error {
			return s.CreateSigningKey(ctx, store.SigningKey{ID: "k2", Algorithm: "RS256", PrivateKey: []byte("sealed"), Encrypted: true, CreatedAt: now})
		}, keyChange},
		{"a key rotated in: one stored, two retired", func() error {
			return s.RotateSigningKey(ctx, store.SigningKey{ID: "k3", Algorithm: "RS256", PrivateKey: []byte("sealed"), Encrypted: true, CreatedAt: now}, now)
		}, keyChange},
		{"two retired keys deleted", func() error { _, err := s.DeleteRetiredSigningKeys(ctx, now.Add(time.Minute)); return err }, keyChange},
		{"a purge that deletes two grants", func() error { _, err := s.PurgeExpired(ctx, now.Add(24*time.Hour)); return err }, revocation},
	} {
		got := l.notifiedBy(t, write.write)
		if diff := cmp.Diff(write.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: notifications per channel (-want +got):\n%s", write.name, diff)
		}
	}
}

// must fails t at once on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// notifications is a connection of its own listening on some channels,
// and another that writes beside the store.
type notifications struct {
	listener, writer *pgx.Conn
}

// probeChannel is where notifiedBy notifies after a write: PostgreSQL
// delivers notifications in the order their transactions committed, so
// every notification of the write comes before the probe's.
const probeChannel = "test_probe"

// listenTo connects twice to u (a pool's URL, as pgtest's) and listens on
// channels with the first connection.
func listenTo(t *testing.T, u string, channels ...string) *notifications {
	t.Helper()
	config, err := pgxpool.ParseConfig(u)
	must(t, err)
	var n notifications
	for _, conn := range []**pgx.Conn{&n.listener, &n.writer} {
		c, err := pgx.ConnectConfig(t.Context(), config.ConnConfig)
		must(t, err)
		t.Cleanup(func() { c.Close(context.Background()) })
		*conn = c
	}
	for _, channel := range append(channels, probeChannel) {
		_, err := n.listener.Exec(t.Context(), "LISTEN "+channel)
		must(t, err)
	}
	n.notifiedBy(t, func() error { return nil }) // what the setup notified
	return &n
}

// exec runs the statement sql with n's writer.
func (n *notifications) exec(ctx context.Context, sql string) error {
	_, err := n.writer.Exec(ctx, sql)
	return err
}

// notifiedBy runs write, then notifies probeChannel, and counts the
// notifications each channel received before the probe.
func (n *notifications) notifiedBy(t *testing.T, write func() error) map[string]int {
	t.Helper()
	must(t, write())
	must(t, n.exec(t.Context(), "NOTIFY "+probeChannel))
	got := map[string]int{}
	for {
		wait, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		note, err := n.listener.WaitForNotification(wait)
		cancel()
		if err != nil {
			t.Fatalf("waiting for the probe's notification: %v", err)
		}
		if note.Channel == probeChannel {
			return got
		}
		got[note.Channel]++
	}
}
