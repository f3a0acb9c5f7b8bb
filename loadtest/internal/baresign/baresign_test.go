package baresign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"testing"
)

// TestNewSignsInput checks each algorithm's signature against its public
// key, and that a signature over other bytes does not verify.
func TestNewSignsInput(t *testing.T) {
	for _, alg := range Algorithms {
		sign, public, err := New(alg)
		if err != nil {
			t.Fatal(err)
		}
		sig := sign()
		if !verifies(public, Input, sig) {
			t.Errorf("%s: the signature does not verify over Input", alg)
		}
		if verifies(public, append([]byte("x"), Input...), sig) {
			t.Errorf("%s: the signature verifies over other bytes too", alg)
		}
	}
}

func TestNewRefusesAnUnknownAlgorithm(t *testing.T) {
	if _, _, err := New("HS256"); err == nil {
		t.Error("HS256: got no error")
	}
}

// verifies is whether sig is a JWS signature of input by public.
func verifies(public crypto.PublicKey, input, sig []byte) bool {
	d := sha256.Sum256(input)
	switch key := public.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(key, crypto.SHA256, d[:], sig) == nil
	case *ecdsa.PublicKey:
		return len(sig) == 64 && ecdsa.Verify(key, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	case ed25519.PublicKey:
		return ed25519.Verify(key, input, sig)
	}
	return false
}

// TestInputIsAsLongAsTheBenchmarks: the provider's in-process benchmarks
// sign an input of this length (signingInputSize in
// provider/internal/web/bench_test.go); change both together.
func TestInputIsAsLongAsTheBenchmarks(t *testing.T) {
	if got, want := len(Input), 361; got != want {
		t.Errorf("len(Input) = %d, want %d, the benchmarks' signingInputSize", got, want)
	}
}
