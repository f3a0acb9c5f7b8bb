package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/metadata"
	"github.com/oauth-reference/provider/service"
)

// TestWhatToChangeForAnotherIssuer: the misconfigured page's advice names
// the setting to change, and never a value the metadata did not give.
func TestWhatToChangeForAnotherIssuer(t *testing.T) {
	tests := []struct {
		name     string
		mismatch metadata.IssuerMismatch
		want     string
	}{
		{"another issuer", metadata.IssuerMismatch{Trusted: "http://localhost:8080", Metadata: "http://issuer.example"},
			"set AUTH_SERVER=http://issuer.example, the issuer the provider names"},
		{"only a trailing slash", metadata.IssuerMismatch{Trusted: "http://localhost:8080/", Metadata: "http://localhost:8080"},
			"set AUTH_SERVER=http://localhost:8080, exactly as the provider names its issuer"},
		{"metadata without an issuer (RFC 8414 Section 2: REQUIRED)", metadata.IssuerMismatch{Trusted: "http://localhost:8080", Metadata: ""},
			"names no issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			advice := whatToChange(&tt.mismatch)
			if !strings.Contains(advice, tt.want) || strings.Contains(advice, "AUTH_SERVER=,") {
				t.Errorf("whatToChange(%+v) = %q, want it to say %q and no empty AUTH_SERVER=", tt.mismatch, advice, tt.want)
			}
		})
	}
}

// TestServeStopsWhenItCannotListen: a client that cannot listen stops with
// the listener's error at once, even while its provider does not answer
// (discovery would wait for it for ever), and says so as its log's last
// line, in the log's format.
func TestServeStopsWhenItCannotListen(t *testing.T) {
	cfg := config.Default()
	cfg.ClientAddr = "bogus"              // no port: net.Listen refuses it
	cfg.AuthServer = "http://127.0.0.1:1" // nothing listens there
	cfg.RedirectURI = "http://127.0.0.1:3000/callback"
	cfg.SessionSecret = "test secret for a client that cannot listen"
	var out strings.Builder
	log := slog.New(slog.NewJSONHandler(&out, nil))
	done := make(chan error, 1)
	go func() { done <- service.LogExit(log, "client", serve(t.Context(), cfg, log)) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "bogus") {
			t.Fatalf("serve on %q: got %v, want the listen error", cfg.ClientAddr, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve on an address it cannot listen on still runs after 10 s")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, `"msg":"client stopped"`) || !strings.Contains(last, "bogus") {
		t.Errorf("the log's last line is %q, want client stopped with the error", last)
	}
}

// TestDotEnvThatCannotBeRead: a .env the client cannot parse stops it with
// one plain line naming the file and the line, and none of the file's
// text: what follows a bad line holds the client's secret.
func TestDotEnvThatCannotBeRead(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile(".env", []byte("AUTH_SERVER=http://127.0.0.1:8080\nmy typo\nCLIENT_SECRET=ClientS3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), nil, io.Discard)
	var out strings.Builder
	service.PrintExit(&out, "client", err)
	want := "client: reading .env: cannot parse line 2; its text is not shown, as it may hold a secret\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
