package oauth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/oauth-reference/provider/internal/config"
)

// BenchmarkPasswordVerify is one sign-in's password check with the default
// Argon2id parameters (OWASP's m=19 MiB, t=2, p=1), beside bcrypt at cost
// 12, the hash it replaces, measured in the same run.
func BenchmarkPasswordVerify(b *testing.B) {
	p := &Provider{Config: config.Default()}
	argon2id := p.hashPassword("correct horse battery staple")
	bcrypt12, err := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), 12)
	if err != nil {
		b.Fatal(err)
	}
	for name, hash := range map[string]string{"argon2id-m19456-t2-p1": argon2id, "bcrypt-cost12": string(bcrypt12)} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if ok, err := passwordMatches(hash, "correct horse battery staple"); !ok || err != nil {
					b.Fatalf("passwordMatches = %v, %v", ok, err)
				}
			}
		})
	}
}
