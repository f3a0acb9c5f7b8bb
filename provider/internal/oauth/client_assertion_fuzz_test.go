package oauth

import (
	"slices"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// FuzzParseClientAssertion: no client_assertion makes the parser panic; what
// it accepts is within the length bound, names a subject, and is signed with
// one of ClientAssertionAlgs (never "none" or HMAC).
func FuzzParseClientAssertion(f *testing.F) {
	f.Add("eyJhbGciOiJFZERTQSIsImtpZCI6ImVkIn0.eyJpc3MiOiJjIiwic3ViIjoiYyJ9.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJjIn0.")
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjIn0.c2ln")
	f.Add("a.b.c.d.e")
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := ParseClientAssertion(raw)
		if err != nil {
			if err.Code != ErrInvalidClient {
				t.Fatalf("got %s, want invalid_client", err.Code)
			}
			return
		}
		alg := jose.SignatureAlgorithm(a.jws.Signatures[0].Header.Algorithm)
		if len(raw) > maxClientAssertionLen || a.Subject == "" || !slices.Contains(ClientAssertionAlgs, alg) {
			t.Fatalf("accepted %q (alg %s, sub %q)", raw, alg, a.Subject)
		}
	})
}
