// Package setting checks the settings that both programs read: the
// provider's ISSUER and the client's AUTH_SERVER name one issuer,
// REDIRECT_URI one redirection endpoint, CLIENT_ID and DEVICE_CLIENT_ID
// two of the demo clients, SESSION_SECRET keys both programs' cookies. A
// message shows a setting's value through Show, so that a refusal, which a
// program prints as it stops, holds no password. It has no Gin (package service
// has), so the provider's protocol package uses its URL rules too
// (PortInRange, ValidPort, ResponseParameters).
package setting

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// CheckIssuer refuses a setting name that cannot be an issuer identifier,
// or the base URL that stands in for one (AUTH_SERVER_INTERNAL): "a URL
// that uses the "https" scheme and has no query or fragment components"
// ([RFC 8414 Section 2]); http is accepted as well, on any host: the demo
// runs on http://localhost, and a test on a local network may name another
// host (the provider warns at start about such an ISSUER: http is for local
// development only). Nor may it hold userinfo ("user:password@"): an issuer
// is scheme, host, port and path, the string every "iss" repeats, and a
// password in it would be printed wherever the issuer is, from the
// start-up log line to the metadata.
//
// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
func CheckIssuer(name, raw string) error {
	if err := checkHTTPURL(name, raw, "RFC 8414 Section 2"); err != nil {
		return err
	}
	if strings.ContainsAny(raw, "?#") {
		return fmt.Errorf("config: %s must not have a query or fragment (RFC 8414 Section 2), got %s", name, Show(raw))
	}
	return nil
}

// CheckRedirectURI refuses a REDIRECT_URI that breaks
// [RFC 6749 Section 3.1.2]: "The redirection endpoint URI MUST be an
// absolute URI" and "MUST NOT include a fragment component." It must
// moreover be http(s) with a host, and without userinfo: it is the
// callback of the demo web app (the client program), which a browser
// reaches over HTTP, and the demo's other registrations are derived from
// its origin (the SPA's /spa/callback, the home page after logout). A
// native app with a custom scheme registers itself instead
// (POST /oauth/register). Its query, which the provider keeps and adds its
// response after, holds none of the ResponseParameters and no ";", as a
// registered redirect URI's may not: [RFC 6749 Section 3.1], "Request and
// response parameters MUST NOT be included more than once".
//
// [RFC 6749 Section 3.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
func CheckRedirectURI(raw string) error {
	if err := checkHTTPURL("REDIRECT_URI", raw, "RFC 6749 Section 3.1.2"); err != nil {
		return err
	}
	u, _ := url.Parse(raw) // checkHTTPURL has parsed it
	switch {
	case strings.Contains(raw, "#"):
		return fmt.Errorf("config: REDIRECT_URI must not have a fragment (RFC 6749 Section 3.1.2), got %s", Show(raw))
	case strings.Contains(u.RawQuery, ";"):
		return fmt.Errorf("config: REDIRECT_URI must not have a ';' in its query, where servers disagree on where a parameter ends, got %s", Show(raw))
	case slices.ContainsFunc(ResponseParameters, u.Query().Has):
		return fmt.Errorf("config: REDIRECT_URI must not have in its query a parameter the response adds (%s: RFC 6749 Section 3.1, no parameter twice), got %s",
			strings.Join(ResponseParameters, ", "), Show(raw))
	}
	return nil
}

// ResponseParameters are the parameters the provider adds to a redirect
// URI: an authorization response ([RFC 6749 Section 4.1.2],
// [RFC 9207 Section 2]), an error response ([RFC 6749 Section 4.1.2.1]),
// and the state of a logout's redirect. A redirect URI's own query holds
// none of them, so that none comes twice.
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
// [RFC 9207 Section 2]: https://www.rfc-editor.org/rfc/rfc9207#section-2
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
var ResponseParameters = []string{"code", "state", "iss", "error", "error_description", "error_uri"}

// checkHTTPURL refuses as setting name, under the rule of ref, a value that
// is not an absolute http(s) URL with a host that is a host name or an IP
// address (hostName, validIP: not "0%8a", which url.Parse decodes to a
// byte no name holds) and a port that can be one
// (PortInRange), that holds userinfo, or a character no URI may hold
// (URICharacters): url.Parse takes a space, a quote, "<" or ">" in a path,
// which the programs would then send as they are, in metadata, in each
// "iss" and in a Location header.
func checkHTTPURL(name, raw, ref string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("config: %s must be an absolute http(s) URL (%s), got %s", name, ref, Show(raw))
	case !URICharacters(raw):
		return fmt.Errorf("config: %s holds a character a URI may not hold, such as a space, a quote, < or > (RFC 3986 Section 2; percent-encode it), got %s", name, Show(raw))
	case !hostName(u.Hostname()) && !validIP(u.Hostname()):
		return fmt.Errorf("config: %s must have a host name or an IP address as its host, got %s", name, Show(raw))
	case !PortInRange(u):
		return fmt.Errorf("config: %s must have a port from 1 to 65535, got %s", name, Show(raw))
	case u.User != nil:
		return UserinfoRefused(name, raw, ref)
	}
	return nil
}

// UserinfoRefused is the refusal of setting name, under the rule of ref,
// whose URI raw holds a user or password: a password in it would be
// published wherever the URI is (metadata, tokens, a Location header).
// The password is masked (Show).
func UserinfoRefused(name, raw, ref string) error {
	return fmt.Errorf("config: %s must not hold a user or password (%s), got %s", name, ref, Show(raw))
}

// uriCharacterSet are the characters of [RFC 3986 Section 2]: unreserved,
// reserved and "%".
//
// [RFC 3986 Section 2]: https://www.rfc-editor.org/rfc/rfc3986#section-2
const uriCharacterSet = alnum + "-._~" + ":/?#[]@!$&'()*+,;=" + "%"

// alnum are the ASCII letters and digits.
const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// ResourceIndicator parses v as a resource indicator, which
// [RFC 8707 Section 2] makes "an absolute URI" that "MUST NOT include a
// fragment component", of any scheme ("urn:x" too). A host with a colon
// that is no IPv6 address is no URI host (ColonOnlyInIPv6), though net/url
// reads one in "ws://a:b:/". The provider applies it alike to the
// resources it is configured with and to the resource parameters of
// requests, so a configured resource can always be named.
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func ResourceIndicator(v string) (*url.URL, bool) {
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || strings.Contains(v, "#") || !ColonOnlyInIPv6(u) {
		return nil, false
	}
	return u, true
}

// ColonOnlyInIPv6 reports whether the host of u has a colon only when it
// is an IPv6 address: [RFC 3986 Section 3.2.2], "host = IP-literal /
// IPv4address / reg-name", and only an IP literal holds a colon. A URI
// spelled again from a host with another colon (in brackets, as an IPv6
// address is) would be no URI.
//
// [RFC 3986 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-3.2.2
func ColonOnlyInIPv6(u *url.URL) bool {
	hostname := u.Hostname()
	_, err := netip.ParseAddr(hostname)
	return !strings.Contains(hostname, ":") || err == nil
}

// URICharacters reports whether s holds only the characters a URI may hold
// (uriCharacterSet): no space, no quote, no "<" or ">", no letter outside
// ASCII that is not percent-encoded.
func URICharacters(s string) bool { return strings.Trim(s, uriCharacterSet) == "" }

// PortInRange reports whether the port of u, when it names one, is a TCP
// port a server can listen on: 1 to 65535. url.Parse takes any digits
// ([RFC 3986 Section 3.2.3]: port = *DIGIT), but a TCP port is 16 bits
// ([RFC 9293 Section 3.1]), and port 0 is reserved: no server is reached
// at it.
//
// [RFC 3986 Section 3.2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-3.2.3
// [RFC 9293 Section 3.1]: https://www.rfc-editor.org/rfc/rfc9293#section-3.1
func PortInRange(u *url.URL) bool {
	return u.Port() == "" || ValidPort(u.Port())
}

// ValidPort reports whether port, digits without the ":", is a TCP port
// number from 1 to 65535 (PortInRange).
func ValidPort(port string) bool {
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && n > 0
}

// CheckListenAddr refuses as setting name a listen address that no
// server can listen on: it must be host:port, with a port from 1 to 65535
// (PortInRange) and a host that is an IP address or a host name
// (hostName); the host may be empty, for every interface. An empty
// address, a listener that is off, passes. net.Listen would refuse the
// others too, but only once the program has opened its store, and in a
// message that names no setting.
func CheckListenAddr(name, addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !ValidPort(port) || !(host == "" || hostName(host) || validIP(host)) {
		return fmt.Errorf("config: %s must be host:port with a host name or IP address and a port from 1 to 65535, such as :8080 or 127.0.0.1:8080, got %s", name, Show(addr))
	}
	return nil
}

// validIP reports whether host is an IP address, IPv6 with its zone if any.
func validIP(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

// hostName reports whether host is a host name of [RFC 1123 Section 2.1]:
// labels of letters, digits and hyphens (and "_", which container
// networks' resolvers accept in service names), separated by dots, none
// empty, longer than 63 characters, or starting or ending with a hyphen.
//
// [RFC 1123 Section 2.1]: https://www.rfc-editor.org/rfc/rfc1123#section-2.1
func hostName(host string) bool {
	for label := range strings.SplitSeq(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' || strings.Trim(label, alnum+"-_") != "" {
			return false
		}
	}
	return true
}

// CheckClientIDs refuses two demo clients under one client_id. The
// provider registers the web app (CLIENT_ID), the single-page app
// (spaClientID) and the device (DEVICE_CLIENT_ID) at each start, each one
// replacing any client of its client_id: one of them would silently be
// lost.
func CheckClientIDs(clientID, deviceClientID, spaClientID string) error {
	switch {
	case clientID == deviceClientID:
		return fmt.Errorf("config: CLIENT_ID and DEVICE_CLIENT_ID are both %s: each demo client needs its own client_id", Show(clientID))
	case clientID == spaClientID:
		return fmt.Errorf("config: CLIENT_ID %s is the client_id of the demo single-page app: choose another", Show(clientID))
	case deviceClientID == spaClientID:
		return fmt.Errorf("config: DEVICE_CLIENT_ID %s is the client_id of the demo single-page app: choose another", Show(deviceClientID))
	}
	return nil
}

// Show returns the value of a setting quoted as a message may show it:
// as written, unless it may hold a password. A URL's password (in its
// userinfo) is replaced by "xxxxx" (url.URL.Redacted); any other value
// with an "@" (one that does not parse as a URL, or has no userinfo: no
// scheme, "u:pw@host") is not shown at all, since a password in it could
// not be told apart. Every refusal of a setting that names its value,
// in both programs, shows it through here, whatever the setting (a URL,
// an address, a choice): a URL pasted into the wrong variable keeps its
// password.
func Show(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err == nil && u.User != nil:
		if _, ok := u.User.Password(); ok {
			raw = u.Redacted()
		}
	case strings.Contains(raw, "@"):
		return "a value not shown (it may hold a password)"
	}
	return fmt.Sprintf("%q", raw)
}

// minSessionSecret is the shortest SESSION_SECRET a program accepts: 32
// bytes, as from `openssl rand -base64 32` (44); a letter outside ASCII
// counts for the bytes of its UTF-8 encoding, which is what keys are made
// of. The secret keys the
// cookies that carry sessions; whoever learns it, by guessing a short one
// offline against a cookie, can forge any session.
const minSessionSecret = 32

// CheckSessionSecret refuses a SESSION_SECRET that is set but too short to
// key session cookies, not counting spaces around it (40 spaces are a key
// anyone can guess); an empty one is fine (a random key per start).
func CheckSessionSecret(secret string) error {
	if n := len(strings.TrimSpace(secret)); secret != "" && n < minSessionSecret {
		return fmt.Errorf("config: SESSION_SECRET must be at least %d bytes besides spaces around them (openssl rand -base64 32 makes one), got %d", minSessionSecret, n)
	}
	return nil
}
