package oauth

import "testing"

// TestSecretMatches: secretMatches accepts exactly the secret whose
// HashSecret is stored, whatever its length.
func TestSecretMatches(t *testing.T) {
	for _, secret := range []string{"", "s", NewSecret(), NewSecret() + NewSecret() + ":%é"} {
		stored := HashSecret(secret)
		if !secretMatches(secret, stored) {
			t.Errorf("secretMatches(%q, HashSecret(%[1]q)) = false", secret)
		}
		if secretMatches(secret+"x", stored) || secretMatches(secret, stored[:len(stored)-1]) || secretMatches(secret, stored+"A") {
			t.Errorf("secretMatches accepts a secret or hash other than %q's", secret)
		}
	}
}
