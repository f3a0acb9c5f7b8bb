package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/i18n"
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
