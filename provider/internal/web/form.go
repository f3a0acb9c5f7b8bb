package web

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
	"github.com/oauth-reference/provider/service"
)

// ruleFormBody: the client sends its parameters "using the
// "application/x-www-form-urlencoded" format per Appendix B with a
// character encoding of UTF-8 in the HTTP request entity-body"
// ([RFC 6749 Section 4.1.3]). The other grants' requests, the revocation
// request ([RFC 7009 Section 2.1]) and the device authorization request
// ([RFC 8628 Section 3.1]) are sent the same way, and this provider reads
// every POST it takes so, its own login form too. So the rule cites the
// format every one of them shares, [RFC 6749 Appendix B], not the section
// of one endpoint. The body is also within this server's size limit.
//
// [RFC 6749 Section 4.1.3]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
// [RFC 7009 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
// [RFC 6749 Appendix B]: https://www.rfc-editor.org/rfc/rfc6749#appendix-B
var ruleFormBody = oauth.Rule{Text: "the body is an application/x-www-form-urlencoded form in UTF-8, sent without a Content-Encoding, within the size limit and the request's time", Ref: "RFC 6749 Appendix B"}

// The error_description of each form body refused (formRefusal gives a
// page its sentence).
const (
	descNotAForm      = "the body must be application/x-www-form-urlencoded"
	descFormTooLarge  = "the request body is too large"
	descNotAValidForm = "the request body is not a valid form"
	descFormCharset   = "the form must be in UTF-8 (RFC 6749 Appendix B): a Content-Type charset other than utf-8 (or us-ascii, iso-8859-1) is not accepted"
	descFormEncoded   = "the form must be sent as it is: a request with a Content-Encoding is not accepted"
	descBodyTooSlow   = "the request body took longer to arrive than the request may take"
)

// formRefusal is the sentence a page shows, in the reader's language,
// for a form body postForm refused: its error_description is English,
// a protocol value.
func formRefusal(err *oauth.Error) string {
	switch err.Description {
	case descNotAForm:
		return msgNotAForm
	case descFormTooLarge:
		return msgFormTooLarge
	case descBodyTooSlow:
		return msgFormTooSlow
	default:
		return msgFormNotValid
	}
}

// postForm returns the form body of a POST under ruleOneContentType and
// ruleFormBody. Query parameters are not read.
func postForm(c *gin.Context) (url.Values, *oauth.Error) {
	tr := oauth.TraceFrom(c.Request.Context())
	header, err := contentType(c)
	if err != nil {
		return nil, err
	}
	if !isFormContentType(header) && !noContent(c.Request, header) {
		return nil, tr.Fail(ruleFormBody, oauth.ErrInvalidRequest, descNotAForm)
	}
	return formBody(c, ruleFormBody)
}

// noContent reports whether a request came without content, and so
// without a Content-Type ([RFC 9110 Section 8.3]: "A sender that generates
// a message containing content SHOULD generate a Content-Type header field
// in that message"). Its form is the empty one: a device authorization
// request of a client that authenticates with HTTP Basic and asks for its
// default scope has no parameter to send ([RFC 8628 Section 3.1]), and
// `curl -X POST` sends it so.
//
// [RFC 9110 Section 8.3]: https://www.rfc-editor.org/rfc/rfc9110#section-8.3
// [RFC 8628 Section 3.1]: https://www.rfc-editor.org/rfc/rfc8628#section-3.1
func noContent(r *http.Request, contentType string) bool {
	return contentType == "" && r.ContentLength == 0
}

// ruleOneContentType: a body is read as the media type its Content-Type
// header names, so a request names one. Content-Type is no list
// ([RFC 9110 Section 5.3]: "A sender MUST NOT generate multiple field
// lines with the same name in a message [...] unless that field's
// definition allows multiple field line values to be recombined as a
// comma-separated list"; [RFC 9110 Section 8.3] defines it as one
// media-type), and a proxy that reads the other one would read the body
// otherwise than this server does. So a second one is refused,
// invalid_request, as a second Authorization header is
// (oauth.ParseBearerHeader).
//
// [RFC 9110 Section 5.3]: https://www.rfc-editor.org/rfc/rfc9110#section-5.3
// [RFC 9110 Section 8.3]: https://www.rfc-editor.org/rfc/rfc9110#section-8.3
var ruleOneContentType = oauth.Rule{Text: "the request has at most one Content-Type header", Ref: "RFC 9110 Section 5.3"}

// descTwoContentTypes is the error_description of a request that
// ruleOneContentType refuses.
const descTwoContentTypes = "the request has more than one Content-Type header; send one"

// contentType returns the request's Content-Type header, "" for none,
// under ruleOneContentType: every reader of a body (postForm, jsonBody,
// resourceRequest) asks it, not the header.
func contentType(c *gin.Context) (string, *oauth.Error) {
	values := c.Request.Header.Values("Content-Type")
	if len(values) > 1 {
		return "", oauth.TraceFrom(c.Request.Context()).Fail(ruleOneContentType, oauth.ErrInvalidRequest, descTwoContentTypes)
	}
	return c.GetHeader("Content-Type"), nil
}

// formBody reads the form body of a request whose Content-Type names a
// form, under rule: a body in another encoding than the form's
// (formEncodingProblem), beyond the size limit (limitBody), not a valid
// form, or still arriving when the request's time ran out breaks it.
//
// The request's time (service.Deadline) counts from the end of its
// headers, so a client that sends its body slowly spends it: a body that
// comes after it is refused here, as the client's fault, before the
// endpoint asks the store anything with no time left (which would answer
// 503 and log a store that did not answer).
func formBody(c *gin.Context, rule oauth.Rule) (url.Values, *oauth.Error) {
	tr := oauth.TraceFrom(c.Request.Context())
	if problem := formEncodingProblem(c.Request.Header); problem != "" {
		return nil, tr.Fail(rule, oauth.ErrInvalidRequest, problem)
	}
	err := readForm(c.Request)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		refusal := tr.Fail(rule, oauth.ErrInvalidRequest, descFormTooLarge)
		refusal.Cause = tooBig // parStatus reads it
		return nil, refusal
	case bodyTooSlow(c.Request.Context(), err):
		return nil, tr.Fail(rule, oauth.ErrInvalidRequest, descBodyTooSlow)
	case err != nil:
		return nil, tr.Fail(rule, oauth.ErrInvalidRequest, descNotAValidForm)
	}
	tr.Check(rule, true)
	return c.Request.PostForm, nil
}

// bodyTooSlow reports whether a request body, read with err, came after
// the request's time ran out (service.Deadline) or was cut by the
// server's read timeout (service.ReadTimeout). The read timeout ends the
// request's context as a caller hanging up does, so only the read's error
// tells that case.
func bodyTooSlow(ctx context.Context, err error) bool {
	return service.TimedOut(ctx) || errors.Is(err, os.ErrDeadlineExceeded)
}

// formEncodingProblem says why a form body, by its headers, is not in the
// encoding this server reads, or "" when it is. The form's "names and
// values MUST be encoded using the UTF-8 character encoding scheme
// [RFC3629] first" ([RFC 6749 Appendix B]), then percent-encoded,
// so a form's bytes are ASCII. A charset parameter naming an encoding in
// which ASCII reads as ASCII (utf-8, us-ascii, and iso-8859-1, which Apache
// HttpClient 4 puts on every form) changes nothing and is accepted; any
// other (utf-16, whose bytes the form parser would misread) is refused.
// So is any Content-Encoding (gzip, deflate): this
// server decodes none, and would otherwise parse the compressed bytes as
// the form. Both are invalid_request, 400, like every malformed form body
// ([RFC 6749 Section 5.2]: the request "is otherwise malformed"), rather
// than the 415 that [RFC 9110 Section 15.5.16] allows: a client reads the
// error of the endpoint's own JSON error response.
//
// [RFC 6749 Appendix B]: https://www.rfc-editor.org/rfc/rfc6749#appendix-B
// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 9110 Section 15.5.16]: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16
func formEncodingProblem(h http.Header) string {
	if _, encoded := h["Content-Encoding"]; encoded {
		return descFormEncoded
	}
	contentType := h.Get("Content-Type")
	if contentType == formContentType {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if charset, ok := params["charset"]; err == nil && ok && !asciiCharsets[strings.ToLower(charset)] {
		return descFormCharset
	}
	return ""
}

// asciiCharsets are the charset labels under which a form's ASCII bytes
// mean what they say.
var asciiCharsets = map[string]bool{"utf-8": true, "us-ascii": true, "iso-8859-1": true}

// formContentType is the media type of a form body.
const formContentType = "application/x-www-form-urlencoded"

// isFormContentType reports whether a Content-Type names a form body. The
// bare media type, what clients send, is recognised without parsing;
// anything else (parameters, other case) goes through mime.ParseMediaType.
func isFormContentType(header string) bool {
	if header == formContentType {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(header)
	return err == nil && mediaType == formContentType
}

// readForm sets r.PostForm from the body as r.ParseForm does for a form
// body (on a malformed pair, to the well-formed ones), and leaves r.Form for
// ParseForm to fill if anything asks. A second call keeps the form of the
// first. The body goes into a buffer the next request reuses
// (formBuffers); buf.String copies it once into the string parseForm
// splits, so no value points into the buffer. ParseForm instead reads each
// body with io.ReadAll into a new buffer grown several times, then copies
// the form again into r.Form: together the largest allocations of a token
// or introspection request.
func readForm(r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	buf := formBuffers.Get().(*bytes.Buffer)
	defer formBuffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r.Body); err != nil {
		r.PostForm = url.Values{}
		return err
	}
	var err error
	r.PostForm, err = parseForm(buf.String())
	return err
}

// parseForm splits a form body into its parameters, as url.ParseQuery
// does. A body with nothing to decode (no '%' or '+') and no ';' (which
// url.ParseQuery refuses) is only split at '&' and '='. That is most token
// and introspection requests: their values, codes and tokens, are
// base64url. url.ParseQuery would walk every byte of them looking for
// escapes, where this looks for three bytes with a vectorised search: a
// microsecond, 3 % of an introspection. Any other body, or one of more
// than maxSplitPairs pairs (no OAuth request has so many; url.ParseQuery
// has its own limit), goes to url.ParseQuery.
func parseForm(body string) (url.Values, error) {
	if strings.IndexByte(body, '%') >= 0 || strings.IndexByte(body, '+') >= 0 ||
		strings.IndexByte(body, ';') >= 0 || strings.Count(body, "&") >= maxSplitPairs {
		return url.ParseQuery(body)
	}
	form := url.Values{}
	for body != "" {
		var pair string
		pair, body, _ = strings.Cut(body, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		form[name] = append(form[name], value)
	}
	return form, nil
}

// maxSplitPairs bounds the pairs of a body parseForm splits itself.
const maxSplitPairs = 100

// formBuffers holds the buffers readForm reads bodies into. A buffer grows
// to at most maxBodyBytes (limitBody caps every body).
var formBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// queryOrForm returns the parameters of an authorization request: of a GET
// (its query, under ruleQuery) or of a POST (its form body, which must be
// application/x-www-form-urlencoded). The logout endpoint has its own
// (logoutParams).
func queryOrForm(c *gin.Context) (url.Values, *oauth.Error) {
	if c.Request.Method == http.MethodPost {
		return postForm(c)
	}
	return query(c, ruleQuery)
}

// ruleQuery: a GET's parameters are added "to the query component [...]
// using the "application/x-www-form-urlencoded" format"
// ([RFC 6749 Section 4.1.1], [RFC 6749 Appendix B]).
//
// [RFC 6749 Section 4.1.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
// [RFC 6749 Appendix B]: https://www.rfc-editor.org/rfc/rfc6749#appendix-B
var ruleQuery = oauth.Rule{Text: "the query is a valid application/x-www-form-urlencoded form", Ref: "RFC 6749 Section 4.1.1"}

// descNotAValidQuery is the error_description of a query that ruleQuery
// refuses.
const descNotAValidQuery = "the query is not a valid form: a ';' between parameters, or a '%' not followed by two hex digits"

// query returns the parameters of the request's query under rule
// (ruleQuery, or the logout endpoint's ruleLogoutQuery). A pair that does
// not decode breaks the whole query, as it breaks a form body: URL.Query
// would drop that pair alone, and the request would go on without it,
// perhaps without the state the client must get back
// ([RFC 6749 Section 4.1.2]).
//
// [RFC 6749 Section 4.1.2]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
func query(c *gin.Context, rule oauth.Rule) (url.Values, *oauth.Error) {
	tr := oauth.TraceFrom(c.Request.Context())
	params, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return nil, tr.Fail(rule, oauth.ErrInvalidRequest, descNotAValidQuery)
	}
	tr.Check(rule, true)
	return params, nil
}
