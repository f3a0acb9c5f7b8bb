package service

import (
	"log/slog"
	"net/http"

	"github.com/gin-contrib/sessions"
	gsessions "github.com/gorilla/sessions"
)

// SessionCookieName names a program's session cookie, the one name it
// writes and reads: base, with a prefix the browser enforces when the
// program is served over https, so that another host of the same domain (a
// sibling, evil.example.com beside login.example.com) cannot plant its own
// session in the user's browser under this name, with Domain=example.com
// (cookie tossing: the user would then act in the planter's account). A
// cookie under another name is not the session, whatever it holds.
//
//   - A cookie with Path "/": "__Host-" and base, a prefix
//     [RFC 6265bis Section 4.1.3.2] reserves: such a cookie "will have been
//     set with a Secure attribute, a Path attribute with a value of /, and
//     no Domain attribute", so only this host can have set it.
//   - A cookie scoped to a path (pathScoped): "__Secure-" and base.
//     [RFC 6265bis Section 4.1.3.1] promises only that such a cookie "will
//     have been set with a Secure attribute": no page served over http (a
//     network attacker's, another host's) can set it, but a sibling host
//     served over https still can, with a Domain.
//
// Over http (local development) the name is base: a browser refuses a
// prefixed cookie without Secure, and Secure needs https.
//
// [RFC 6265bis Section 4.1.3.1]: https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis-12#section-4.1.3.1
// [RFC 6265bis Section 4.1.3.2]: https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis-12#section-4.1.3.2
func SessionCookieName(base string, https, pathScoped bool) string {
	switch {
	case !https:
		return base
	case pathScoped:
		return "__Secure-" + base
	default:
		return "__Host-" + base
	}
}

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
