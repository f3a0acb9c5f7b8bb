package oauth

import (
	"net"
	"net/url"
	"strings"
)

// URI normalization ([RFC 3986 Section 6.2.2], [RFC 3986 Section 6.2.3]):
// two spellings of one URI compare equal once normalized. A DPoP proof's
// htu is compared with the request's URI so (normalizeHTU, dpop.go), and a
// resource parameter with the resources this server knows
// (normalizedResource, resource.go).
//
// [RFC 3986 Section 6.2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2
// [RFC 3986 Section 6.2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3

// normalizedSchemeHost is the scheme and host of u in the spelling
// [RFC 3986 Section 6.2.2.1] and [RFC 3986 Section 6.2.3] make equivalent:
// in lower case, without the scheme's default port, an IPv6 address in
// brackets. normalizeHTU and normalizedResource both compare URIs by it.
//
// [RFC 3986 Section 6.2.2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2.1
// [RFC 3986 Section 6.2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3
func normalizedSchemeHost(u *url.URL) (scheme, host string) {
	scheme, host = strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		return scheme, net.JoinHostPort(host, port) // brackets an IPv6 address
	}
	if strings.Contains(host, ":") {
		return scheme, "[" + host + "]"
	}
	return scheme, host
}

// normalizePercentEncoding applies [RFC 3986 Section 6.2.2.1] and
// [RFC 3986 Section 6.2.2.2] to an escaped path that url.Parse accepted (so
// every "%" starts a valid escape): "percent-encoded octets that correspond
// to unreserved characters … should be decoded", and the others are written
// with uppercase hex digits. A reserved character stays encoded: "%2F" is not
// "/". A path without "%", the usual one, is returned as it is.
//
// [RFC 3986 Section 6.2.2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2.1
// [RFC 3986 Section 6.2.2.2]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2.2
func normalizePercentEncoding(path string) string {
	if !strings.Contains(path, "%") {
		return path
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if path[i] != '%' {
			b.WriteByte(path[i])
			continue
		}
		c := unhex(path[i+1])<<4 | unhex(path[i+2])
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString(strings.ToUpper(path[i : i+3]))
		}
		i += 2
	}
	return b.String()
}

// unhex is the value of a hex digit that url.Parse accepted.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// removeDotSegments removes the "." and ".." segments of an absolute path,
// as [RFC 3986 Section 6.2.2.3] asks and with the result of the algorithm of
// [RFC 3986 Section 5.2.4]: "/a/./b/../c" is "/a/c", and a path ending in a
// dot segment keeps its final "/". A path without dot segments, the usual
// one, is returned as it is.
//
// [RFC 3986 Section 6.2.2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2.3
// [RFC 3986 Section 5.2.4]: https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4
func removeDotSegments(path string) string {
	if !strings.Contains(path, "/.") {
		return path // no segment can be "." or ".."
	}
	segments := strings.Split(path, "/")
	kept := make([]string, 1, len(segments)+1) // kept[0] is "", before the leading "/"
	for i, s := range segments[1:] {
		dot := s == "." || s == ".."
		if s == ".." && len(kept) > 1 {
			kept = kept[:len(kept)-1]
		}
		if !dot {
			kept = append(kept, s)
		} else if i == len(segments)-2 {
			kept = append(kept, "") // "/a/b/.." is "/a/"
		}
	}
	return strings.Join(kept, "/")
}
