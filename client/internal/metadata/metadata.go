// Package metadata fetches the provider's authorization server metadata,
// [RFC 8414], and turns it into the client's configuration: the endpoints
// the client calls are never hard-coded.
//
// [RFC 8414]: https://www.rfc-editor.org/rfc/rfc8414
package metadata

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/setting"
)

// WellKnownPath is the well-known URI suffix of [RFC 8414 Section 3].
//
// [RFC 8414 Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
const WellKnownPath = "/.well-known/oauth-authorization-server"

// Metadata is the part of the metadata of [RFC 8414 Section 2] (and of
// [OIDC Discovery Section 3]: userinfo_endpoint) the client uses.
//
// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
// [OIDC Discovery Section 3]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
type Metadata struct {
	Issuer                      string `json:"issuer"`
	AuthorizationEndpoint       string `json:"authorization_endpoint"`
	TokenEndpoint               string `json:"token_endpoint"`
	RevocationEndpoint          string `json:"revocation_endpoint"`
	IntrospectionEndpoint       string `json:"introspection_endpoint"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	UserinfoEndpoint            string `json:"userinfo_endpoint"`
	JWKSURI                     string `json:"jwks_uri"`
	EndSessionEndpoint          string `json:"end_session_endpoint"` // OIDC RP-Initiated Logout Section 2.1
	// PushedAuthorizationRequestEndpoint is where the client may push an
	// authorization request before sending the browser ([RFC 9126 Section 5]).
	//
	// [RFC 9126 Section 5]: https://www.rfc-editor.org/rfc/rfc9126#section-5
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint"`
	// RegistrationEndpoint is where a client registers itself
	// ([RFC 7591 Section 3]).
	//
	// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	// AuthorizationResponseIssParameterSupported is the flag of
	// [RFC 9207 Section 3]: when true, an authorization response without
	// "iss" is rejected.
	//
	// [RFC 9207 Section 3]: https://www.rfc-editor.org/rfc/rfc9207#section-3
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
	// ClientIDMetadataDocumentSupported says the server takes the URL of a
	// client ID metadata document as client_id, so that a client need not
	// register ([CIMD Section 5], which the Model Context Protocol's
	// authorization, 2025-11-25, adopts).
	//
	// [CIMD Section 5]: https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-5
	ClientIDMetadataDocumentSupported bool `json:"client_id_metadata_document_supported"`
}

// WellKnownURL returns where the metadata of the authorization server at
// base lives. [RFC 8414 Section 3.1]: the well-known suffix goes between the
// host and any path component of the issuer. A base that is no issuer
// identifier is refused first (setting.CheckIssuer): [RFC 8414 Section 2]
// makes the issuer "a URL that uses the "https" scheme and has no query or
// fragment components"; a URL without a host has nowhere to put the suffix.
// The refusal names base as the authorization server's address: Fetch
// passes the issuer's back-channel address (AUTH_SERVER_INTERNAL for the
// client's own provider), or the authorization server a resource named.
//
// [RFC 8414 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8414#section-3.1
// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
func WellKnownURL(base string) (string, error) {
	if err := setting.CheckIssuer("the authorization server's address", base); err != nil {
		return "", fmt.Errorf("metadata: no well-known URL: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("metadata: %w", err)
	}
	u.Path = WellKnownPath + strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// Fetch gets the metadata of issuer once, from base (the issuer itself, or
// its back-channel address), and checks it.
func Fetch(ctx context.Context, client *http.Client, issuer, base string) (Metadata, error) {
	wellKnown, err := WellKnownURL(base)
	if err != nil {
		return Metadata{}, permanent{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, wellKnown, nil)
	if err != nil {
		return Metadata{}, permanent{err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Metadata{}, fmt.Errorf("metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Metadata{}, fmt.Errorf("metadata: GET %s: %s", wellKnown, resp.Status)
	}
	var m Metadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&m); err != nil {
		return Metadata{}, fmt.Errorf("metadata: GET %s: %w", wellKnown, err)
	}
	return m, m.check(issuer)
}

// check applies [RFC 8414 Section 3.3]: "The "issuer" value returned MUST
// be identical to the authorization server's issuer identifier value into
// which the well-known URI string was inserted to create the URL used to
// retrieve the metadata. If these values are not identical, the data
// contained in the response MUST NOT be used." Identical means the same
// string: "http://localhost:8080/" is not "http://localhost:8080".
//
// [RFC 8414 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8414#section-3.3
func (m Metadata) check(issuer string) error {
	if m.Issuer != issuer {
		return permanent{&IssuerMismatch{Trusted: issuer, Metadata: m.Issuer}}
	}
	if m.AuthorizationEndpoint == "" || m.TokenEndpoint == "" {
		return permanent{errors.New("metadata: authorization_endpoint or token_endpoint missing")}
	}
	return nil
}

// IssuerMismatch is the error of metadata whose "issuer" is not the issuer
// the client trusts: [RFC 8414 Section 3.3] forbids using it.
//
// [RFC 8414 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8414#section-3.3
type IssuerMismatch struct {
	Trusted  string // the issuer the client trusts (AUTH_SERVER), as written
	Metadata string // the metadata's "issuer"
}

// Error names both issuers and the rule.
func (e *IssuerMismatch) Error() string {
	return fmt.Sprintf("metadata: issuer is %q, not %q (AUTH_SERVER): refusing to use it, the two must be identical (RFC 8414 Section 3.3)", e.Metadata, e.Trusted)
}

// OnlySlash reports whether the two issuers differ only by a trailing "/",
// the likeliest slip when AUTH_SERVER is typed by hand.
func (e *IssuerMismatch) OnlySlash() bool {
	return e.Trusted+"/" == e.Metadata || e.Metadata+"/" == e.Trusted
}

// BackChannel returns a copy of m whose server-to-server endpoints (token,
// revocation, introspection, device authorization, userinfo, JWKS, PAR,
// registration) lie under internal instead of public, the issuer. The
// authorization endpoint is left as it is: the browser, not the client, goes
// there. This is what lets the client run inside docker compose, where the
// provider is "http://provider:8080" to the client and
// "http://localhost:8080" to the browser.
func (m Metadata) BackChannel(public, internal string) Metadata {
	if internal == "" || internal == public {
		return m
	}
	for _, ep := range []*string{
		&m.TokenEndpoint, &m.RevocationEndpoint, &m.IntrospectionEndpoint,
		&m.DeviceAuthorizationEndpoint, &m.UserinfoEndpoint, &m.JWKSURI,
		&m.PushedAuthorizationRequestEndpoint, &m.RegistrationEndpoint,
	} {
		*ep = Rebase(*ep, public, internal)
	}
	return m
}

// Rebase returns endpoint moved from under the base URL from to under to,
// its query kept, or endpoint itself when it does not lie under from. A
// trailing "/" of either base is not part of the path joined.
func Rebase(endpoint, from, to string) string {
	rest, ok := strings.CutPrefix(endpoint, strings.TrimSuffix(from, "/"))
	if !ok || (rest != "" && rest[0] != '/' && rest[0] != '?') {
		return endpoint
	}
	return strings.TrimSuffix(to, "/") + rest
}

// Endpoint returns the endpoints for golang.org/x/oauth2, with the client
// authentication method chosen from the metadata: [RFC 8414 Section 2] says
// of token_endpoint_auth_methods_supported "If omitted, the default is
// "client_secret_basic"", and [RFC 6749 Section 2.3.1] makes Basic the one
// every server MUST support. The style is set explicitly: auto-detection
// would retry a failed request the other way and hide a broken path.
//
// [RFC 8414 Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
// [RFC 6749 Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
func (m Metadata) Endpoint() oauth2.Endpoint {
	style := oauth2.AuthStyleInHeader
	methods := m.TokenEndpointAuthMethodsSupported
	if len(methods) > 0 && !slices.Contains(methods, "client_secret_basic") && slices.Contains(methods, "client_secret_post") {
		style = oauth2.AuthStyleInParams
	}
	return oauth2.Endpoint{
		AuthURL:       m.AuthorizationEndpoint,
		TokenURL:      m.TokenEndpoint,
		DeviceAuthURL: m.DeviceAuthorizationEndpoint,
		AuthStyle:     style,
	}
}

// Retry says how Discover retries.
type Retry struct {
	Initial  time.Duration // first wait; default 500ms
	Max      time.Duration // longest wait; default 15s
	Attempts int           // give up after this many; 0 means until ctx is done
	// Log is told about each failed attempt and the wait before the next
	// (0 when there is none).
	Log func(attempt int, err error, wait time.Duration)
}

// Discover fetches the metadata like Fetch, retrying with exponential
// backoff while the provider does not answer (it may still be starting). A
// metadata document that answers but cannot be used (wrong issuer) is not
// retried.
func Discover(ctx context.Context, client *http.Client, issuer, base string, r Retry) (Metadata, error) {
	wait := cmp.Or(r.Initial, 500*time.Millisecond)
	for attempt := 1; ; attempt++ {
		m, err := Fetch(ctx, client, issuer, base)
		if err == nil {
			return m, nil
		}
		var p permanent
		if errors.As(err, &p) || (r.Attempts > 0 && attempt >= r.Attempts) || ctx.Err() != nil {
			r.log(attempt, err, 0)
			return Metadata{}, err
		}
		r.log(attempt, err, wait)
		select {
		case <-ctx.Done():
			return Metadata{}, fmt.Errorf("metadata: gave up waiting for the provider: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, cmp.Or(r.Max, 15*time.Second))
	}
}

func (r Retry) log(attempt int, err error, wait time.Duration) {
	if r.Log != nil {
		r.Log(attempt, err, wait)
	}
}

// permanent marks an error that retrying cannot fix.
type permanent struct{ error }

// Unwrap returns the error retrying cannot fix.
func (p permanent) Unwrap() error { return p.error }
