package service

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/oauth-reference/provider/internal/requestlog"
	"github.com/oauth-reference/provider/setting"
)

// NewLogger returns the logger LOG_FORMAT ("text" or "json") and LOG_LEVEL
// ("debug", "info", "warn" or "error") describe, writing to w. Empty
// values mean text and info. A record logged with a context that carries
// a request id (requestlog.With) names it as request_id, so every line about
// one request can be found with one grep.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cmp.Or(level, "info"))); err != nil {
		return nil, fmt.Errorf("service: LOG_LEVEL %s: want debug, info, warn or error", setting.Show(level))
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(cmp.Or(format, "text")) {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("service: LOG_FORMAT %s: want text or json", setting.Show(format))
	}
	return slog.New(requestIDHandler{h}), nil
}

// requestIDHandler adds the context's request id to each record.
type requestIDHandler struct{ slog.Handler }

// Handle adds request_id, when the context has one, and passes the record on.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestlog.ID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the request id behaviour for loggers made with With.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the request id behaviour for loggers made with WithGroup.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
