package main

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/oauth-reference/loadtest/internal/baresign"
)

// TestSignedTokenIsAJWSOfTheInput checks that the token answer carries
// baresign's input with a fresh RS256 signature of it.
func TestSignedTokenIsAJWSOfTheInput(t *testing.T) {
	sign, public, err := baresign.New("RS256")
	if err != nil {
		t.Fatal(err)
	}
	resp := signedToken(sign)
	cut := strings.LastIndexByte(resp.AccessToken, '.')
	if cut < 0 || resp.AccessToken[:cut] != string(baresign.Input) {
		t.Fatalf("got token %q, want the input, a dot and a signature", resp.AccessToken)
	}
	sig, err := base64.RawURLEncoding.DecodeString(resp.AccessToken[cut+1:])
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(baresign.Input)
	if err := rsa.VerifyPKCS1v15(public.(*rsa.PublicKey), crypto.SHA256, d[:], sig); err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}
	if resp.TokenType != "Bearer" || resp.ExpiresIn <= 0 {
		t.Errorf("got token_type %q, expires_in %d; want Bearer and a lifetime", resp.TokenType, resp.ExpiresIn)
	}
}
