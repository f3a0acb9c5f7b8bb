package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// ruleFormBody: the parameters travel "using the
// "application/x-www-form-urlencoded" format" ([RFC 6749 Section 3.2]); the
// body is also within this server's size limit.
//
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
var ruleFormBody = oauth.Rule{Text: "the body is an application/x-www-form-urlencoded form, within the size limit", Ref: "RFC 6749 Section 3.2"}

// postForm returns the form body of a POST under ruleFormBody. Query
// parameters are not read.
func postForm(c *gin.Context) (url.Values, *oauth.Error) {
	tr := oauth.TraceFrom(c.Request.Context())
	mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mediaType != "application/x-www-form-urlencoded" {
		return nil, tr.Fail(ruleFormBody, oauth.ErrInvalidRequest, "the body must be application/x-www-form-urlencoded")
	}
	if err := c.Request.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tr.Fail(ruleFormBody, oauth.ErrInvalidRequest, "the request body is too large")
		}
		return nil, tr.Fail(ruleFormBody, oauth.ErrInvalidRequest, "the request body is not a valid form")
	}
	tr.Check(ruleFormBody, true)
	return c.Request.PostForm, nil
}

// queryOrForm returns the parameters of a GET (its query) or of a POST (its
// form body, which must be application/x-www-form-urlencoded).
func queryOrForm(c *gin.Context) (url.Values, *oauth.Error) {
	if c.Request.Method == http.MethodPost {
		return postForm(c)
	}
	return c.Request.URL.Query(), nil
}
