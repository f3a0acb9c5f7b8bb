package oauth_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/oauth-reference/provider/internal/oauth"
)

// The code challenge of RFC 7636 Appendix B's example verifier.
func ExampleS256Challenge() {
	fmt.Println(oauth.S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
	// Output: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
}

// With client_secret_basic, the client_id and secret are form-encoded
// before they are joined by ":" and base64-encoded
// (RFC 6749 Section 2.3.1), so a secret may hold ":" and a client_id
// "?". Every endpoint whose client authenticates reads them so; here, the
// token endpoint.
func ExampleParseTokenRequest() {
	// base64("id%3F%3F:s%3Acret") — client_id "id??", secret "s:cret"
	r, err := oauth.ParseTokenRequest(context.Background(), url.Values{"grant_type": {"client_credentials"}}, []string{"Basic aWQlM0YlM0Y6cyUzQWNyZXQ="})
	fmt.Println(r.Client.Method, r.Client.ClientID, r.Client.Secret, err == nil)
	// Output: client_secret_basic id?? s:cret true
}

// Repeated parameters are recorded, not silently collapsed: the
// authorization endpoint then refuses the request (RFC 6749 Section 3.1).
func ExampleParseAuthorizationRequest() {
	q, _ := url.ParseQuery("response_type=code&client_id=app&state=a&state=b")
	r := oauth.ParseAuthorizationRequest(q)
	fmt.Println(r.ClientID, r.Repeated)
	// Output: app [state]
}

// An error_description holds only %x20-21 / %x23-5B / %x5D-7E
// (RFC 6749 Section 5.2): a double quote, a backslash, a control character
// and each byte of a non-ASCII character are written %XX.
func ExampleDescriptionValue() {
	fmt.Println(oauth.DescriptionValue("unknown scope: 'ü'"))
	fmt.Println(oauth.DescriptionValue("a \"quoted\" back\\slash\n"))
	// Output:
	// unknown scope: '%C3%BC'
	// a %22quoted%22 back%5Cslash%0A
}
