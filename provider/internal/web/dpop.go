package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/provider/internal/oauth"
)

// dpopRequest collects what a request presented for DPoP
// ([RFC 9449 Section 4.1]): every DPoP header (header names are
// case-insensitive; Go canonicalizes them), the method, and the target
// URI built from ISSUER, never from the Host header, without the query.
// A request without a DPoP header gets the zero value: there is no proof
// to compare a method and URI with, and most token requests have none.
//
// [RFC 9449 Section 4.1]: https://www.rfc-editor.org/rfc/rfc9449#section-4.1
func (s *Server) dpopRequest(c *gin.Context) oauth.DPoPRequest {
	proofs := c.Request.Header[dpopHeader]
	if len(proofs) == 0 {
		return oauth.DPoPRequest{}
	}
	return oauth.DPoPRequest{
		Proofs: proofs,
		Method: c.Request.Method,
		URI:    s.p.Config.Issuer + c.Request.URL.Path,
	}
}

// dpopHeader is the name "DPoP" as Go stores it, canonicalised once:
// Header.Values("DPoP") would build "Dpop" anew on every request.
var dpopHeader = http.CanonicalHeaderKey("DPoP")

// setDPoPNonce hands the client the nonce for its next DPoP proof, when
// nonces are on and the request used DPoP ([RFC 9449 Section 8.2]).
// "Responses that include the DPoP-Nonce HTTP header should be uncacheable".
//
// [RFC 9449 Section 8.2]: https://www.rfc-editor.org/rfc/rfc9449#section-8.2
func setDPoPNonce(c *gin.Context, nonce string) {
	if nonce != "" {
		c.Header("DPoP-Nonce", nonce)
		setNoStore(c)
	}
}

// dpopChallenge is the DPoP challenge of a resource's 401
// ([RFC 9449 Section 7.1]): the error, when there is one, and "An algs
// parameter SHOULD be included to signal to the client the JWS algorithms
// that are acceptable for the DPoP proof JWT."
//
// [RFC 9449 Section 7.1]: https://www.rfc-editor.org/rfc/rfc9449#section-7.1
func dpopChallenge(err *oauth.Error) string {
	challenge := "DPoP "
	if err != nil {
		challenge += challengeError(err) + ", "
	}
	return challenge + `algs="` + strings.Join(oauth.DPoPSigningAlgs, " ") + `"`
}
