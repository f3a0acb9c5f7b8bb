package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/config"
	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/provider/service"
)

func TestExitCodes(t *testing.T) {
	if got := exitCode(context.Canceled); got != 130 {
		t.Errorf("exitCode(Canceled) = %d, want 130 (interrupted)", got)
	}
	if got := exitCode(&OAuthError{Code: "access_denied"}); got != 1 {
		t.Errorf("exitCode(access_denied) = %d, want 1", got)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"bogus"}, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("run(bogus) = %v, want a usage error", err)
	}
	if err := run(context.Background(), []string{"help"}, &out); err != nil || !strings.Contains(out.String(), "credentials") {
		t.Errorf("run(help) = %v, %q", err, &out)
	}
}

// TestCLILanguage: the CLI speaks the language of the first of LC_ALL,
// LC_MESSAGES and LANG that is set, and English for any locale it has no
// messages for.
func TestCLILanguage(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "zh_TW.UTF-8"}, "zh-TW"},
		{map[string]string{"LANG": "zh_TW.UTF-8@calendar"}, "zh-TW"},
		{map[string]string{"LC_MESSAGES": "zh_TW", "LANG": "en_US.UTF-8"}, "zh-TW"},
		{map[string]string{"LC_ALL": "C", "LANG": "zh_TW.UTF-8"}, "en"},
		{map[string]string{"LC_ALL": "en_GB.UTF-8", "LC_MESSAGES": "zh_TW"}, "en"},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, "en"},
		{map[string]string{"LANG": "POSIX"}, "en"},
		{map[string]string{"LANG": "\x00not a locale"}, "en"},
	}
	for _, tt := range tests {
		if got := cliLanguage(func(name string) string { return tt.env[name] }); got.Code != tt.want {
			t.Errorf("cliLanguage(%q) = %s, want %s", tt.env, got.Code, tt.want)
		}
	}
}

// TestDeviceInstructionsInTraditionalChinese: in Traditional Chinese the
// device flow's instructions and the token's expiry are in Chinese, with
// the URIs and the user code as the provider sent them.
func TestDeviceInstructionsInTraditionalChinese(t *testing.T) {
	var out bytes.Buffer
	zh := terminal{&out, i18n.TraditionalChinese}
	printInstructions(zh, &oauth2.DeviceAuthResponse{UserCode: "WDJB-MJHT",
		VerificationURI: "http://localhost:8080/device", VerificationURIComplete: "http://localhost:8080/device?user_code=WDJB-MJHT"})
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	printExpiry(zh, (&oauth2.Token{TokenType: "Bearer", Expiry: now.Add(time.Hour)}).WithExtra(map[string]any{"scope": "read"}), now)
	got := out.String()
	for _, want := range []string{"裝置授權（RFC 8628）", "在另一台裝置上開啟", "http://localhost:8080/device", "並輸入代碼", "WDJB-MJHT",
		"或直接開啟", "http://localhost:8080/device?user_code=WDJB-MJHT", `token_type Bearer, scope "read"`, "，到期：1 小時後"} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks %q:\n%s", want, got)
		}
	}
	for _, english := range []string{"On another device", "enter the code", "expires"} {
		if strings.Contains(got, english) {
			t.Errorf("the output still says %q:\n%s", english, got)
		}
	}
}

// TestCLIPrintsNoControlCharacters: what the provider and the resource
// send reaches the terminal without a control character but newline and
// tab (wirelog.Printable): a resource's status line and body, the device
// flow's instructions, the token type, and an OAuth error's description.
func TestCLIPrintsNoControlCharacters(t *testing.T) {
	const esc = "\x1b]0;pwned\a\x1b[2J"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
			body := "body " + esc
			fmt.Fprintf(conn, "HTTP/1.1 200 OK %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", esc, len(body), body)
		}
	}()
	var out bytes.Buffer
	term := terminal{&out, i18n.English}
	if err := getResource(context.Background(), &http.Client{}, &oauth2.Token{AccessToken: "at"}, "http://"+ln.Addr().String()+"/r", term); err != nil {
		t.Fatal(err)
	}
	printInstructions(term, &oauth2.DeviceAuthResponse{UserCode: "AB" + esc, VerificationURI: "http://h/" + esc, VerificationURIComplete: "http://h/c" + esc})
	now := time.Now()
	printExpiry(term, &oauth2.Token{TokenType: "Bearer" + esc, Expiry: now.Add(time.Hour)}, now)
	service.PrintExit(&out, "client", printable{oauthError("token request", &oauth2.RetrieveError{ErrorCode: "invalid_grant", ErrorDescription: "gone" + esc})})
	service.PrintExit(&out, "client", printable{oauthError("token request", &oauth2.RetrieveError{Response: &http.Response{Status: "400 " + esc}, Body: []byte(esc)})})
	got := out.String()
	if i := strings.IndexFunc(got, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }); i >= 0 {
		t.Errorf("the CLI printed a control character at %d:\n%q", i, got)
	}
	for _, want := range []string{"body \uFFFD]0;pwned\uFFFD\uFFFD[2J", "OK \uFFFD]0;pwned", "AB\uFFFD", "Bearer\uFFFD", "invalid_grant: gone\uFFFD"} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks %q:\n%q", want, got)
		}
	}
}

// TestCLIShortensTheProvidersError: an OAuth error's "error" and
// "error_description", and the body x/oauth2 quotes when there is no
// "error", are shortened (wirelog.Shorten) before the CLI prints them, as
// the web pages show them: a provider's 100 KB description is not
// printed whole.
func TestCLIShortensTheProvidersError(t *testing.T) {
	long := strings.Repeat("E", 100<<10)
	for name, answer := range map[string]string{
		"OAuth error (RFC 6749 Section 5.2)": `{"error":"invalid_client` + long + `","error_description":"` + long + `"}`,
		"no OAuth error code":                `<html>` + long + `</html>`,
	} {
		t.Run(name, func(t *testing.T) {
			var p *httptest.Server
			p = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, answer)
					return
				}
				fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/authorize","token_endpoint":"%[1]s/token"}`, p.URL)
			}))
			defer p.Close()
			cfg := config.Default()
			cfg.AuthServer = p.URL
			err := runCredentials(context.Background(), cfg, terminal{&bytes.Buffer{}, i18n.English})
			if err == nil {
				t.Fatal("runCredentials succeeded against a token endpoint that answers 400")
			}
			const most = 2<<10 + 256 // two shortened values, and the words around them
			if got := len(err.Error()); got > most {
				t.Errorf("the error is %d bytes, want at most %d: %.200q…", got, most, err)
			}
			if !strings.Contains(err.Error(), "token request failed: ") || !strings.Contains(err.Error(), "EEEE…") {
				t.Errorf("the error %.200q… does not show the start of what the provider sent, cut", err)
			}
		})
	}
}
