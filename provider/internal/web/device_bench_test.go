package web_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/web"
	"github.com/oauth-reference/provider/providertest"
)

// BenchmarkDevicePollPending measures the hottest path of the device grant:
// a poll answered authorization_pending (RFC 8628 Section 3.5), through the
// real router on the SQLite store — client lookup, device code lookup, the
// recorded poll. Beside it, in the same run, one bare RS256 verification
// (RSA 2048, PKCS #1 v1.5 over a SHA-256 digest), the reference: the target
// is at most 2× (the x-ref metric of the poll).
//
// Each poll must come at least the interval after the one before, or the
// answer is slow_down; so the provider's clock is a counter that the loop
// moves on by exactly the interval before each poll.
func BenchmarkDevicePollPending(b *testing.B) {
	var verifyNs float64
	b.Run("reference_rs256_verify", func(b *testing.B) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			b.Fatal(err)
		}
		digest := sha256.Sum256([]byte("header.payload"))
		sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
				b.Fatal(err)
			}
		}
		verifyNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("authorization_pending", func(b *testing.B) {
		var now atomic.Int64
		now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
		cfg := config.Default()
		cfg.DatabaseURL = filepath.Join(b.TempDir(), "bench.db")
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
		for b.Loop() {
			now.Add(int64(cfg.DevicePollInterval))
			if rec := serve(b, h, "POST", "/oauth/token", body, nil, 400); !bytes.Contains(rec.Body.Bytes(), pending) {
				b.Fatalf("got %s, want authorization_pending", rec.Body)
			}
		}
		if verifyNs > 0 { // the reference ran (it is not filtered out)
			reportRatio(b, verifyNs)
		}
	})
}
