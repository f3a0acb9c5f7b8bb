package web

import (
	"html"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/client/internal/i18n"
)

// TestDevicePageSaysTheIntervalInWords renders the waiting device page,
// polling by itself and by hand, in both languages: the interval reads as
// whole seconds in words ("every 65 seconds", 「每 65 秒」), not as Go's
// "1m5s", nor rounded down to "1 minute".
func TestDevicePageSaysTheIntervalInWords(t *testing.T) {
	p, err := parsePages(time.Now)
	if err != nil {
		t.Fatal(err)
	}
	run := &deviceRun{Interval: 65 * time.Second, Auth: oauth2.DeviceAuthResponse{UserCode: "WDJB-MJHT",
		VerificationURI: "https://provider.test/device", VerificationURIComplete: "https://provider.test/device?user_code=WDJB-MJHT",
		Expiry: time.Now().Add(10 * time.Minute)}}
	tests := []struct {
		lang   i18n.Lang
		byHand bool
		want   string
	}{
		{i18n.English, false, "this page polls automatically every 65 seconds, and"},
		{i18n.English, true, "at least 65 seconds after the last poll"},
		{i18n.TraditionalChinese, false, "這個頁面每 65 秒自動輪詢一次"},
		{i18n.TraditionalChinese, true, "至少 65 秒之後按「立即輪詢」"},
	}
	for _, tt := range tests {
		var out strings.Builder
		v := view{Data: deviceView{Run: run, ByHand: tt.byHand}, Lang: tt.lang, Langs: i18n.All}
		if err := p[tt.lang.Code]["device.html"].ExecuteTemplate(&out, "layout", v); err != nil {
			t.Fatal(err)
		}
		if page := html.UnescapeString(out.String()); !strings.Contains(page, tt.want) || strings.Contains(page, "1m5s") {
			t.Errorf("the device page in %s (by hand: %v): want %q, without 1m5s:\n%s", tt.lang.Code, tt.byHand, tt.want, page)
		}
	}
}
