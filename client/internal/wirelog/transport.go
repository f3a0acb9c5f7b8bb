package wirelog

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/oauth-reference/client/internal/tokenview"
)

// maxCapture is how much of a body is read for the log. A longer JSON or
// form body cannot be parsed, so it is not shown at all (see maskBody).
const maxCapture = 64 << 10

// Transport is an http.RoundTripper that records each exchange, masked, into
// the Log of the request's context, or into Log when the context carries
// none. Bodies reach the caller and the server unchanged.
type Transport struct {
	Base http.RoundTripper // nil means http.DefaultTransport
	Log  *Log              // fallback log; nil records only requests whose context carries one
	Now  func() time.Time  // nil means time.Now
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	log := FromContext(req.Context())
	if log == nil {
		log = t.Log
	}
	if log == nil || isUnrecorded(req.Context()) {
		return t.base().RoundTrip(req)
	}
	start := t.now()
	reqBody, req, err := captureRequestBody(req)
	if err != nil {
		return nil, err
	}
	e := Exchange{
		Time:          start,
		Method:        req.Method,
		URL:           MaskURL(req.URL),
		RequestHeader: pickHeaders(req.Header, "Authorization", "DPoP", "Content-Type", "Accept"),
		DPoPProof:     decodeJWT(req.Header.Get("DPoP")),
		RequestBody:   maskBody(req.Header.Get("Content-Type"), reqBody),
	}
	e.ClientAssertion = decodeJWT(formValue(req.Header.Get("Content-Type"), reqBody, "client_assertion"))
	resp, err := t.base().RoundTrip(req)
	e.Duration = t.now().Sub(start)
	if err != nil {
		e.Err = err.Error()
		log.Add(e)
		return nil, err
	}
	e.Status = resp.StatusCode
	e.ResponseHeader = pickHeaders(resp.Header, "Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate", "DPoP-Nonce", "X-Request-Id")
	e.RequestID = Shorten(resp.Header.Get("X-Request-Id")) // kept with the hop, as the headers are
	e.ResponseBody = maskBody(resp.Header.Get("Content-Type"), captureResponseBody(resp))
	log.Add(e)
	return resp, nil
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func (t *Transport) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// captureRequestBody returns the request body and a request to send. A
// RoundTripper must not modify its request, so the body is read from a
// GetBody copy when there is one, and otherwise from a clone.
func captureRequestBody(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		defer body.Close()
		b, err := io.ReadAll(io.LimitReader(body, maxCapture+1))
		return b, req, err
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, maxCapture+1))
	if err != nil {
		return nil, nil, err
	}
	clone := req.Clone(req.Context())
	clone.Body = readCloser{io.MultiReader(bytes.NewReader(b), req.Body), req.Body}
	return b, clone, nil
}

// captureResponseBody reads the start of the response body for the log and
// puts it back in front of the rest, so the caller reads the whole body.
func captureResponseBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxCapture+1))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	return b
}

// readCloser joins a Reader to the Closer of the original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// pickHeaders copies the named headers that are present, masking
// Authorization and DPoP and shortening the others (Shorten): a response's
// headers, WWW-Authenticate among them, hold whatever answered.
func pickHeaders(h http.Header, names ...string) map[string]string {
	out := map[string]string{}
	for _, name := range names {
		if v := h.Get(name); v != "" {
			switch name {
			case "Authorization":
				v = maskAuthorization(v)
			case "DPoP":
				v = tokenview.Mask(v) + " (decoded below)"
			default:
				v = Shorten(v)
			}
			out[name] = v
		}
	}
	return out
}
