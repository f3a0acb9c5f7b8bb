package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/sys/unix"
)

// The signing algorithms of access tokens (README, "Signing algorithms").
var algorithms = []string{"RS256", "ES256", "EdDSA"}

// inProcessRefs are the operations the load tool measures itself, by
// reference name, each with its key made once: a bare signature of each
// algorithm, and one password verification with o's Argon2id parameters.
func inProcessRefs(o options) (map[string]func() []byte, error) {
	ops := map[string]func() []byte{}
	for _, alg := range algorithms {
		sign, err := signer(alg)
		if err != nil {
			return nil, err
		}
		ops[signRef(alg)] = sign
	}
	ops[refArgon2id] = passwordCheck(o.PasswordMemoryKiB, o.PasswordTime)
	return ops, nil
}

// inProcessRefNames are the names of the in-process references, in the
// order of the table.
func inProcessRefNames() []string {
	var names []string
	for _, alg := range algorithms {
		names = append(names, signRef(alg))
	}
	return append(names, refArgon2id)
}

// signingInput is the JWS Signing Input of a typical client credentials
// access token: its header and claims as the provider encodes them, so the
// hash before the signature is the provider's size too.
var signingInput = []byte(b64(`{"alg":"RS256","kid":"Kq0n5fxmH3T0mWj4JcLhJQ","typ":"at+jwt"}`) + "." +
	b64(`{"aud":"http://127.0.0.1:8080","client_id":"testclient","exp":1780000000,"iat":1779996400,`+
		`"iss":"http://127.0.0.1:8080","jti":"5Y2M7W4QZKX3V6N2B8R1T9P0HA","scope":"read","sub":"testclient"}`))

// b64 is base64url without padding, as JWS encodes.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// signer returns one signature of the token-sized payload with a fresh
// key of alg, computed as the provider's token package does: SHA-256 then
// PKCS #1 v1.5 (RS256, RSA 2048), SHA-256 then ECDSA P-256 (ES256), or
// Ed25519 over the input itself (EdDSA).
func signer(alg string) (func() []byte, error) {
	switch alg {
	case "RS256":
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		return func() []byte {
			d := sha256.Sum256(signingInput)
			sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:]) // cannot fail with a valid key
			return sig
		}, err
	case "ES256":
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return func() []byte {
			d := sha256.Sum256(signingInput)
			r, s, _ := ecdsa.Sign(rand.Reader, key, d[:]) // cannot fail with a valid key
			return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}, err
	case "EdDSA":
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return func() []byte { return ed25519.Sign(key, signingInput) }, err
	}
	return nil, fmt.Errorf("loadtest: unknown algorithm %q", alg)
}

// passwordCheck returns one Argon2id verification of the demo password
// with memoryKiB and passes (one lane, 16-byte salt, 32-byte key: the
// provider's password hash, README "Passwords").
func passwordCheck(memoryKiB, passes int) func() []byte {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // never fails (crypto/rand)
	want := argon2.IDKey([]byte(password), salt, uint32(passes), uint32(memoryKiB), 1, 32)
	return func() []byte {
		got := argon2.IDKey([]byte(password), salt, uint32(passes), uint32(memoryKiB), 1, 32)
		if subtle.ConstantTimeCompare(got, want) != 1 {
			panic("loadtest: Argon2id is not deterministic")
		}
		return got
	}
}

// measureOp runs op, one call after the other, on a thread pinned to the
// servers' CPU cpu (so it meets the caches and neighbours the servers
// meet), until the load tool has spent budget of CPU time (and op ran at
// least 3 times), and returns the calls and the CPU time as a
// measurement. It counts the whole process's CPU: Argon2id hashes on
// goroutines of its own, and the garbage collector's share is part of any
// operation's cost. No request is in flight meanwhile.
func measureOp(cpu int, budget time.Duration, op func() []byte) (measurement, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	restore, err := pinThread(cpu)
	if err != nil {
		return measurement{}, err
	}
	defer restore()
	start := processCPU()
	n := 0
	for ; n < 3 || processCPU()-start < budget; n++ {
		op()
	}
	return measurement{Requests: n, CPU: processCPU() - start}, nil
}

// processCPU is the CPU time the load tool has spent, all threads.
func processCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts) // cannot fail on Linux
	return time.Duration(ts.Nano())
}
