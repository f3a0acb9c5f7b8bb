package web

import (
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// FuzzKeyCount: keyCount, which bounds the provider's JWK Set, never
// counts fewer keys than go-jose (which go-oidc uses) reads from the same
// document.
func FuzzKeyCount(f *testing.F) {
	f.Add(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	f.Add(`{"keys":[],"KEYS":[{}]}`)
	f.Add(`{"Keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var set jose.JSONWebKeySet
		if json.Unmarshal([]byte(body), &set) != nil {
			return
		}
		if n := keyCount([]byte(body)); n < len(set.Keys) {
			t.Fatalf("keyCount(%q) = %d, go-jose reads %d keys", body, n, len(set.Keys))
		}
	})
}
