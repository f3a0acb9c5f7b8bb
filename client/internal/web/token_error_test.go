package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestTokenErrorCausesFitTheGrant: the likely causes a failed token request
// lists are those of its grant: a refused code exchange names the code's
// causes, a refused refresh the refresh token's ([RFC 6749 Section 10.4]).
//
// [RFC 6749 Section 10.4]: https://www.rfc-editor.org/rfc/rfc6749#section-10.4
func TestTokenErrorCausesFitTheGrant(t *testing.T) {
	refused := &oauth2.RetrieveError{Response: &http.Response{StatusCode: http.StatusBadRequest}, ErrorCode: "invalid_grant"}
	tests := []struct {
		grant     grantType
		want, not string
	}{
		{codeGrant, "code_verifier", "refresh token"},
		{refreshGrant, "The refresh token was used already", "code_verifier"},
	}
	for _, tt := range tests {
		var pe *pageError
		if !errors.As(tokenRequestError("failed", tt.grant, refused), &pe) {
			t.Fatalf("%s: not a *pageError", tt.grant)
		}
		causes := strings.Join(pe.view.Causes, "\n")
		if !strings.Contains(causes, tt.want) || strings.Contains(causes, tt.not) {
			t.Errorf("%s: causes\n%s\nwant %q and not %q", tt.grant, causes, tt.want, tt.not)
		}
	}
}

// TestTokenErrorShownShortened: what a token response put in its error
// (its description, or the whole body of an unusable answer, up to the
// 1 MiB the client reads) is shown cut to 1 KB, as every value from the
// provider that a page shows.
func TestTokenErrorShownShortened(t *testing.T) {
	long := strings.Repeat("x", 512<<10)
	refused := &oauth2.RetrieveError{Response: &http.Response{StatusCode: http.StatusBadRequest}, ErrorCode: "invalid_grant", ErrorDescription: long}
	unusable := &oauth2.RetrieveError{Response: &http.Response{StatusCode: http.StatusInternalServerError}, Body: []byte(long)}
	for name, err := range map[string]error{"refused": refused, "unusable": unusable} {
		var pe *pageError
		if !errors.As(tokenRequestError("failed", codeGrant, err), &pe) {
			t.Fatalf("%s: not a *pageError", name)
		}
		if shown := len(pe.view.Description) + len(pe.view.Detail); shown > 2<<10 {
			t.Errorf("%s: the page shows %d bytes of the provider's answer, want at most 1 KB each", name, shown)
		}
	}
}
