package oauth

import (
	"encoding/json"
	"testing"
)

// FuzzParseClientJWKS: a client's JWK Set, once accepted, is kept in a
// form that is accepted again as it is: what the store keeps parses back
// to itself.
func FuzzParseClientJWKS(f *testing.F) {
	f.Add(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	f.Add(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"a"},{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"b"}]}`)
	f.Add(`{"keys":[]}`)
	f.Add(`{"keys":[{"kty":"oct","k":"AAAA"}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		kept, err := parseClientJWKS(json.RawMessage(doc))
		if err != nil {
			return
		}
		if again, err := parseClientJWKS(kept); err != nil || string(again) != string(kept) {
			t.Fatalf("parseClientJWKS(%q) = %s, which parses to %s, %v", doc, kept, again, err)
		}
	})
}
