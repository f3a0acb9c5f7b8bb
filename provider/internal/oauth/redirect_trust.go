package oauth

import (
	"strings"

	"github.com/oauth-reference/provider/internal/store"
)

// TrustsRedirect reports whether this server sends the browser to uri, a
// redirect URI client registered, without asking the user first
// ([RFC 9700 Section 4.11.2]: "The AS SHOULD only automatically redirect
// the user agent if it trusts the redirect URI. If the URI is not trusted,
// the AS MAY inform the user and rely on the user to make the correct
// decision."). It trusts the URIs of the clients its operator registered,
// and loopback URIs, which lead only to the user's own machine
// ([RFC 8252 Section 7.3]). An https URI that a client registered for
// itself ([RFC 7591 Section 3]), or that its client ID metadata document lists
// ([CIMD Section 6.1]), it does not: anyone may register one or publish
// one, a phishing site too, and then send people through this server to
// it with a request made to fail, an invalid scope say.
//
// A user who approves the request has read on the consent page that the
// client described itself and where it will be sent; only the redirects
// made without that approval (errors, a denial, logout) ask.
//
// [RFC 9700 Section 4.11.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.11.2
// [RFC 8252 Section 7.3]: https://www.rfc-editor.org/rfc/rfc8252#section-7.3
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
// [CIMD Section 6.1]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.1
func TrustsRedirect(client store.Client, uri string) bool {
	_, loopback := withoutLoopbackPort(uri)
	return !describesItself(client) || loopback
}

// describesItself reports whether what client says of itself, its name
// and redirect URIs, is its own claim: it registered itself ([RFC 7591 Section 3])
// or its client ID metadata document describes it; not one the operator
// registered.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
func describesItself(client store.Client) bool {
	return client.SelfRegistered() || client.FromMetadataDocument()
}

// LoopbackWarningHost is the host (with its port) of uri, the redirect URI
// of an authorization request of client, when the consent page warns that
// the code goes to a program on the user's own computer; "" when it does
// not. It warns when uri is loopback and client describes itself
// (describesItself): anyone may name a real client's document URL, or
// register its name, and listen on any loopback port, so the name the page
// shows proves nothing. [MCP Authorization, Localhost Redirect URI Risks]:
// authorization servers "SHOULD display additional warnings for
// localhost-only redirect URIs" and "MUST clearly display the redirect
// URI hostname during authorization". The operator's own clients get no
// warning: their redirect URIs are the operator's choice.
//
// [MCP Authorization, Localhost Redirect URI Risks]: https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#localhost-redirect-uri-risks
func LoopbackWarningHost(client store.Client, uri string) string {
	if _, loopback := withoutLoopbackPort(uri); !loopback || !describesItself(client) {
		return ""
	}
	host, _, _ := strings.Cut(strings.TrimPrefix(uri, "http://"), "/") // withoutLoopbackPort: a path or nothing follows
	return host
}

// ruleRedirectAskFirst is recorded when a redirect waits for the user
// ([RFC 9700 Section 4.11.2]); a trusted redirect happens without a word.
//
// [RFC 9700 Section 4.11.2]: https://www.rfc-editor.org/rfc/rfc9700#section-4.11.2
var ruleRedirectAskFirst = Rule{"an https redirect URI the client registered for itself (or its metadata document lists) is not one this server vouches for: the user sees where it leads and decides", "RFC 9700 Section 4.11.2"}
