package service

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/requestlog"
)

func TestNewLoggerFormatsAndLevels(t *testing.T) {
	var out bytes.Buffer
	log, err := NewLogger(&out, "json", "warn")
	if err != nil {
		t.Fatal(err)
	}
	ctx := requestlog.With(context.Background(), "req-1")
	log.InfoContext(ctx, "below the level")
	log.WarnContext(ctx, "refresh token reuse detected", "client_id", "c1")
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("LOG_FORMAT=json: got %q, want one JSON line: %v", out.String(), err)
	}
	if line["request_id"] != "req-1" || line["client_id"] != "c1" || line["level"] != "WARN" {
		t.Errorf("got %v, want the warning with request_id req-1 and client_id c1", line)
	}

	out.Reset()
	log, _ = NewLogger(&out, "", "")
	log.With("component", "x").InfoContext(ctx, "hello")
	log.Debug("not at info")
	if got := out.String(); !strings.HasPrefix(got, "time=") || !strings.Contains(got, "request_id=req-1") || strings.Contains(got, "not at info") {
		t.Errorf("defaults (text, info): got %q", got)
	}

	for _, bad := range [][2]string{{"xml", "info"}, {"text", "loud"}} {
		if _, err := NewLogger(&out, bad[0], bad[1]); err == nil {
			t.Errorf("NewLogger(%q, %q): got no error", bad[0], bad[1])
		}
	}
}
