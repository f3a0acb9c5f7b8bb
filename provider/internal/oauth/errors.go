package oauth

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oauth-reference/provider/internal/store"
)

// ErrorCode is an error code registered by the OAuth RFCs. Each one is sent
// as the "error" parameter of an error response.
type ErrorCode string

// Error codes of [RFC 6749 Section 4.1.2.1] and [RFC 6749 Section 5.2],
// [RFC 6750 Section 3.1], [RFC 8628 Section 3.5] and [OIDC Core Section 3.1.2.6].
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
// [RFC 8628 Section 3.5]: https://www.rfc-editor.org/rfc/rfc8628#section-3.5
// [OIDC Core Section 3.1.2.6]: https://openid.net/specs/openid-connect-core-1_0.html#AuthError
const (
	ErrInvalidRequest          ErrorCode = "invalid_request"
	ErrInvalidClient           ErrorCode = "invalid_client"
	ErrInvalidGrant            ErrorCode = "invalid_grant"
	ErrUnauthorizedClient      ErrorCode = "unauthorized_client"
	ErrUnsupportedGrantType    ErrorCode = "unsupported_grant_type"
	ErrInvalidScope            ErrorCode = "invalid_scope"
	ErrAccessDenied            ErrorCode = "access_denied"
	ErrUnsupportedResponseType ErrorCode = "unsupported_response_type"
	ErrServerError             ErrorCode = "server_error"
	ErrTemporarilyUnavailable  ErrorCode = "temporarily_unavailable"
	ErrInvalidToken            ErrorCode = "invalid_token"
	ErrInsufficientScope       ErrorCode = "insufficient_scope"
	ErrUnsupportedTokenType    ErrorCode = "unsupported_token_type"
	ErrAuthorizationPending    ErrorCode = "authorization_pending"
	ErrSlowDown                ErrorCode = "slow_down"
	ErrExpiredToken            ErrorCode = "expired_token"
	ErrLoginRequired           ErrorCode = "login_required"
	ErrConsentRequired         ErrorCode = "consent_required"
	ErrRequestNotSupported     ErrorCode = "request_not_supported"
	ErrRequestURINotSupported  ErrorCode = "request_uri_not_supported" // a request_uri to fetch: only the PAR endpoint's are resolved
	ErrInvalidRequestURI       ErrorCode = "invalid_request_uri"       // a PAR request_uri unknown, expired, used or another client's
	// Client registration errors, [RFC 7591 Section 3.2.2].
	//
	// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
	ErrInvalidRedirectURI    ErrorCode = "invalid_redirect_uri"
	ErrInvalidClientMetadata ErrorCode = "invalid_client_metadata"
	// ErrInvalidTarget: "The requested resource is invalid, missing,
	// unknown, or malformed" ([RFC 8707 Section 2]).
	//
	// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
	ErrInvalidTarget ErrorCode = "invalid_target"

	// ErrInvalidDPoPProof: the DPoP proof is invalid ([RFC 9449 Section 5],
	// [RFC 9449 Section 7.1]).
	//
	// [RFC 9449 Section 5]: https://www.rfc-editor.org/rfc/rfc9449#section-5
	// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
	ErrInvalidDPoPProof ErrorCode = "invalid_dpop_proof"
	// ErrUseDPoPNonce: the DPoP proof must carry a nonce the server
	// provided ([RFC 9449 Section 8], [RFC 9449 Section 9]).
	//
	// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
	// [RFC 9449 Section 9]: https://www.rfc-editor.org/rfc/rfc9449#section-9
	ErrUseDPoPNonce ErrorCode = "use_dpop_nonce"
)

// Error is a protocol error. Code and Description go on the wire; Cause is
// for the log only and is never sent to a caller.
type Error struct {
	Code        ErrorCode
	Description string
	Cause       error
	// NoCredentials marks a resource request that carried no access token:
	// "If the request lacks any authentication information (e.g., the
	// client was unaware that authentication is necessary or attempted
	// using an unsupported authentication method), the resource server
	// SHOULD NOT include an error code or other error information"
	// ([RFC 6750 Section 3.1]): web answers it with a bare challenge and
	// no body.
	//
	// [RFC 6750 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
	NoCredentials bool
	// NoScopeHelps marks an insufficient_scope refusal that no scope would
	// lift: a token without a user at a user's resource. Its challenge
	// names no scope: the scope attribute is "the scopes needed to satisfy
	// the current request" ([MCP Authorization, Runtime Insufficient Scope Errors]),
	// and here there are none. A client "MUST treat the scopes provided in
	// the challenge as authoritative for satisfying the current request"
	// ([MCP Authorization, Protected Resource Metadata Discovery Requirements]):
	// named a scope its token already has, it would step up to the same
	// refusal again and again.
	//
	// [MCP Authorization, Runtime Insufficient Scope Errors]: https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#runtime-insufficient-scope-errors
	// [MCP Authorization, Protected Resource Metadata Discovery Requirements]: https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#protected-resource-metadata-discovery-requirements
	NoScopeHelps bool
	// rule is the rule the request broke, when the error says so (Rule.Refuse).
	rule Rule
	// DPoPNonce is a fresh server nonce to send in the DPoP-Nonce header
	// with a use_dpop_nonce error ([RFC 9449 Section 8]).
	//
	// [RFC 9449 Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
	DPoPNonce string
	// RetryAfter, when set, says the request was refused over one of the
	// limits (tooManyRequests) and may be sent again after this long: web
	// answers it 429 with Retry-After.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("oauth: %s: %s: %v", e.Code, e.Description, e.Cause)
	}
	return fmt.Sprintf("oauth: %s: %s", e.Code, e.Description)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// NewError returns a fresh protocol error.
func NewError(code ErrorCode, description string) *Error {
	return &Error{Code: code, Description: description}
}

// withoutCredentials marks err as the answer to a request to a protected
// resource that carried no access token (NoCredentials), so the answer
// names no error code.
func withoutCredentials(err *Error) *Error {
	err.NoCredentials = true
	return err
}

// ServerError wraps an unexpected failure (a store error, say) as
// server_error; the cause is logged by the web layer and never sent. A store
// that cannot be used for now (store.Unavailable: out of reach, read-only,
// its disk full) is temporarily_unavailable
// instead: "The authorization server is currently unable to handle the
// request due to a temporary overloading or maintenance of the server"
// ([RFC 6749 Section 4.1.2.1]); the web layer answers it 503 with
// Retry-After: StoreRetryAfter.
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
func ServerError(cause error) *Error {
	if store.Unavailable(cause) {
		return &Error{Code: ErrTemporarilyUnavailable, Description: "the server cannot use its database right now; try again shortly", Cause: cause}
	}
	return &Error{Code: ErrServerError, Description: "the server could not complete the request", Cause: cause}
}

// StoreRetryAfter is how long a client is asked to wait before sending again
// a request refused because the store could not be reached.
const StoreRetryAfter = 5 * time.Second

// ServerFault reports whether the error is the server's, not the request's:
// server_error, or temporarily_unavailable for a store out of reach.
func (e *Error) ServerFault() bool {
	return e.Code == ErrServerError || (e.Code == ErrTemporarilyUnavailable && e.Cause != nil)
}

// invalidRequest is the most common error; this saves a little noise.
func invalidRequest(format string, args ...any) *Error {
	return NewError(ErrInvalidRequest, fmt.Sprintf(format, args...))
}

// quoteShort quotes a caller-supplied value for an error description:
// whole when it is at most quoteWholeMax bytes (a misspelled scope 'raed',
// grant_type 'password', an unknown client_id 'myclient'), otherwise by its
// first quotePrefixChars characters and its length, as 'JfcW...' (43 bytes).
// A value long enough to be a secret or a token is never repeated: a client
// that sends its secret as client_id, or a refresh token as scope, must not
// find it again in an error_description, an error page or the redirect
// URL the authorization endpoint sends its errors to, where access logs and
// browser history keep it. Values are written as quote writes them.
func quoteShort(s string) string {
	if len(s) <= quoteWholeMax {
		return quote(s)
	}
	end := 0 // after quotePrefixChars characters, which fit in quoteWholeMax bytes
	for range quotePrefixChars {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	return fmt.Sprintf("'%s...' (%d bytes)", quotedText(s[:end]), len(s))
}

// quoteWholeMax is the longest value quoteShort repeats whole, and
// quotePrefixChars how many characters of a longer one it shows. The
// secrets and tokens this server issues are 43 bytes (NewSecret) or JWTs.
// quoteURIMax is the most of a URI quoteURI shows, so a huge input does
// not come back in the answer.
const (
	quoteWholeMax    = 16
	quotePrefixChars = 4
	quoteURIMax      = 40
)

// quoteURI quotes a caller-supplied value that should be a URI (a
// redirect URI, a resource, a client ID metadata document URL), so the
// learner can tell which one was refused: when it starts with a scheme
// followed by ":/" ([RFC 3986 Section 3.1]), as no secret or token does,
// it is quoted up to quoteURIMax bytes, then cut with "..." never inside a
// character. Its user information is never repeated (withoutUserinfo).
// Anything else is quoted by quoteShort.
//
// [RFC 3986 Section 3.1]: https://www.rfc-editor.org/rfc/rfc3986#section-3.1
func quoteURI(s string) string {
	if !startsWithScheme(s) {
		return quoteShort(s)
	}
	s = withoutUserinfo(s)
	end := 0
	for end < len(s) {
		_, size := utf8.DecodeRuneInString(s[end:])
		if end+size > quoteURIMax {
			return "'" + quotedText(s[:end]) + "...'"
		}
		end += size
	}
	return quote(s)
}

// withoutUserinfo returns the URI s with the user information of its
// authority, if it has any, replaced by "xxxxx", as setting.Show masks a
// setting's password: [RFC 3986 Section 3.2.1], "Use of the format
// "user:password" in the userinfo field is deprecated", since the password
// is then in clear text, and an error text must not repeat it. s starts
// with a scheme (uriScheme); its authority follows "//" and ends at the
// first "/", "?" or "#", and its user information at the last "@" there.
//
// [RFC 3986 Section 3.2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1
func withoutUserinfo(s string) string {
	start := len(uriScheme(s)) + len("://")
	if !strings.HasPrefix(s[start-len("//"):], "//") {
		return s
	}
	authority, _, _ := strings.Cut(s[start:], "/")
	authority, _, _ = strings.Cut(authority, "?")
	authority, _, _ = strings.Cut(authority, "#")
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return s
	}
	return s[:start] + "xxxxx" + s[start+at:]
}

// startsWithScheme reports whether s starts with a URI scheme (uriScheme),
// then ":/".
func startsWithScheme(s string) bool {
	scheme := uriScheme(s)
	return scheme != "" && strings.HasPrefix(s[len(scheme):], ":/")
}

// uriScheme returns the scheme s starts with, in lower case, "a letter
// followed by any combination of letters, digits, plus ("+"), period
// ("."), or hyphen ("-")" then ":" ([RFC 3986 Section 3.1]), or "" when
// s starts with none: a relative reference.
//
// [RFC 3986 Section 3.1]: https://www.rfc-editor.org/rfc/rfc3986#section-3.1
func uriScheme(s string) string {
	colon := strings.IndexByte(s, ':')
	if colon < 1 {
		return ""
	}
	for i, c := range []byte(s[:colon]) {
		letter := c|0x20 >= 'a' && c|0x20 <= 'z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-')) {
			return ""
		}
	}
	return strings.ToLower(s[:colon])
}

// quote writes a value in single quotes, whole: an error_description may
// hold no double quote, see DescriptionValue. It is for a value the server
// knows (a registered client's ID, the site of a URL it checked); callers'
// values go through quoteShort or quoteURI.
func quote(s string) string {
	return "'" + quotedText(s) + "'"
}

// quotedText is s with each byte that is not part of a UTF-8 character
// written %XX, as DescriptionValue writes every non-ASCII byte, so the
// description stays text (pages, traces, JSON) and the byte can still be
// told.
func quotedText(s string) string {
	var b strings.Builder
	for i, size := 0, 0; i < len(s); i += size {
		var r rune
		r, size = utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, "%%%02X", s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
	}
	return b.String()
}

// DescriptionValue is description as the error_description parameter
// carries it, in a JSON body, a redirect's query or a WWW-Authenticate
// challenge: "Values for the "error_description" parameter MUST NOT include
// characters outside the set %x20-21 / %x23-5B / %x5D-7E"
// ([RFC 6749 Section 4.1.2.1], [RFC 6749 Section 5.2]). Each byte outside
// that set (a double quote, a backslash, a control character, each byte of
// a non-ASCII character) is written %XX, so the value stays readable and
// the byte can still be told. Pages and traces show Description as it is.
//
// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func DescriptionValue(description string) string {
	var b strings.Builder
	for i := range len(description) {
		if c := description[i]; c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
