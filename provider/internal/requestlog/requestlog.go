// Package requestlog holds what the log line of one request gathers besides
// its method, route, status and duration: the request's id and what the
// code that served it noted. It lives in the request's context, so the
// protocol package (oauth), which has no Gin, can note on the line too;
// package service writes the line (service.Observe).
package requestlog

import (
	"context"
	"log/slog"
)

// key is the context key of the request's log.
type key struct{}

// requestLog is the request's id and its notes. One value in the request context
// holds both, so a request pays for one context copy, not one per field.
type requestLog struct {
	id    string
	notes []slog.Attr
	// room holds the first notes: a handler notes one or two (client_id,
	// error), which then cost no allocation of their own.
	room [2]slog.Attr
}

// logContext is a context carrying a requestLog under key, as
// context.WithValue(ctx, key{}, &l) would. It exists because every
// request makes one: here the log and the context are one allocation, where
// context.WithValue would allocate its context and the log apart.
type logContext struct {
	context.Context
	log requestLog
}

// With returns ctx carrying the id of the request it serves, in a fresh log
// whose notes start in its room.
func With(ctx context.Context, id string) context.Context {
	c := &logContext{Context: ctx, log: requestLog{id: id}}
	c.log.notes = c.log.room[:0]
	return c
}

// Value returns the request's log for key, and asks the parent context for
// any other key.
func (c *logContext) Value(k any) any {
	if k == (key{}) {
		return &c.log
	}
	return c.Context.Value(k)
}

// Has reports whether ctx carries a request's log (With).
func Has(ctx context.Context) bool {
	return logOf(ctx) != nil
}

// ID returns the request id ctx carries, or "".
func ID(ctx context.Context) string {
	if l := logOf(ctx); l != nil {
		return l.id
	}
	return ""
}

// Note sets key=value on the log line of the request ctx serves, in place
// of a value noted before under key; nothing when ctx carries no log.
// Never a secret: the line goes to the log as is.
func Note(ctx context.Context, key, value string) {
	l := logOf(ctx)
	if l == nil {
		return
	}
	for i := range l.notes {
		if l.notes[i].Key == key {
			l.notes[i].Value = slog.StringValue(value)
			return
		}
	}
	l.notes = append(l.notes, slog.String(key, value))
}

// Notes returns the attributes Note added, none when ctx carries no log (a
// handler replaced the request's context with one not made from it).
func Notes(ctx context.Context) []slog.Attr {
	if l := logOf(ctx); l != nil {
		return l.notes
	}
	return nil
}

// logOf returns the log ctx carries, or nil.
func logOf(ctx context.Context) *requestLog {
	l, _ := ctx.Value(key{}).(*requestLog)
	return l
}
