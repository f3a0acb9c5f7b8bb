package service

import (
	"log/slog"
	"net/http"

	"github.com/gin-contrib/sessions"
	gsessions "github.com/gorilla/sessions"
)

// QuietSessionCookies returns store, for which a session cookie it cannot
// read (stale, from another SESSION_SECRET, tampered with) is a new
// visitor's: any browser can send one, so it is worth a debug line in log,
// naming the request, not the error line gin-contrib/sessions writes to
// slog.Default when Get fails, at ERROR level and without the request's
// id. Both programs wrap their session cookie store in it.
func QuietSessionCookies(store sessions.Store, log *slog.Logger) sessions.Store {
	return quietCookies{Store: store, log: log}
}

// quietCookies is the store QuietSessionCookies returns.
type quietCookies struct {
	sessions.Store
	log *slog.Logger
}

// Get returns the session the request's cookie holds, or a new one when
// the cookie cannot be read.
func (q quietCookies) Get(r *http.Request, name string) (*gsessions.Session, error) {
	s, err := q.Store.Get(r, name)
	if err != nil && s != nil {
		q.log.DebugContext(r.Context(), "session cookie ignored", "err", err)
		clear(s.Values) // the new session gorilla/sessions made, empty
		return s, nil
	}
	return s, err
}
