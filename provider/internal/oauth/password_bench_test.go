package oauth

import (
	"fmt"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/oauth-reference/provider/internal/config"
)

// owaspArgon2id are the OWASP Password Storage Cheat Sheet's five equally
// strong minimum Argon2id configurations (memory in KiB, passes); the
// provider's default is the one that costs the least (password.go).
var owaspArgon2id = []struct{ memoryKiB, time int }{{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}}

// BenchmarkPasswordVerify is one sign-in's password check with each of
// OWASP's minimum Argon2id configurations, beside bcrypt at cost 12, the
// hash Argon2id replaces, measured in the same run.
func BenchmarkPasswordVerify(b *testing.B) {
	const password = "correct horse battery staple"
	hashes := map[string]string{}
	for _, o := range owaspArgon2id {
		cfg := config.Default()
		cfg.PasswordHashMemoryKiB, cfg.PasswordHashTime = o.memoryKiB, o.time
		hashes[fmt.Sprintf("argon2id-m%d-t%d-p1", o.memoryKiB, o.time)] = (&Provider{Config: cfg}).hashPassword(password)
	}
	bcrypt12, err := bcrypt.GenerateFromPassword([]byte(password), 12)
	if err != nil {
		b.Fatal(err)
	}
	hashes["bcrypt-cost12"] = string(bcrypt12)
	for name, hash := range hashes {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if ok, err := passwordMatches(hash, password); !ok || err != nil {
					b.Fatalf("passwordMatches = %v, %v", ok, err)
				}
			}
		})
	}
}
