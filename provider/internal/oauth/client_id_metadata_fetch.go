package oauth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxMetadataDocumentSize bounds a client ID metadata document:
// [CIMD Section 6.6]: "The recommended maximum response size for client
// metadata documents is 5 kilobytes." This server reads it as 5 KiB (5120
// bytes), the unit its rule text names.
//
// [CIMD Section 6.6]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.6
const maxMetadataDocumentSize = 5 * 1024

// metadataDocumentTimeout bounds one fetch of a document, from the dial to
// the last byte: the user waits for it (Provider.MetadataDocumentTimeout
// overrides it in tests).
const metadataDocumentTimeout = 5 * time.Second

// maxMetadataDocumentFetches bounds the documents one process fetches at
// once. A fetch outlives the request that asked for it when its caller
// hangs up (storeMetadataDocumentOnce), so without a bound anyone could
// name new URLs on a slow host and hang up, faster than the fetches end,
// and hold a connection and a goroutine for each: [CIMD Section 6.5] warns
// that the fetch is made on an attacker's behalf. Requests for one
// document share one fetch; a site's new documents are bounded too
// (admitNewMetadataDocument), but only after their fetch.
//
// [CIMD Section 6.5]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.5
const maxMetadataDocumentFetches = 32

// The rules of fetching a client ID metadata document ([CIMD Section 4],
// [CIMD Section 4.3], [CIMD Section 6.5], [CIMD Section 6.6]).
//
// [CIMD Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4
// [CIMD Section 4.3]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.3
// [CIMD Section 6.5]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.5
// [CIMD Section 6.6]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.6
var (
	ruleMetadataDocumentFetches  = Rule{"the server is fetching fewer than 32 client ID metadata documents at once", "CIMD Section 6.5"}
	ruleMetadataDocumentAddress  = Rule{"the document's host is reached at a public address, never a loopback, private, link-local or other special-use one", "CIMD Section 6.5"}
	ruleMetadataDocumentAnswered = Rule{"the document arrives within the time allowed (5 s)", "CIMD Section 4.3"}
	ruleMetadataDocumentOK       = Rule{"the document is served with 200 OK; a redirect is not followed", "CIMD Section 4"}
	ruleMetadataDocumentSize     = Rule{"the document is at most 5 KiB", "CIMD Section 6.6"}
	ruleMetadataDocumentType     = Rule{"the document is served as application/json (or application/…+json)", "CIMD Section 4.1"}
)

// fetchedDocument is a client ID metadata document as fetched: its body,
// and how long it may be used (documentMaxAge).
type fetchedDocument struct {
	body   []byte
	maxAge time.Duration
}

// fetchMetadataDocument fetches, unless maxMetadataDocumentFetches are
// under way, the document a client_id names (its form
// passed checkMetadataDocumentURL): a GET with Accept:
// application/json, within metadataDocumentTimeout, through a transport
// that connects to public addresses only (publicAddress), up to
// maxMetadataDocumentSize. [CIMD Section 4]: "A successful response MUST
// use the 200 OK HTTP status code. The authorization server MUST treat all
// other HTTP status codes as an error response. The authorization server
// MUST NOT automatically follow HTTP redirects when retrieving the client
// registration information."
//
// [CIMD Section 4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4
func (p *Provider) fetchMetadataDocument(ctx context.Context, tr *Trace, clientID string) (fetchedDocument, *Error) {
	fetching := p.documentFetches.Add(1)
	defer p.documentFetches.Add(-1)
	if err := tr.Require(ruleMetadataDocumentFetches, fetching <= maxMetadataDocumentFetches, ErrTemporarilyUnavailable,
		"this server is fetching too many client ID metadata documents at once; try again shortly"); err != nil {
		return fetchedDocument{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(p.MetadataDocumentTimeout, metadataDocumentTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientID, nil)
	if err != nil {
		return fetchedDocument{}, p.fetchFailed(ctx, tr, err)
	}
	req.Header.Set("Accept", "application/json")
	client := &http.Client{Transport: p.documentTransport(), CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Do(req)
	if err != nil {
		return fetchedDocument{}, p.fetchFailed(ctx, tr, err)
	}
	defer resp.Body.Close()
	p.checkedAddress(tr)
	if err := tr.Require(ruleMetadataDocumentOK, resp.StatusCode == http.StatusOK, ErrInvalidClient,
		fmt.Sprintf("the client ID metadata document answered HTTP %d, not 200 OK (redirects are not followed)", resp.StatusCode)); err != nil {
		return fetchedDocument{}, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataDocumentSize+1))
	if err != nil {
		return fetchedDocument{}, p.fetchFailed(ctx, tr, err)
	}
	tr.Check(ruleMetadataDocumentAnswered, true)
	if err := tr.Require(ruleMetadataDocumentSize, len(body) <= maxMetadataDocumentSize, ErrInvalidClient,
		fmt.Sprintf("the client ID metadata document is larger than %d bytes", maxMetadataDocumentSize)); err != nil {
		return fetchedDocument{}, err
	}
	if err := tr.Require(ruleMetadataDocumentType, jsonMediaType(resp.Header.Get("Content-Type")), ErrInvalidClient,
		"the client ID metadata document is not served as application/json"); err != nil {
		return fetchedDocument{}, err
	}
	return fetchedDocument{body: body, maxAge: documentMaxAge(resp.Header)}, nil
}

// fetchFailed is the refusal of a fetch that got no answer: the address
// was not a public one, the time ran out, or the connection failed. The
// cause is logged at info, never sent, and without the URL (withoutURL).
func (p *Provider) fetchFailed(ctx context.Context, tr *Trace, cause error) *Error {
	var err *Error
	switch {
	case errors.Is(cause, errSpecialAddress):
		err = tr.Fail(ruleMetadataDocumentAddress, ErrInvalidClient,
			"the client ID metadata document's host is a loopback, private or other special-use address, which this server never fetches from")
	case errors.Is(cause, context.DeadlineExceeded):
		err = tr.Fail(ruleMetadataDocumentAnswered, ErrInvalidClient, "the client ID metadata document did not arrive in time")
	default:
		err = tr.Fail(ruleMetadataDocumentAnswered, ErrInvalidClient, "the client ID metadata document could not be fetched")
	}
	err.Cause = cause
	p.Log.InfoContext(ctx, "client ID metadata document not fetched", "err", withoutURL(cause))
	return err
}

// withoutURL is cause without the URL an *url.Error quotes: until its
// document is stored, a client_id names no client, and such a value is
// written in no log line (README, "Logs"); its path or query may be a
// secret sent by mistake. What failed (the connection, its address, the
// time) stays.
func withoutURL(cause error) error {
	var urlErr *url.Error
	if errors.As(cause, &urlErr) {
		return urlErr.Err
	}
	return cause
}

// checkedAddress records that the address check passed, when the
// production transport (which makes it) was used.
func (p *Provider) checkedAddress(tr *Trace) {
	if p.MetadataDocumentTransport == nil {
		tr.Check(ruleMetadataDocumentAddress, true)
	}
}

// jsonMediaType reports whether a Content-Type is JSON: [CIMD Section 4.1]:
// "The client metadata document MAY also be served with more specific
// content types as long as the response is JSON and conforms to
// application/<AS-defined>+json."
//
// [CIMD Section 4.1]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1
func jsonMediaType(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	sub, ok := strings.CutPrefix(mediaType, "application/")
	return err == nil && ok && (sub == "json" || strings.HasSuffix(sub, "+json"))
}

// documentMaxAge is how long a fetched document is used: its Cache-Control
// max-age ([RFC 9111 Section 5.2.2.1]) within minMetadataDocumentAge and
// maxMetadataDocumentAge. Without a max-age, or with no-store or no-cache,
// it is the minimum: the document is fetched again soon, but not on each of
// the client's requests. A max-age too great for an int64 is the maximum
// ([RFC 9111 Section 1.2.2]: "If a cache receives a delta-seconds value
// greater than the greatest integer it can represent ... the cache MUST
// consider the value to be 2147483648 (2^31) or the greatest positive
// integer it can conveniently represent"); ParseInt then gives the
// greatest int64 with ErrRange.
//
// [RFC 9111 Section 1.2.2]: https://www.rfc-editor.org/rfc/rfc9111#section-1.2.2
// [RFC 9111 Section 5.2.2.1]: https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
func documentMaxAge(header http.Header) time.Duration {
	age := minMetadataDocumentAge
	for _, directive := range strings.Split(strings.Join(header.Values("Cache-Control"), ","), ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return minMetadataDocumentAge
		case "max-age":
			seconds, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
			if (err == nil || errors.Is(err, strconv.ErrRange)) && seconds >= 0 {
				age = time.Duration(min(seconds, int64(maxMetadataDocumentAge/time.Second))) * time.Second
			}
		}
	}
	return min(max(age, minMetadataDocumentAge), maxMetadataDocumentAge)
}

// errSpecialAddress is the dialer's refusal of an address that is not a
// public one.
var errSpecialAddress = errors.New("oauth: not a public address")

// documentTransport is the transport documents are fetched with: the
// test's, if set, else one that connects to public addresses only.
func (p *Provider) documentTransport() http.RoundTripper {
	if p.MetadataDocumentTransport != nil {
		return p.MetadataDocumentTransport
	}
	p.publicTransportOnce.Do(func() { p.publicTransport = newPublicTransport() })
	return p.publicTransport
}

// newPublicTransport returns a transport whose dialer checks each address
// it is about to connect to, after the name was resolved (dialPublicOnly):
// a name that resolves to a private address, or to a public one for the
// check and a private one for the connection, never reaches it. It uses no
// proxy (the proxy would dial the document's host, past the check).
func newPublicTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: metadataDocumentTimeout, Control: dialPublicOnly}
	return &http.Transport{
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    metadataDocumentTimeout,
		MaxResponseHeaderBytes: 16 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		ForceAttemptHTTP2:      true,
	}
}

// dialPublicOnly is the document dialer's Control: it refuses to connect
// to an address that is not public (publicAddress). [CIMD Section 6.5]:
// "Authorization servers MUST validate that the Client ID Metadata Document
// URL does not resolve to special-use IP addresses as defined in
// [RFC6890]".
//
// [CIMD Section 6.5]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.5
func dialPublicOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !publicAddress(ap.Addr()) {
		return fmt.Errorf("%w: %s", errSpecialAddress, address)
	}
	return nil
}

// specialPurpose are the special-purpose blocks of [RFC 6890 Section 2.2] (and of the
// IANA registries it set up, [IANA IPv4 Special-Purpose Address Registry]
// and [IANA IPv6 Special-Purpose Address Registry], which later RFCs add
// to) that publicAddress does not already leave out through netip's
// predicates or globalUnicastIPv6. A few smaller blocks inside listed ones
// are marked globally reachable (anycast services such as 192.0.0.9/32);
// they are left out with the block around them: no client serves its
// document there.
//
// [RFC 6890 Section 2.2]: https://www.rfc-editor.org/rfc/rfc6890#section-2.2
// [IANA IPv4 Special-Purpose Address Registry]: https://www.iana.org/assignments/iana-ipv4-special-registry/
// [IANA IPv6 Special-Purpose Address Registry]: https://www.iana.org/assignments/iana-ipv6-special-registry/
var specialPurpose = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),    // IPv4/IPv6 translation: reaches IPv4 addresses
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use IPv4/IPv6 translation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo among them)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("3fff::/20"),       // documentation (RFC 9637)
}

// globalUnicastIPv6 is the block IANA allocates global unicast IPv6
// addresses from; every other IPv6 address is special or unallocated.
var globalUnicastIPv6 = netip.MustParsePrefix("2000::/3")

// publicAddress reports whether a document may be fetched from addr: a
// global unicast address, not private (RFC 1918, IPv6 unique local), and
// in no specialPurpose block. Loopback, link-local, multicast and the
// unspecified address are not global unicast; an IPv4-mapped IPv6 address
// is judged as its IPv4 address.
func publicAddress(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() || (addr.Is6() && !globalUnicastIPv6.Contains(addr)) {
		return false
	}
	for _, block := range specialPurpose {
		if block.Contains(addr) {
			return false
		}
	}
	return true
}
