package web_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/token"
	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/providertest"
)

// BenchmarkDevicePollPending measures the hottest path of the device grant:
// a poll answered authorization_pending (RFC 8628 Section 3.5), through the
// real router on the SQLite store — client lookup, then the poll recorded
// by one conditional write (RecordOnTimePoll). One bare RS256
// verification, interleaved with the polls, is the reference: the target
// is at most 2× (the x-ref metric).
//
// Each poll must come at least the interval after the one before, or the
// answer is slow_down; so the provider's clock is a counter that the loop
// moves on by exactly the interval before each poll.
func BenchmarkDevicePollPending(b *testing.B) {
	b.Run("authorization_pending", func(b *testing.B) {
		var now atomic.Int64
		now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
		cfg := config.Default()
		cfg.DatabaseURL = filepath.Join(b.TempDir(), "bench.db")
		providertest.CheapPasswordHash(&cfg)           // no poll signs a user in
		cfg.DeviceCodeTTL = 100 * 365 * 24 * time.Hour // b.N polls, 5 s apart, must not outlive the code
		p := providertest.NewProvider(b, cfg, func() time.Time { return time.Unix(0, now.Load()).UTC() })
		h := web.NewRouter(p, []byte("bench"), p.Log)

		rec := serve(b, h, "POST", "/oauth/device/code", "client_id=device-client&scope=read", nil, 200)
		var da struct {
			DeviceCode string `json:"device_code"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &da); err != nil {
			b.Fatal(err)
		}
		body := "grant_type=" + deviceGrantType + "&client_id=device-client&device_code=" + url.QueryEscape(da.DeviceCode)
		pending := []byte(`"authorization_pending"`)
		ref := newRef(b, token.RS256)
		ref.begin(b)
		for i := 0; i < b.N; i++ {
			now.Add(int64(cfg.DevicePollInterval))
			if rec := serve(b, h, "POST", "/oauth/token", body, nil, 400); !bytes.Contains(rec.Body.Bytes(), pending) {
				b.Fatalf("got %s, want authorization_pending", rec.Body)
			}
			ref.verify(b, 1)
		}
		ref.report(b, 1)
	})
}
