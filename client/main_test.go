package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/i18n"
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
			advice := whatToChange(i18n.English, &tt.mismatch)
			if !strings.Contains(advice, tt.want) || strings.Contains(advice, "AUTH_SERVER=,") {
				t.Errorf("whatToChange(%+v) = %q, want it to say %q and no empty AUTH_SERVER=", tt.mismatch, advice, tt.want)
			}
		})
	}
}

// TestWaitingPagesFollowTheLanguage: the pages served while the client has
// no usable metadata (starting, or metadata it cannot use) are in the
// language the browser asks for, as every other page is, and keep the
// settings' names and values as they are.
func TestWaitingPagesFollowTheLanguage(t *testing.T) {
	cfg := config.Default()
	cfg.AuthServer = "http://localhost:8080/"
	mismatch := &metadata.IssuerMismatch{Trusted: cfg.AuthServer, Metadata: "http://localhost:8080"}
	failure := &discoveryFailure{url: "http://localhost:8080/.well-known/oauth-authorization-server", attempt: 1, err: mismatch}
	pages := []struct {
		name string
		page gin.HandlerFunc
		en   string // what the English page says
		zhTW string // what the Traditional Chinese page says
	}{
		{"starting", startingPage(cfg), "The client is starting", "用戶端正在啟動"},
		{"metadata it cannot use", misconfiguredPage(cfg, failure), "The client cannot use the provider's metadata", "用戶端無法使用提供者的中繼資料"},
	}
	languages := []struct {
		acceptLanguage string
		lang           i18n.Lang
	}{
		{"", i18n.English},
		{"en-US,en;q=0.9", i18n.English},
		{"zh-TW,zh;q=0.9,en;q=0.8", i18n.TraditionalChinese},
		{"zh-Hant", i18n.TraditionalChinese},
	}
	for _, p := range pages {
		for _, tc := range languages {
			t.Run(p.name+"/"+tc.acceptLanguage, func(t *testing.T) {
				status, header, body := serveWaiting(p.page, tc.acceptLanguage)
				want, notWant := p.en, p.zhTW
				if tc.lang.Code == i18n.TraditionalChinese.Code {
					want, notWant = p.zhTW, p.en
				}
				if status != http.StatusServiceUnavailable || !strings.Contains(body, want) || strings.Contains(body, notWant) {
					t.Errorf("Accept-Language %q: got %d %q, want 503 saying %q, not %q", tc.acceptLanguage, status, body, want, notWant)
				}
				if got := header.Get("Content-Language"); got != tc.lang.HTML {
					t.Errorf("Accept-Language %q: got Content-Language %q, want %q", tc.acceptLanguage, got, tc.lang.HTML)
				}
				if !strings.Contains(body, cfg.BackChannel()) {
					t.Errorf("Accept-Language %q: the page lacks the provider's address %s:\n%s", tc.acceptLanguage, cfg.BackChannel(), body)
				}
			})
		}
	}
	_, _, zh := serveWaiting(pages[1].page, "zh-TW")
	for _, want := range []string{"AUTH_SERVER=http://localhost:8080，", mismatch.Error(), failure.url, "RFC 8414 Section 3.3"} {
		if !strings.Contains(zh, want) {
			t.Errorf("the Traditional Chinese page lacks %q:\n%s", want, zh)
		}
	}
}

// serveWaiting answers a GET / with page, as waitingHandler serves it, to
// a browser sending acceptLanguage.
func serveWaiting(page gin.HandlerFunc, acceptLanguage string) (int, http.Header, string) {
	r := gin.New()
	r.NoRoute(page)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w.Code, w.Header(), w.Body.String()
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
