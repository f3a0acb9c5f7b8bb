package web

import (
	"errors"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// handleRegister handles "POST /oauth/register", the client registration
// endpoint ([RFC 7591 Section 3]): "The client registration endpoint MUST
// accept HTTP POST messages with request parameters encoded in the entity
// body using the "application/json" format." A success is 201 Created. The
// body is read only once RegisterClient has admitted the caller.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
func (s *Server) handleRegister(c *gin.Context) {
	initialToken, ok := s.bearerToken(c)
	if !ok {
		return
	}
	info, regErr := s.p.RegisterClient(c.Request.Context(), oauth.RegistrationRequest{
		InitialAccessToken: initialToken, ClientAddr: clientAddr(c),
		Body: func() ([]byte, *oauth.Error) { return jsonBody(c) }})
	if regErr != nil {
		s.writeRegistrationError(c, regErr)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusCreated, info)
}

// bearerToken returns the registration or initial access token of the
// request's Authorization header, "" without one (oauth.ParseBearerHeader),
// or answers the header's (or the query's) error and reports false.
func (s *Server) bearerToken(c *gin.Context) (string, bool) {
	token, err := oauth.ParseBearerHeader(c.Request.Context(), c.Request.Header.Values("Authorization"), c.Request.URL.RawQuery)
	if err != nil {
		s.writeBearerError(c, err, "")
		return "", false
	}
	return token, true
}

// handleReadClient handles "GET /oauth/register/{client_id}", the read
// request at the client configuration endpoint ([RFC 7592 Section 2.1]).
//
// [RFC 7592 Section 2.1]: https://www.rfc-editor.org/rfc/rfc7592#section-2.1
func (s *Server) handleReadClient(c *gin.Context) {
	token, ok := s.bearerToken(c)
	if !ok {
		return
	}
	info, err := s.p.ReadClient(c.Request.Context(), c.Param("client_id"), token)
	if err != nil {
		s.writeBearerError(c, err, "")
		return
	}
	setNoStore(c)
	c.JSON(http.StatusOK, info)
}

// handleUpdateClient handles "PUT /oauth/register/{client_id}", the
// update request at the client configuration endpoint
// ([RFC 7592 Section 2.2]): the body, the client's whole metadata as JSON,
// is read only once UpdateClient has checked the registration access
// token. A success is 200 with the registration as a read shows it.
//
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
func (s *Server) handleUpdateClient(c *gin.Context) {
	token, ok := s.bearerToken(c)
	if !ok {
		return
	}
	info, err := s.p.UpdateClient(c.Request.Context(), oauth.ClientUpdateRequest{
		ClientID: c.Param("client_id"), RegistrationAccessToken: token,
		Body: func() ([]byte, *oauth.Error) { return jsonBody(c) }})
	if err != nil {
		s.writeRegistrationError(c, err)
		return
	}
	setNoStore(c)
	c.JSON(http.StatusOK, info)
}

// handleDeleteClient handles "DELETE /oauth/register/{client_id}", the
// delete request at the client configuration endpoint ([RFC 7592 Section 2.3]).
//
// [RFC 7592 Section 2.3]: https://www.rfc-editor.org/rfc/rfc7592#section-2.3
func (s *Server) handleDeleteClient(c *gin.Context) {
	token, ok := s.bearerToken(c)
	if !ok {
		return
	}
	if err := s.p.DeleteClient(c.Request.Context(), c.Param("client_id"), token); err != nil {
		s.writeBearerError(c, err, "")
		return
	}
	c.Status(http.StatusNoContent)
}

// writeRegistrationError answers a refused registration or update: 401
// with a Bearer challenge for a missing or wrong initial or registration
// access token, else as writeLimitedError does (429 over the rate limit,
// or the error of [RFC 7591 Section 3.2.2], 400).
//
// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
func (s *Server) writeRegistrationError(c *gin.Context, err *oauth.Error) {
	if err.Code == oauth.ErrInvalidToken {
		s.writeBearerError(c, err, "")
		return
	}
	s.writeLimitedError(c, limitRegistration, errorStatus(err), err)
}

// ruleJSONBody: "The client registration endpoint MUST accept HTTP POST
// messages with request parameters encoded in the entity body using the
// "application/json" format" ([RFC 7591 Section 3]), and the update
// request carries the same document ([RFC 7592 Section 2.2]). The body is
// also sent as it is and within this server's size limit and the
// request's time, as ruleFormBody says of forms. Its refusals are
// invalid_client_metadata: [RFC 7591 Section 3.2.2] defines only that
// code, invalid_redirect_uri and the two of software statements for this
// endpoint, and a body that cannot be read as JSON carries no valid
// metadata.
//
// [RFC 7591 Section 3]: https://www.rfc-editor.org/rfc/rfc7591#section-3
// [RFC 7592 Section 2.2]: https://www.rfc-editor.org/rfc/rfc7592#section-2.2
// [RFC 7591 Section 3.2.2]: https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
var ruleJSONBody = oauth.Rule{Text: "the body is application/json, sent without a Content-Encoding, within the size limit and the request's time", Ref: "RFC 7591 Section 3"}

// jsonBody returns the body of a request that must be application/json,
// under ruleJSONBody: this server decodes no Content-Encoding, as
// formEncodingProblem says of forms. Two Content-Type headers are
// invalid_request (contentType), not invalid_client_metadata: the request
// is malformed before any metadata is read, as with two Authorization
// headers.
func jsonBody(c *gin.Context) ([]byte, *oauth.Error) {
	tr := oauth.TraceFrom(c.Request.Context())
	refuse := func(description string) ([]byte, *oauth.Error) {
		return nil, tr.Fail(ruleJSONBody, oauth.ErrInvalidClientMetadata, description)
	}
	header, refusal := contentType(c)
	if refusal != nil {
		return nil, refusal
	}
	mediaType, _, err := mime.ParseMediaType(header)
	if err != nil || mediaType != "application/json" {
		return refuse("the body must be application/json")
	}
	if _, encoded := c.Request.Header["Content-Encoding"]; encoded {
		return refuse("the body must be sent as it is: a request with a Content-Encoding is not accepted")
	}
	body, err := c.GetRawData()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return refuse(descFormTooLarge)
	case bodyTooSlow(c.Request.Context(), err): // as formBody refuses a form
		return refuse(descBodyTooSlow)
	case err != nil:
		return refuse("the request body could not be read")
	}
	tr.Check(ruleJSONBody, true)
	return body, nil
}
