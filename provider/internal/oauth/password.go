package oauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/oauth-reference/provider/internal/config"
)

// User passwords are hashed with Argon2id ([RFC 9106 Section 3]), the password hash the
// OWASP Password Storage Cheat Sheet recommends first. It is memory-hard:
// each guess needs its own PasswordHashMemoryKiB of RAM, which makes the
// GPUs and ASICs that crack bcrypt and PBKDF2 cheaply lose their edge.
//
// The defaults, m=7168 KiB (7 MiB), t=5, p=1, are the last of OWASP's five
// equally strong minimum configurations (m=47104/t=1, 19456/2, 12288/3,
// 9216/4, 7168/5;
// https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id).
// Of those, it costs the server the least: one verification took 26.8 ms
// of CPU against 32.7 for m=19456,t=2 and about 45 for m=47104,t=1 (means
// of eight runs on one core: about the same memory × passes, but fewer
// fresh pages to fault in and fewer cache misses), and a concurrent sign-in
// holds 7 MiB instead of 19 or 46, so a burst of them holds the least
// memory (README, "Passwords"). p=1: a
// sign-in uses one core, others serve the rest. Hashes at other parameters
// keep verifying and are rehashed at the next sign-in (upgradePasswordHash).
//
// A hash is stored in the PHC string format that other Argon2 libraries
// read: $argon2id$v=19$m=7168,t=5,p=1$<salt>$<hash>, salt and hash in
// unpadded standard base64. Hashes made by bcrypt (older installs) still
// verify, and are replaced by an Argon2id hash at the next sign-in.
//
// The salt is 16 random bytes ([RFC 9106 Section 3.1]: "16 bytes is
// RECOMMENDED for password hashing"), the hash 32 bytes.
//
// [RFC 9106 Section 3]: https://www.rfc-editor.org/rfc/rfc9106#section-3
// [RFC 9106 Section 3.1]: https://www.rfc-editor.org/rfc/rfc9106#section-3.1
const (
	argon2Threads  = 1
	argon2SaltLen  = 16
	argon2KeyLen   = 32
	maxStoredHash  = 256
	argon2idPrefix = "$argon2id$"
)

// argon2Params are the cost parameters of one Argon2id hash.
type argon2Params struct {
	memoryKiB, time uint32
	threads         uint8
}

// errMalformedHash is returned for a stored password hash that is neither
// a well-formed Argon2id PHC string within bounds nor a bcrypt hash.
var errMalformedHash = errors.New("oauth: stored password hash is malformed")

// passwordParams are the Argon2id parameters that new hashes get.
func (p *Provider) passwordParams() argon2Params {
	return argon2Params{
		memoryKiB: uint32(p.Config.PasswordHashMemoryKiB),
		time:      uint32(p.Config.PasswordHashTime),
		threads:   argon2Threads,
	}
}

// hashPassword hashes a user password with Argon2id at the configured
// parameters and a fresh random salt, as a PHC string.
func (p *Provider) hashPassword(password string) string {
	salt := make([]byte, argon2SaltLen)
	rand.Read(salt)
	params := p.passwordParams()
	key := argon2Key(password, salt, params, argon2KeyLen)
	return params.phcPrefix() + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
}

// argon2Slots bounds how many Argon2id hashes run at once in this process.
// Each holds its memory parameter (7 MiB by default) until it ends, so a
// burst of sign-ins, right or wrong, could otherwise need that much RAM per
// request; with the bound, memory stays at len(argon2Slots) × m at most and
// the rest of the burst waits its turn. Two per core keeps every core busy.
var argon2Slots = make(chan struct{}, 2*runtime.GOMAXPROCS(0))

// argon2Key derives an Argon2id key of keyLen bytes, waiting for one of
// argon2Slots first.
func argon2Key(password string, salt []byte, a argon2Params, keyLen uint32) []byte {
	argon2Slots <- struct{}{}
	defer func() { <-argon2Slots }()
	return argon2.IDKey([]byte(password), salt, a.time, a.memoryKiB, a.threads, keyLen)
}

// b64 is the base64 of PHC strings: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// phcPrefix is the start of a PHC string with these parameters, up to and
// including the "$" before the salt.
func (a argon2Params) phcPrefix() string {
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$", argon2idPrefix, argon2.Version, a.memoryKiB, a.time, a.threads)
}

// passwordMatches reports whether password is the one hashed in stored,
// an Argon2id PHC string or a bcrypt hash. The comparison takes constant
// time. A stored hash that cannot be read is an error, never a match.
func passwordMatches(stored, password string) (bool, error) {
	if !strings.HasPrefix(stored, argon2idPrefix) {
		return bcryptMatches(stored, password)
	}
	params, salt, key, err := parseArgon2id(stored)
	if err != nil {
		return false, err
	}
	got := argon2Key(password, salt, params, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// bcryptMaxPassword is the most of a password bcrypt reads.
const bcryptMaxPassword = 72

// bcryptMatches checks a password against a bcrypt hash, which compares in
// constant time. A password longer than bcryptMaxPassword never matches:
// bcrypt would compare only its first 72 bytes, and the hashes of older
// installs were made by bcrypt.GenerateFromPassword, which refuses to hash
// a longer one, so no user's bcrypt hash is of one. Those 72 bytes are
// compared all the same, so a long password takes as long to refuse as
// any other.
func bcryptMatches(stored, password string) (bool, error) {
	read := password[:min(len(password), bcryptMaxPassword)]
	err := bcrypt.CompareHashAndPassword([]byte(stored), []byte(read))
	switch {
	case err == nil:
		return read == password, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("%w: %w", errMalformedHash, err)
	}
}

// parseArgon2id reads an Argon2id PHC string. Every number is bounded
// (config's limits for memory and passes, at most 16 lanes) and so are the
// salt and hash lengths, so a corrupt or hostile row cannot make one
// sign-in take unbounded memory or time.
func parseArgon2id(stored string) (argon2Params, []byte, []byte, error) {
	if len(stored) > maxStoredHash {
		return argon2Params{}, nil, nil, errMalformedHash
	}
	fields := strings.Split(stored, "$") // "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(fields) != 6 || fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return argon2Params{}, nil, nil, errMalformedHash
	}
	params, err := parseArgon2Params(fields[3])
	if err != nil {
		return argon2Params{}, nil, nil, err
	}
	salt, errSalt := b64.DecodeString(fields[4])
	key, errKey := b64.DecodeString(fields[5])
	if errSalt != nil || errKey != nil || len(salt) < 8 || len(salt) > 64 || len(key) < 16 || len(key) > 64 {
		return argon2Params{}, nil, nil, errMalformedHash
	}
	return params, salt, key, nil
}

// parseArgon2Params reads "m=…,t=…,p=…", each number within its bounds.
func parseArgon2Params(s string) (argon2Params, error) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return argon2Params{}, errMalformedHash
	}
	var n [3]int // m, t, p
	for i, name := range []string{"m=", "t=", "p="} {
		value, ok := strings.CutPrefix(fields[i], name)
		v, err := strconv.ParseUint(value, 10, 32)
		if !ok || err != nil {
			return argon2Params{}, errMalformedHash
		}
		n[i] = int(v)
	}
	m, t, p := n[0], n[1], n[2]
	if p < 1 || p > 16 || t < 1 || t > config.MaxPasswordHashTime ||
		m < config.MinPasswordHashMemoryKiB*p || m > config.MaxPasswordHashMemoryKiB {
		return argon2Params{}, errMalformedHash
	}
	return argon2Params{memoryKiB: uint32(m), time: uint32(t), threads: uint8(p)}, nil
}

// passwordNeedsRehash reports whether a stored hash is not an Argon2id hash
// at the configured parameters: a bcrypt hash, or an Argon2id hash from
// before the parameters changed.
func (p *Provider) passwordNeedsRehash(stored string) bool {
	return !strings.HasPrefix(stored, p.passwordParams().phcPrefix())
}
