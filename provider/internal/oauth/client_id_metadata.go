package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/oauth-reference/provider/internal/store"
)

// A client ID metadata document ([CIMD Section 3], revision -01 of the
// draft, which the MCP authorization specification of 2025-11-25 tells
// authorization servers they SHOULD support) lets a client that never
// registered use the https URL of a JSON document of its own as its
// client_id. The provider fetches the document (client_id_metadata_fetch.go),
// checks it as it checks a registration, plus the rules below, and keeps the
// client in the store (grants and codes name their client), marked by
// store.Client.MetadataStaleAt: when to fetch the document again.
//
// [CIMD Section 3]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-3

// How long a fetched document is used before it is fetched again:
// [CIMD Section 4.4]: "The authorization server SHOULD respect HTTP cache
// headers [RFC9111] when caching client metadata, but MAY define its own
// upper and/or lower bounds on an acceptable cache lifetime as well." The
// floor keeps a client's every request from costing a fetch; the ceiling
// bounds how long a redirect URI the client removed still works.
//
// [CIMD Section 4.4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.4
const (
	minMetadataDocumentAge = time.Minute
	maxMetadataDocumentAge = 24 * time.Hour
)

// The rules of a client_id that names a client ID metadata document, and of
// the document ([CIMD Section 3], [CIMD Section 4.1], [CIMD Section 4.4],
// [CIMD Section 5], and the MCP profile's
// [MCP Authorization, Implementation Requirements]).
//
// [CIMD Section 3]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-3
// [CIMD Section 4.1]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1
// [CIMD Section 4.4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.4
// [CIMD Section 5]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-5
// [MCP Authorization, Implementation Requirements]: https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#implementation-requirements
var (
	ruleMetadataDocumentsOn      = Rule{"this server fetches client ID metadata documents (CLIENT_ID_METADATA_DOCUMENTS)", "CIMD Section 5"}
	ruleMetadataDocumentURL      = Rule{"a client_id URL is https, with a path, without a fragment, user, password or dot segments", "CIMD Section 3"}
	ruleMetadataDocumentFresh    = Rule{"a stored client ID metadata document is used only within its max-age (1 min to 24 h)", "CIMD Section 4.4"}
	ruleMetadataDocumentJSON     = Rule{"the document is a JSON object of client metadata, in UTF-8", "CIMD Section 4.1"}
	ruleMetadataDocumentClientID = Rule{"the document's client_id is the URL it was fetched from, character for character", "CIMD Section 4.1"}
	ruleMetadataDocumentNoSecret = Rule{"the document uses no shared secret: token_endpoint_auth_method none or private_key_jwt, no client_secret", "CIMD Section 4.1"}
	ruleMetadataDocumentGrants   = Rule{"the document's client uses only grants its user approves: authorization_code, refresh_token", "CIMD Section 4.1"}
	ruleMetadataDocumentName     = Rule{"the document has a client_name, the name the consent page shows", "MCP Authorization, Implementation Requirements"}
)

// isMetadataDocumentURL reports whether a client_id is meant as the URL of
// a client ID metadata document: it starts with "https://", which no
// client_id this provider generates does ([CIMD Section 6.9]: the
// authorization server "SHOULD ensure that the client_id strings it
// generates do not start with https://"), or with "http://", so that
// checkMetadataDocumentURL says what is wrong with it.
//
// [CIMD Section 6.9]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.9
func isMetadataDocumentURL(clientID string) bool {
	scheme, _, ok := strings.Cut(clientID, "://")
	return ok && (strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "http"))
}

// MetadataDocumentHost is the host (and port) of the client_id of a client
// described by its metadata document, "" for any other client: what the
// consent page shows beside the name the document claims
// ([CIMD Section 6.4]: "The authorization server SHOULD display the
// hostname of the client_id on the authorization interface, in addition to
// displaying the fetched client information if any.").
//
// [CIMD Section 6.4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.4
func MetadataDocumentHost(client store.Client) string {
	if !client.FromMetadataDocument() {
		return ""
	}
	u, err := url.Parse(client.ID)
	if err != nil {
		return client.ID
	}
	return u.Host
}

// metadataDocumentClient returns the client whose client_id is the URL of
// its metadata document: the one stored (stored, when its FromMetadataDocument)
// while the document is fresh, else the document fetched again, checked
// and stored (storeMetadataDocumentOnce). [CIMD Section 4.3]: "If fetching
// the metadata document fails, the authorization server SHOULD abort the
// authorization request": a document that cannot be fetched or breaks a
// rule is an invalid_client *Error, and nothing is stored ([CIMD Section 4.4]:
// "The authorization server MUST NOT cache error responses.").
//
// [CIMD Section 4.3]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.3
// [CIMD Section 4.4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.4
func (p *Provider) metadataDocumentClient(ctx context.Context, clientID string, stored store.Client) (store.Client, error) {
	tr := TraceFrom(ctx)
	if err := tr.Require(ruleMetadataDocumentsOn, p.Config.MetadataDocumentsOn(), ErrInvalidClient,
		"client_id is a URL, and this server does not fetch client ID metadata documents"); err != nil {
		return store.Client{}, err
	}
	now := p.Now()
	if stored.FromMetadataDocument() && now.Before(stored.MetadataStaleAt) && (stored.ExpiresAt.IsZero() || now.Before(stored.ExpiresAt)) {
		tr.Check(ruleMetadataDocumentFresh, true)
		return stored, nil
	}
	if err := checkMetadataDocumentURL(tr, clientID); err != nil {
		return store.Client{}, err
	}
	client, err := p.storeMetadataDocumentOnce(ctx, tr, clientID, stored)
	if err != nil {
		return store.Client{}, err
	}
	return client, nil
}

// storeMetadataDocumentOnce is storeMetadataDocument, done once for every
// request that asks for one document at the same time: fifty first
// requests of a new client make one fetch, one admission and one store
// write, so the document counts once against its site
// (admitNewMetadataDocument). The work is not the first request's own: it
// runs detached from that request's cancellation, so a caller that hangs
// up does not end it for the others, and within a time limit of its own,
// a request's (Provider.RequestTimeLimit), inside which the fetch keeps its
// shorter one (metadataDocumentTimeout). It records on a trace of its own,
// which each request adds to its trace, and each request gets its own copy
// of a refusal. stored is the first request's copy of the client, used if
// the store cannot be read.
func (p *Provider) storeMetadataDocumentOnce(ctx context.Context, tr *Trace, clientID string, stored store.Client) (store.Client, *Error) {
	v, _, _ := p.documentFlights.Do(clientID, func() (any, error) {
		shared := &Trace{}
		detached := WithTrace(context.WithoutCancel(ctx), shared) // no caller's hang-up ends it
		ctx, cancel := context.WithTimeout(detached, p.RequestTimeLimit())
		defer cancel()
		client, err := p.storeMetadataDocument(ctx, shared, clientID, stored)
		return storedDocument{client, err, shared}, nil
	})
	result := v.(storedDocument)
	tr.Include(result.trace)
	if result.err != nil {
		refusal := *result.err // each request's own copy of the shared refusal
		return store.Client{}, &refusal
	}
	return result.client, nil
}

// storedDocument is what one shared storeMetadataDocument gives every
// request waiting for it.
type storedDocument struct {
	client store.Client
	err    *Error
	trace  *Trace
}

// storeMetadataDocument fetches the document clientID names, checks it,
// admits it when it is a new client (admitNewMetadataDocument) and stores
// its client until the document is stale, recording each rule on tr.
// stored is the client as the request found it; the store is read again
// after the fetch, and what it holds counts (whether the client was used is
// the store's to say, not a cached copy's; another process may have stored
// the document meanwhile). A client marked used between that read and the
// upsert stays used: store.UpsertClient never gives a used client its
// expiry back.
func (p *Provider) storeMetadataDocument(ctx context.Context, tr *Trace, clientID string, stored store.Client) (store.Client, *Error) {
	doc, err := p.fetchMetadataDocument(ctx, tr, clientID)
	if err != nil {
		return store.Client{}, err
	}
	if current, err := p.Store.GetClient(ctx, clientID); err == nil {
		stored = current
	}
	client, err := p.checkMetadataDocument(tr, clientID, doc.body)
	if err != nil {
		return store.Client{}, err
	}
	now := p.Now()
	if !stored.FromMetadataDocument() {
		if err := p.admitNewMetadataDocument(tr, clientID, now); err != nil {
			return store.Client{}, err
		}
	}
	client.IssuedAt, client.ExpiresAt = now, now.Add(p.Config.RegistrationUnusedTTL)
	if stored.FromMetadataDocument() && stored.ExpiresAt.IsZero() { // used: it no longer expires
		client.IssuedAt, client.ExpiresAt = stored.IssuedAt, time.Time{}
	}
	client.MetadataStaleAt = now.Add(doc.maxAge)
	if err := p.Store.UpsertClient(ctx, client); err != nil {
		return store.Client{}, ServerError(err)
	}
	p.clients.forget(clientID)
	tr.Changed("client ID metadata document fetched; the client stored until the document is stale")
	return client, nil
}

// ruleNewMetadataDocumentsPerSite bounds the clients one site can create.
var ruleNewMetadataDocumentsPerSite = Rule{"a site names at most REGISTRATIONS_PER_HOUR new client ID metadata documents an hour", "RFC 7591 Section 3"}

// admitNewMetadataDocument counts a document that passed every check and is
// not stored yet against its site (documentSite): each such document is a
// new client, as a registration is, so a site gets REGISTRATIONS_PER_HOUR
// of them. Without this, one domain serving valid documents at endless
// paths would add a client row per request. [RFC 7591 Section 3]: "These
// requests MAY be rate-limited or otherwise limited to prevent a
// denial-of-service attack". Only documents that would be stored count: a
// document that cannot be fetched or is refused adds nothing, and counting
// it would let anyone spend a site's budget by naming URLs it never served.
// A document stored before is fetched again at most once per minimum
// max-age, so it is not counted; requests that name one new document at
// the same time share one admission (storeMetadataDocumentOnce), so it
// counts once.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
func (p *Provider) admitNewMetadataDocument(tr *Trace, clientID string, now time.Time) *Error {
	u, _ := url.Parse(clientID) // it passed checkMetadataDocumentURL
	site := documentSite(u.Hostname())
	allowed := p.documentSites.admitName(site, now, p.Config.RegistrationsPerHour) == nil
	return tr.Require(ruleNewMetadataDocumentsPerSite, allowed, ErrTemporarilyUnavailable,
		"too many new client ID metadata documents from "+quote(site)+" this hour; try again later")
}

// documentSite is whom a new document counts against: the registrable
// domain of its host, in lower case (publicsuffix: a.app.example and
// B.App.Example are app.example), or for an IP address its network, an
// IPv4 /24 or an IPv6 /48, since one holder has all of it.
func documentSite(host string) string {
	if addr, err := netip.ParseAddr(host); err == nil {
		bits := 48
		if addr = addr.Unmap(); addr.Is4() {
			bits = 24
		}
		network, _ := addr.Prefix(bits)
		return network.String()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if site, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return site
	}
	return host // a public suffix itself
}

// checkMetadataDocumentURL applies [CIMD Section 3]: "Client identifier
// URLs MUST have an "https" scheme, MUST contain a path component, MUST NOT
// contain single-dot or double-dot path segments, MUST NOT contain a
// fragment component and MUST NOT contain a username or password". The
// scheme is written "https", in lower case: the URL is a client_id, which
// is compared character for character, and "HTTPS://…" would be a second
// client_id for one document. The path must be more than "/" (the root is no document of a client's own).
// A query, which the draft says SHOULD NOT be used, is allowed. The host
// must be written in ASCII letters, digits, dots and hyphens (or be an IP
// address): the consent page shows it as the one thing the user can check
// ([CIMD Section 6.4]), and a host in other letters (a Cyrillic "с" in
// "сlaude.ai") or percent-encoded would show as a lookalike of another
// site while the connection goes to its xn-- form.
//
// [CIMD Section 3]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-3
// [CIMD Section 6.4]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-6.4
func checkMetadataDocumentURL(tr *Trace, clientID string) *Error {
	u, err := url.Parse(clientID)
	why := ""
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		why = "is not an absolute https URL"
	case !strings.HasPrefix(clientID, "https://"):
		why = "must start with https:// in lower case: a client_id is compared character for character"
	case u.User != nil:
		why = "has a user or password"
	case !asciiHost(u.Host):
		why = "has a host not written in ASCII letters, digits, dots and hyphens (an internationalized name goes in its xn-- form)"
	case strings.Contains(clientID, "#"):
		why = "has a fragment"
	case u.Path == "" || u.Path == "/":
		why = "has no path"
	case hasDotSegment(u.EscapedPath()):
		why = "has a . or .. path segment"
	}
	return tr.Require(ruleMetadataDocumentURL, why == "", ErrInvalidClient, "client_id "+quoteURI(clientID)+" "+why)
}

// asciiHost reports whether a URL's host (and port) is written in ASCII
// letters, digits, dots and hyphens, or is a bracketed IPv6 address.
func asciiHost(host string) bool { return alnumOr(host, ".-:[]") }

// hasDotSegment reports whether a path has a "." or ".." segment, written
// plainly or percent-encoded ([RFC 3986 Section 2.3]: "%2E" is ".").
//
// [RFC 3986 Section 2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-2.3
func hasDotSegment(escapedPath string) bool {
	for _, segment := range strings.Split(escapedPath, "/") {
		s := strings.ReplaceAll(strings.ToLower(segment), "%2e", ".")
		if s == "." || s == ".." {
			return true
		}
	}
	return false
}

// metadataDocument holds the members of a client ID metadata document that
// [CIMD Section 4.1] rules on and ClientMetadata leaves out.
//
// [CIMD Section 4.1]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1
type metadataDocument struct {
	ClientID              *string         `json:"client_id"`
	ClientSecret          json.RawMessage `json:"client_secret"`
	ClientSecretExpiresAt json.RawMessage `json:"client_secret_expires_at"`
}

// metadataDocumentGrants are the grant types a document's client may use:
// the ones whose every token a user approved on the consent page. A client
// that anyone on the internet may describe gets no client_credentials grant
// (tokens with no user at all) nor device_code (a code typed on another
// device, far from the address that names the client). [CIMD Section 4.1]:
// "Other specifications MAY place additional restrictions on the contents
// of the client metadata document accepted by authorization servers".
//
// [CIMD Section 4.1]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1
var metadataDocumentGrants = []GrantType{GrantTypeAuthorizationCode, GrantTypeRefreshToken}

// checkMetadataDocument checks a fetched document and returns its client
// (without the times metadataDocumentClient sets):
//
//   - [CIMD Section 4.1]: "The client metadata document MUST contain a
//     client_id property whose value MUST match the URL of the document
//     using simple string comparison";
//   - [CIMD Section 4.1]: "the token_endpoint_auth_method property MUST NOT
//     include client_secret_post, client_secret_basic, client_secret_jwt, or
//     any other method based around a shared symmetric secret" and "the
//     client_secret and client_secret_expires_at properties MUST NOT be
//     used". RFC 7591's default method, client_secret_basic, is one of
//     those, so the document must name its method: none (a public client,
//     PKCE required) or private_key_jwt with its keys inline in jwks;
//   - metadataDocumentGrants;
//   - [MCP Authorization, Implementation Requirements]: "The metadata
//     document MUST include at least the following properties: client_id,
//     client_name, redirect_uris", and authorization servers "MUST validate
//     the document structure is valid JSON and contains required fields".
//     CIMD requires only client_id; a client_name of spaces alone names
//     nothing either;
//   - then every rule of a registration (CheckClientMetadata): redirect URIs
//     required and well formed, known scopes, and so on.
//
// Each refusal is invalid_client, its description prefixed with what was
// refused.
//
// [CIMD Section 4.1]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1
// [MCP Authorization, Implementation Requirements]: https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#implementation-requirements
func (p *Provider) checkMetadataDocument(tr *Trace, clientID string, body []byte) (store.Client, *Error) {
	refuse := func(r Rule, why string) (store.Client, *Error) {
		return store.Client{}, tr.Fail(r, ErrInvalidClient, "the client ID metadata document "+why)
	}
	m, err := parseClientMetadata(body)
	var doc metadataDocument
	if err != nil || unmarshalExact(body, &doc) != nil {
		return refuse(ruleMetadataDocumentJSON, "is not a JSON object of client metadata in UTF-8, each member named once and of its JSON type")
	}
	tr.Check(ruleMetadataDocumentJSON, true)
	if doc.ClientID == nil || *doc.ClientID != clientID {
		return refuse(ruleMetadataDocumentClientID, "must have a client_id equal to its own URL, "+quoteURI(clientID))
	}
	tr.Check(ruleMetadataDocumentClientID, true)
	method := ClientAuthMethod(m.TokenEndpointAuthMethod)
	if doc.ClientSecret != nil || doc.ClientSecretExpiresAt != nil || (method != AuthNone && method != AuthPrivateKeyJWT) {
		return refuse(ruleMetadataDocumentNoSecret, `must name token_endpoint_auth_method 'none' or 'private_key_jwt', and no client_secret`)
	}
	tr.Check(ruleMetadataDocumentNoSecret, true)
	if slices.ContainsFunc(m.GrantTypes, func(g string) bool { return !slices.Contains(metadataDocumentGrants, GrantType(g)) }) {
		return refuse(ruleMetadataDocumentGrants, "may name only the grant types authorization_code and refresh_token")
	}
	tr.Check(ruleMetadataDocumentGrants, true)
	if strings.TrimSpace(m.ClientName) == "" {
		return refuse(ruleMetadataDocumentName, "must have a client_name")
	}
	tr.Check(ruleMetadataDocumentName, true)
	if err := CheckClientMetadata(tr, &m, stringsOf(p.Keys.Algorithms()...)); err != nil {
		return store.Client{}, &Error{Code: ErrInvalidClient, Description: "the client ID metadata document: " + err.Description, rule: err.rule}
	}
	client := registeredClient(m)
	client.ID = clientID
	return client, nil
}

// documentClientError returns the *Error of a failed getClient whose
// client_id names a metadata document that was refused, and false for any
// other failure (and for none: a nil err returns before errors.As, whose
// target would otherwise be allocated on every client authentication).
func documentClientError(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	var refused *Error
	ok := errors.As(err, &refused)
	return refused, ok
}
