package service

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// NewLogger returns the logger LOG_FORMAT ("text" or "json") and LOG_LEVEL
// ("debug", "info", "warn" or "error") describe, writing to w. Empty
// values mean text and info. A record logged with a context that carries
// a request id (WithRequestID) names it as request_id, so every line about
// one request can be found with one grep.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cmp.Or(level, "info"))); err != nil {
		return nil, fmt.Errorf("service: LOG_LEVEL %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(cmp.Or(format, "text")) {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("service: LOG_FORMAT %q: want text or json", format)
	}
	return slog.New(requestIDHandler{h}), nil
}

// requestKey is the context key of the request's requestLog.
type requestKey struct{}

// requestLog is what the log line of one request gathers besides its
// method, route, status and duration: the request's id and what its
// handler noted (Note). One value in the request context holds both, so a
// request pays for one context copy, not one per field.
type requestLog struct {
	id    string
	notes []slog.Attr
	// room holds the first notes: a handler notes one or two (client_id,
	// error), which then cost no allocation of their own.
	room [2]slog.Attr
}

// requestContext is a context carrying a requestLog under requestKey, as
// context.WithValue(ctx, requestKey{}, &log) would. It exists because every
// request makes one: here the log and the context are one allocation, where
// context.WithValue would allocate its context and the log apart.
type requestContext struct {
	context.Context
	log requestLog
}

// WithRequestID returns ctx carrying the id of the request it serves, in a
// fresh requestLog whose notes start in its room.
func WithRequestID(ctx context.Context, id string) context.Context {
	c := &requestContext{Context: ctx, log: requestLog{id: id}}
	c.log.notes = c.log.room[:0]
	return c
}

// Value returns the request's log for requestKey, and asks the parent
// context for any other key.
func (c *requestContext) Value(key any) any {
	if key == (requestKey{}) {
		return &c.log
	}
	return c.Context.Value(key)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	if l := requestLogOf(ctx); l != nil {
		return l.id
	}
	return ""
}

// noted returns the attributes Note added, none when l is nil (a handler
// replaced the request's context with one not made from it).
func (l *requestLog) noted() []slog.Attr {
	if l == nil {
		return nil
	}
	return l.notes
}

// set notes key=value, in place of a value noted before under key.
func (l *requestLog) set(key, value string) {
	for i := range l.notes {
		if l.notes[i].Key == key {
			l.notes[i].Value = slog.StringValue(value)
			return
		}
	}
	l.notes = append(l.notes, slog.String(key, value))
}

// requestLogOf returns the requestLog ctx carries, or nil.
func requestLogOf(ctx context.Context) *requestLog {
	l, _ := ctx.Value(requestKey{}).(*requestLog)
	return l
}

// requestIDHandler adds the context's request id to each record.
type requestIDHandler struct{ slog.Handler }

// Handle adds request_id, when the context has one, and passes the record on.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
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
