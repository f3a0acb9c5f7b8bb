package token

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/oauth-reference/provider/internal/store"
)

// kekSize is the length of a key-encryption key: 32 bytes, for AES-256.
const kekSize = 32

// KEK is the key-encryption key: it seals every private signing key with
// AES-256-GCM before the key reaches the store, and opens it on load, so a
// copy of the database alone (a leaked dump, a backup) holds no key that can
// sign. It does not protect against someone who can read both the database
// and the KEK (the provider's host, its environment): see the README,
// "Signing keys at rest".
//
// A sealed key is nonce || ciphertext || tag. The key's kid and algorithm are
// the additional authenticated data, so a sealed key copied into another row
// fails to open instead of signing under a name that is not its own.
type KEK struct {
	aead cipher.AEAD
	// previous opens keys sealed before the KEK was changed; nil when
	// there is none (see WithPrevious).
	previous *KEK
}

// WithPrevious returns k that also opens keys sealed with previous, the
// key-encryption key k replaces (KEY_ENCRYPTION_KEY_PREVIOUS). LoadKeys
// reseals such keys with k, so once every provider has started with k the
// previous key can be dropped.
func (k *KEK) WithPrevious(previous *KEK) *KEK {
	return &KEK{aead: k.aead, previous: previous}
}

// NewKEK returns the KEK for a 32-byte key.
func NewKEK(key []byte) (*KEK, error) {
	if len(key) != kekSize {
		return nil, fmt.Errorf("token: a key-encryption key is %d bytes, got %d", kekSize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token: key-encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("token: key-encryption key: %w", err)
	}
	return &KEK{aead: aead}, nil
}

// ParseKEK decodes a KEK written in base64 (standard or URL alphabet, padded
// or not), as in KEY_ENCRYPTION_KEY: `openssl rand -base64 32` makes one.
func ParseKEK(encoded string) (*KEK, error) {
	encoded = strings.TrimSpace(encoded)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(encoded); err == nil {
			return NewKEK(key)
		}
	}
	return nil, errors.New("token: the key-encryption key is not base64 (make one with: openssl rand -base64 32)")
}

// GenerateKEK returns a new random KEK and its base64 form.
func GenerateKEK() (*KEK, string, error) {
	key := make([]byte, kekSize)
	if _, err := rand.Read(key); err != nil {
		return nil, "", fmt.Errorf("token: generate key-encryption key: %w", err)
	}
	kek, err := NewKEK(key)
	return kek, base64.StdEncoding.EncodeToString(key), err
}

// LoadOrCreateKEKFile reads the KEK kept in the file at path (base64, as
// ParseKEK), creating the file with a new random KEK, mode 0600, when it
// does not exist and ks holds no sealed key: a new file could not open
// them, so a missing file beside sealed keys (a database restored without
// it) stops the start with an error that says so, and writes nothing
// (sealedKeysWithoutKEK). Processes starting at once agree on one file: it appears
// complete or not at all (written aside, then hard-linked into place). A
// file that others may read is refused, as ssh refuses such a private key.
func LoadOrCreateKEKFile(ctx context.Context, path string, ks KeyStore) (*KEK, error) {
	kek, err := readKEKFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return kek, err
	}
	if err := sealedKeysWithoutKEK(ctx, path, ks); err != nil {
		return nil, err
	}
	if err := createKEKFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return readKEKFile(path) // ours, or the one another process linked first
}

// sealedKeysWithoutKEK refuses to create the KEK file at path for ks when
// ks holds keys sealed with a KEK: that file's, now missing.
func sealedKeysWithoutKEK(ctx context.Context, path string, ks KeyStore) error {
	records, err := ks.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("token: list signing keys: %w", err)
	}
	sealed := 0
	for _, r := range records {
		if r.Encrypted {
			sealed++
		}
	}
	if sealed > 0 {
		return fmt.Errorf("token: the key-encryption key file %s is missing, and the database holds %d signing keys sealed with it: "+
			"restore the file (or set KEY_ENCRYPTION_KEY to that key)", path, sealed)
	}
	return nil
}

// readKEKFile reads and parses the KEK file at path.
func readKEKFile(path string) (*KEK, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("token: key-encryption key file %s is open to other users (mode %v): chmod 600 %s", path, info.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token: key-encryption key file: %w", err)
	}
	kek, err := ParseKEK(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return kek, nil
}

// createKEKFile writes a new KEK to a temporary file beside path and links
// it to path, which fails with fs.ErrExist if path appeared meanwhile.
func createKEKFile(path string) error {
	_, encoded, err := GenerateKEK()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kek-*") // mode 0600
	if err != nil {
		return fmt.Errorf("token: create key-encryption key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(encoded + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("token: write key-encryption key file: %w", err)
	}
	return os.Link(tmp.Name(), path)
}

// seal encrypts a private key's DER for the row of key kid with algorithm alg.
func (k *KEK) seal(kid, alg string, der []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(der)+k.aead.Overhead())
	rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return k.aead.Seal(nonce, nonce, der, sealedKeyAAD(kid, alg))
}

// openRecord returns the PKCS #8 DER of a stored key: opened with k, or
// with the previous KEK (current false), or as stored when it predates
// encryption at rest (current false). A key that is not current should be
// sealed again with k.
func (k *KEK) openRecord(r store.SigningKey) (der []byte, current bool, err error) {
	if !r.Encrypted {
		return r.PrivateKey, false, nil
	}
	if der, ok := k.open(r.ID, r.Algorithm, r.PrivateKey); ok {
		return der, true, nil
	}
	if k.previous != nil {
		if der, ok := k.previous.open(r.ID, r.Algorithm, r.PrivateKey); ok {
			return der, false, nil
		}
	}
	return nil, false, errors.New("cannot decrypt it with this key-encryption key (KEY_ENCRYPTION_KEY, or the kek file beside a SQLite database): it was sealed with another, or altered")
}

// open decrypts what seal returned for the same kid and alg.
func (k *KEK) open(kid, alg string, sealed []byte) ([]byte, bool) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, false
	}
	der, err := k.aead.Open(nil, sealed[:n], sealed[n:], sealedKeyAAD(kid, alg))
	return der, err == nil
}

// sealedKeyAAD binds a sealed key to its row: kid and algorithm, NUL-separated.
func sealedKeyAAD(kid, alg string) []byte {
	return []byte(kid + "\x00" + alg)
}
