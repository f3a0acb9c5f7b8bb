package storetest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// newKey returns a signing key created at t0 moved by age.
func newKey(id string, age time.Duration) store.SigningKey {
	return store.SigningKey{
		ID:         id,
		Algorithm:  "RS256",
		PrivateKey: []byte("sealed DER of " + id + "\x00\xff"),
		Encrypted:  true,
		CreatedAt:  at(age),
	}
}

// createKeys stores keys in the given order.
func createKeys(t *testing.T, s store.Store, keys ...store.SigningKey) {
	t.Helper()
	for _, k := range keys {
		must(t, "CreateSigningKey("+k.ID+")", s.CreateSigningKey(t.Context(), k))
	}
}

// signingKeyTests hold the store to key rotation: the newest key signs, older
// ones stay published until they retire (RFC 7517 key sets).
var signingKeyTests = []test{
	{"ListSigningKeys of an empty store is empty, not an error", func(t *testing.T, s store.Store) {
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		if len(got) != 0 {
			t.Errorf("ListSigningKeys: got %d keys, want 0", len(got))
		}
	}},
	{"ListSigningKeys returns every key newest first", func(t *testing.T, s store.Store) {
		oldest, middle, newest := newKey("k1", -2*time.Hour), newKey("k2", -time.Hour), newKey("k3", 0)
		middle.KeepAfterRetirement = time.Hour + 2*time.Minute + time.Microsecond
		createKeys(t, s, middle, newest, oldest)
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		checkEqual(t, "ListSigningKeys", got, []store.SigningKey{newest, middle, oldest})
	}},
	{"CreateSigningKey with a kid in use is ErrDuplicate", func(t *testing.T, s store.Store) {
		createKeys(t, s, newKey("k1", 0))
		err := s.CreateSigningKey(t.Context(), newKey("k1", time.Minute))
		checkErr(t, "CreateSigningKey(same kid)", err, store.ErrDuplicate)
	}},
	{"RotateSigningKey stores the key and retires every other unretired key of its algorithm", func(t *testing.T, s store.Store) {
		retired := newKey("k0", -3*time.Hour)
		retired.RetireAt = at(time.Minute)
		old, newer := newKey("k1", -time.Hour), newKey("k2", 0)
		otherAlg := newKey("e1", -2*time.Hour)
		otherAlg.Algorithm = "ES256"
		createKeys(t, s, retired, old, otherAlg)
		must(t, "RotateSigningKey", s.RotateSigningKey(t.Context(), newer, at(2*time.Hour)))
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		old.RetireAt, old.RetiredAt = at(2*time.Hour), newer.CreatedAt
		// The key retired before keeps its RetireAt; the new key has none,
		// and so has the key of another algorithm: each rotates on its own.
		checkEqual(t, "ListSigningKeys after rotating", got, []store.SigningKey{newer, old, otherAlg, retired})
	}},
	{"RotateSigningKey keeps a retired key its KeepAfterRetirement after the rotation when that is later", func(t *testing.T, s store.Store) {
		long, short := newKey("long", -time.Hour), newKey("short", -time.Hour)
		newRS, newES := newKey("new-rs", 0), newKey("new-es", 0)
		short.Algorithm, newES.Algorithm = "ES256", "ES256"
		long.KeepAfterRetirement, short.KeepAfterRetirement = 5*time.Hour, time.Minute
		createKeys(t, s, long, short)
		must(t, "RotateSigningKey(RS256)", s.RotateSigningKey(t.Context(), newRS, at(2*time.Hour)))
		must(t, "RotateSigningKey(ES256)", s.RotateSigningKey(t.Context(), newES, at(2*time.Hour)))
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		long.RetireAt, long.RetiredAt = at(5*time.Hour), newRS.CreatedAt   // its own need, later than the rotation's
		short.RetireAt, short.RetiredAt = at(2*time.Hour), newES.CreatedAt // the rotation's, later than its own need
		checkEqual(t, "ListSigningKeys after rotating", got, []store.SigningKey{newRS, newES, short, long})
	}},
	{"RotateSigningKey retires a newer key too: the rotated-in key signs whatever the clocks", func(t *testing.T, s store.Store) {
		createKeys(t, s, newKey("ahead", time.Hour)) // stored by a process whose clock is ahead
		must(t, "RotateSigningKey", s.RotateSigningKey(t.Context(), newKey("now", 0), at(2*time.Hour)))
		checkUnretired(t, s, "now")
	}},
	{"RotateSigningKey never retires a key before it was created: of two concurrent rotations, the key generated later and committed first retires as of its own creation", func(t *testing.T, s store.Store) {
		generatedFirst, committedFirst := newKey("generated-first", 0), newKey("committed-first", time.Second)
		committedFirst.KeepAfterRetirement = time.Hour
		must(t, "RotateSigningKey(committed first)", s.RotateSigningKey(t.Context(), committedFirst, at(time.Minute)))
		must(t, "RotateSigningKey(generated first)", s.RotateSigningKey(t.Context(), generatedFirst, at(time.Minute)))
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		committedFirst.RetiredAt, committedFirst.RetireAt = committedFirst.CreatedAt, committedFirst.CreatedAt.Add(time.Hour)
		checkEqual(t, "ListSigningKeys after both rotations", got, []store.SigningKey{committedFirst, generatedFirst})
	}},
	{"RotateSigningKey with a kid in use is ErrDuplicate and retires nothing", func(t *testing.T, s store.Store) {
		createKeys(t, s, newKey("k1", 0))
		checkErr(t, "RotateSigningKey(same kid)", s.RotateSigningKey(t.Context(), newKey("k1", time.Minute), at(time.Hour)), store.ErrDuplicate)
		checkUnretired(t, s, "k1")
	}},
	{"concurrent RotateSigningKey calls leave exactly one key unretired", func(t *testing.T, s store.Store) {
		createKeys(t, s, newKey("k-start", -time.Hour))
		for round := range 8 {
			errs := concurrently(contention, func(i int) error {
				return s.RotateSigningKey(t.Context(), newKey(fmt.Sprintf("k%d-%02d", round, i), 0), at(time.Hour))
			})
			for i, err := range errs {
				checkErr(t, fmt.Sprint("RotateSigningKey #", i), err, nil)
			}
			keys, err := s.ListSigningKeys(t.Context())
			must(t, "ListSigningKeys", err)
			unretired := 0
			for _, k := range keys {
				if k.RetireAt.IsZero() {
					unretired++
				}
			}
			if unretired != 1 {
				t.Fatalf("round %d of %d concurrent rotations: got %d unretired keys, want 1", round, contention, unretired)
			}
		}
	}},
	{"KeepSigningKey raises KeepAfterRetirement, and RetireAt of a key retired meanwhile, never lowers them", func(t *testing.T, s store.Store) {
		current, short, long, unrecorded := newKey("current", 0), newKey("short", -2*time.Hour), newKey("long", -2*time.Hour), newKey("unrecorded", -2*time.Hour)
		current.KeepAfterRetirement = time.Minute
		short.RetiredAt, short.RetireAt = at(-time.Hour), at(time.Minute) // retired between a process's read and its write
		long.RetiredAt, long.RetireAt, long.KeepAfterRetirement = at(-time.Hour), at(3*time.Hour), 4*time.Hour
		unrecorded.RetireAt = at(time.Minute) // retired before RetiredAt was recorded
		createKeys(t, s, current, short, long, unrecorded)
		for _, k := range []store.SigningKey{current, short, long, unrecorded} {
			must(t, "KeepSigningKey("+k.ID+", 2h)", s.KeepSigningKey(t.Context(), k.ID, 2*time.Hour))
			must(t, "KeepSigningKey("+k.ID+", 1h)", s.KeepSigningKey(t.Context(), k.ID, time.Hour)) // a process with a shorter lifetime
		}
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		current.KeepAfterRetirement = 2 * time.Hour                            // and still no RetireAt
		short.KeepAfterRetirement, short.RetireAt = 2*time.Hour, at(time.Hour) // RetiredAt + 2h
		unrecorded.KeepAfterRetirement = 2 * time.Hour
		checkEqual(t, "ListSigningKeys after keeping", got, []store.SigningKey{current, unrecorded, short, long})
	}},
	{"DeleteRetiredSigningKeys removes only keys retired before now", func(t *testing.T, s store.Store) {
		gone, staying, current := newKey("k1", -2*time.Hour), newKey("k2", -time.Hour), newKey("k3", 0)
		gone.RetireAt = at(-time.Second)
		staying.RetireAt = at(time.Hour)
		createKeys(t, s, gone, staying, current)
		n, err := s.DeleteRetiredSigningKeys(t.Context(), t0)
		must(t, "DeleteRetiredSigningKeys", err)
		if n != 1 {
			t.Errorf("DeleteRetiredSigningKeys: got %d deleted, want 1", n)
		}
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		checkEqual(t, "ListSigningKeys after deleting", got, []store.SigningKey{current, staying})
	}},
	{"SealSigningKey seals a cleartext key, once", func(t *testing.T, s store.Store) {
		clear, other := newKey("k1", 0), newKey("k2", -time.Hour)
		clear.Encrypted, clear.PrivateKey = false, []byte("cleartext DER")
		createKeys(t, s, clear, other)
		must(t, "SealSigningKey", s.SealSigningKey(t.Context(), "k1", clear.PrivateKey, []byte("first seal")))
		// A second process that read the cleartext too must not overwrite
		// the first seal, nor touch a key whose bytes are not what it read.
		must(t, "SealSigningKey again", s.SealSigningKey(t.Context(), "k1", clear.PrivateKey, []byte("second seal")))
		must(t, "SealSigningKey of other bytes", s.SealSigningKey(t.Context(), "k2", []byte("stale"), []byte("third seal")))
		must(t, "SealSigningKey of an unknown key", s.SealSigningKey(t.Context(), "nope", clear.PrivateKey, []byte("x")))
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		clear.Encrypted, clear.PrivateKey = true, []byte("first seal")
		checkEqual(t, "ListSigningKeys after sealing", got, []store.SigningKey{clear, other})
	}},
	{"SealSigningKey reseals a sealed key (a new key-encryption key)", func(t *testing.T, s store.Store) {
		k := newKey("k1", 0)
		createKeys(t, s, k)
		must(t, "SealSigningKey", s.SealSigningKey(t.Context(), "k1", k.PrivateKey, []byte("resealed")))
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		k.PrivateKey = []byte("resealed")
		checkEqual(t, "ListSigningKeys after resealing", got, []store.SigningKey{k})
	}},
	{"EraseReplacedSigningKeys after sealing keeps every key as it is", func(t *testing.T, s store.Store) {
		clear, other := newKey("k1", 0), newKey("k2", -time.Hour)
		clear.Encrypted, clear.PrivateKey = false, []byte("cleartext DER")
		createKeys(t, s, clear, other)
		must(t, "SealSigningKey", s.SealSigningKey(t.Context(), "k1", clear.PrivateKey, []byte("sealed")))
		must(t, "EraseReplacedSigningKeys", s.EraseReplacedSigningKeys(t.Context()))
		got, err := s.ListSigningKeys(t.Context())
		must(t, "ListSigningKeys", err)
		clear.Encrypted, clear.PrivateKey = true, []byte("sealed")
		checkEqual(t, "ListSigningKeys after erasing", got, []store.SigningKey{clear, other})
	}},
}

// checkUnretired checks that the store's only unretired key is want.
func checkUnretired(t *testing.T, s store.Store, want string) {
	t.Helper()
	keys, err := s.ListSigningKeys(t.Context())
	must(t, "ListSigningKeys", err)
	var unretired []string
	for _, k := range keys {
		if k.RetireAt.IsZero() {
			unretired = append(unretired, k.ID)
		}
	}
	checkEqual(t, "unretired keys", unretired, []string{want})
}

// CheckRetiredBeforeRetiredAt checks that s, upgraded by
// 0065_signing_key_retired_at.sql, holds one key, "old", retired before it
// with RetireAt retireAt: it has no RetiredAt, and KeepSigningKey leaves
// its RetireAt as it was.
func CheckRetiredBeforeRetiredAt(t *testing.T, s store.Store, retireAt time.Time) {
	t.Helper()
	must(t, "KeepSigningKey", s.KeepSigningKey(t.Context(), "old", 24*time.Hour))
	keys, err := s.ListSigningKeys(t.Context())
	must(t, "ListSigningKeys", err)
	if len(keys) != 1 || keys[0].ID != "old" || !keys[0].RetiredAt.IsZero() || !keys[0].RetireAt.Equal(retireAt) {
		t.Errorf("the key retired before the upgrade: got %+v, want old with no RetiredAt and RetireAt %v", keys, retireAt)
	}
}

// CheckStoredBeforeKeepAfterRetirement checks that s, upgraded by
// 0066_signing_key_keep_after_retirement.sql, holds one key, "old", retired
// before it at retiredAt with RetireAt retireAt: it has KeepAfterRetirement
// 0 and its retirement as it was.
func CheckStoredBeforeKeepAfterRetirement(t *testing.T, s store.Store, retiredAt, retireAt time.Time) {
	t.Helper()
	keys, err := s.ListSigningKeys(t.Context())
	must(t, "ListSigningKeys", err)
	if len(keys) != 1 || keys[0].ID != "old" || keys[0].KeepAfterRetirement != 0 ||
		!keys[0].RetiredAt.Equal(retiredAt) || !keys[0].RetireAt.Equal(retireAt) {
		t.Errorf("the key stored before the upgrade: got %+v, want old with KeepAfterRetirement 0, RetiredAt %v and RetireAt %v", keys, retiredAt, retireAt)
	}
}

// StoreCleartextKeys stores two RSA keys in cleartext, as a version of the
// provider from before keys were sealed did, the first rotated out by the
// second, and returns the secret parts of both (each key's private
// exponent and primes), which a copy of the database must not hold once
// the keys are sealed.
func StoreCleartextKeys(t *testing.T, s store.Store) (secrets [][]byte) {
	t.Helper()
	for i, kid := range []string{"cleartext-1", "cleartext-2"} {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		must(t, "GenerateKey", err)
		der, err := x509.MarshalPKCS8PrivateKey(key)
		must(t, "MarshalPKCS8PrivateKey", err)
		k := store.SigningKey{ID: kid, Algorithm: "RS256", PrivateKey: der, CreatedAt: at(time.Duration(i) * time.Hour)}
		if i == 0 {
			must(t, "CreateSigningKey", s.CreateSigningKey(t.Context(), k))
		} else {
			must(t, "RotateSigningKey", s.RotateSigningKey(t.Context(), k, at(2*time.Hour)))
		}
		secrets = append(secrets, key.D.Bytes(), key.Primes[0].Bytes(), key.Primes[1].Bytes())
	}
	return secrets
}

// HoldsNoSecret checks that data, a file of the database named name, holds
// none of secrets.
func HoldsNoSecret(t *testing.T, name string, data []byte, secrets [][]byte) {
	t.Helper()
	for i, secret := range secrets {
		if bytes.Contains(data, secret) {
			t.Errorf("%s (%d bytes) holds secret %d of the keys stored in cleartext, want none", name, len(data), i)
		}
	}
}
