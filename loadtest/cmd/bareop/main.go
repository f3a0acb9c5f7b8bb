// Command bareop is the load tool's reference for the work a path cannot
// avoid: the bare signature of an access token with each algorithm, and
// one Argon2id password verification. The load tool starts it pinned to
// the providers' CPU, so it meets the caches and neighbours they meet,
// and measures its CPU time from outside, as it measures theirs (README,
// "Performance").
//
// Once its keys are made it writes "ready". Then it reads one request a
// line on standard input, "OPERATION BUDGET" (RS256, ES256, EdDSA or
// Argon2id, then a Go duration: "RS256 500ms"), runs the operation over
// and over until it has spent BUDGET of CPU time (at least 3 times), and
// writes how many times on a line of its own. It exits at the end of its
// input.
//
//	PASSWORD_HASH_MEMORY_KIB=7168 PASSWORD_HASH_TIME=5 bareop
package main

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-reference/loadtest/internal/baresign"
	"golang.org/x/crypto/argon2"
	"golang.org/x/sys/unix"
)

func main() {
	if err := run(os.Stdin, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "bareop:", err)
		os.Exit(1)
	}
}

// run makes the operations, then answers the requests on in until its end.
func run(in io.Reader, out io.Writer, getenv func(string) string) error {
	ops, err := operations(getenv)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "ready")
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		name, budgetText, _ := strings.Cut(lines.Text(), " ")
		op, ok := ops[name]
		budget, err := time.ParseDuration(budgetText)
		if !ok || err != nil {
			return fmt.Errorf("want \"OPERATION BUDGET\" with one of RS256, ES256, EdDSA, Argon2id; got %q", lines.Text())
		}
		if _, err := fmt.Fprintln(out, repeat(op, budget)); err != nil {
			return err
		}
	}
	return lines.Err()
}

// repeat runs op until this process has spent budget of CPU time since
// the call, and at least 3 times, and returns how many times it ran.
//
// It reads the clock after batches of operations, not after each: a read
// is a system call of about 1 µs, 3 % of an Ed25519 signature, and the
// load tool would count it as the operation's. After the first three, one
// at a time, a batch doubles until it takes a millisecond, so the clock
// costs under 0.1 % and the budget is overrun by a few milliseconds at
// most.
func repeat(op func() []byte, budget time.Duration) int {
	start := processCPU()
	n, batch, spent := 0, 1, time.Duration(0)
	for n < 3 || spent < budget {
		for range batch {
			op()
		}
		n += batch
		previous := spent
		if spent = processCPU() - start; n >= 3 && spent-previous < time.Millisecond {
			batch *= 2
		}
	}
	return n
}

// processCPU is the CPU time this process has spent, all threads.
func processCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts) // cannot fail on Linux
	return time.Duration(ts.Nano())
}

// operations are the operations by name, each with its key made once:
// the bare signature of each algorithm, and one password verification
// with the Argon2id parameters PASSWORD_HASH_MEMORY_KIB and
// PASSWORD_HASH_TIME (the provider's settings).
func operations(getenv func(string) string) (map[string]func() []byte, error) {
	ops := map[string]func() []byte{}
	for _, alg := range baresign.Algorithms {
		sign, _, err := baresign.New(alg)
		if err != nil {
			return nil, err
		}
		ops[alg] = sign
	}
	memoryKiB, err1 := strconv.Atoi(getenv("PASSWORD_HASH_MEMORY_KIB"))
	passes, err2 := strconv.Atoi(getenv("PASSWORD_HASH_TIME"))
	if err1 != nil || err2 != nil || memoryKiB < 8 || passes < 1 {
		return nil, fmt.Errorf("PASSWORD_HASH_MEMORY_KIB (at least 8) and PASSWORD_HASH_TIME (at least 1) must be set")
	}
	ops["Argon2id"] = passwordCheck(memoryKiB, passes)
	return ops, nil
}

// password is the demo user's (README, "Quick start"), whose hash the
// provider verifies at each login the load tool makes.
const password = "demo"

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
			panic("bareop: Argon2id is not deterministic")
		}
		return got
	}
}
