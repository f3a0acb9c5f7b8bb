package oauth

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestParseClientAssertionNamesClientSecretJWT: an assertion signed with
// HMAC is client_secret_jwt, which the server does not offer, and is told
// so; other unparsable assertions keep the general description.
func TestParseClientAssertionNamesClientSecretJWT(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	jwt := func(alg string) string {
		return b64([]byte(`{"alg":"`+alg+`","typ":"JWT"}`)) + "." + b64([]byte(`{"sub":"c"}`)) + "." + b64([]byte("sig"))
	}
	for raw, want := range map[string]string{
		jwt("HS256"):    "client_assertion: signed with HS256, a MAC with the client secret (client_secret_jwt)",
		jwt("HS512"):    "client_assertion: signed with HS512, a MAC",
		jwt("HS256xxx"): "client_assertion: not a JWS compact JWT signed with one of",
		jwt("none"):     "client_assertion: not a JWS compact JWT signed with one of",
		"not.a.jwt":     "client_assertion: not a JWS compact JWT signed with one of",
	} {
		_, err := ParseClientAssertion(raw)
		if err == nil || err.Code != ErrInvalidClient || !strings.HasPrefix(err.Description, want) {
			t.Errorf("ParseClientAssertion(%.40q): got %v, want invalid_client starting %q", raw, err, want)
		}
	}
}
