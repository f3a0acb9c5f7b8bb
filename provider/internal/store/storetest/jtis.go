package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store"
)

// errSeen stands for RecordJTI's firstUse false, so a race can be judged by
// checkOneWinner like the single-use records.
var errSeen = errors.New("jti seen before")

// recordJTI calls RecordJTI and returns nil for a first use, errSeen for a
// replay.
func recordJTI(ctx context.Context, s store.Store, key string, expiresAt time.Time) error {
	first, err := s.RecordJTI(ctx, key, expiresAt)
	if err == nil && !first {
		err = errSeen
	}
	return err
}

// jtiTests hold the store to the seen-set of one-time JWT identifiers: a DPoP
// proof's jti (RFC 9449 Section 11.1) or a client assertion's
// (RFC 7523 Section 3) is accepted once within its window, however many
// requests race.
var jtiTests = []test{
	{"RecordJTI: the first use of a key is first, the second is a replay", func(t *testing.T, s store.Store) {
		checkErr(t, "RecordJTI(first)", recordJTI(t.Context(), s, "dpop:a", at(time.Minute)), nil)
		checkErr(t, "RecordJTI(again)", recordJTI(t.Context(), s, "dpop:a", at(time.Minute)), errSeen)
		checkErr(t, "RecordJTI(another key)", recordJTI(t.Context(), s, "dpop:b", at(time.Minute)), nil)
	}},
	{"concurrent RecordJTI of one key: exactly one first use", func(t *testing.T, s store.Store) {
		errs := concurrently(contention, func(int) error {
			return recordJTI(t.Context(), s, "dpop:raced", at(time.Minute))
		})
		checkOneWinner(t, "RecordJTI", errs, errSeen)
	}},
	{"PurgeExpired forgets expired JTIs and keeps live ones", func(t *testing.T, s store.Store) {
		must(t, "RecordJTI", recordJTI(t.Context(), s, "dpop:old", at(-time.Second)))
		must(t, "RecordJTI", recordJTI(t.Context(), s, "dpop:live", at(time.Minute)))
		n, err := s.PurgeExpired(t.Context(), t0)
		must(t, "PurgeExpired", err)
		if n != 1 {
			t.Errorf("PurgeExpired: got %d rows deleted, want 1 (the expired jti)", n)
		}
		checkErr(t, "RecordJTI(purged)", recordJTI(t.Context(), s, "dpop:old", at(time.Minute)), nil)
		checkErr(t, "RecordJTI(live)", recordJTI(t.Context(), s, "dpop:live", at(time.Minute)), errSeen)
	}},
	{"PurgeExpired forgets every expired JTI, more than one batch of a store deletes, and keeps every live one", func(t *testing.T, s store.Store) {
		const expired, live = 1001, 100
		for i := range expired + live {
			expiresAt := at(-time.Second)
			if i%11 == 0 && i/11 < live { // live ones among the expired, by insertion order and by expiry
				expiresAt = at(time.Duration(i) * time.Second)
			}
			must(t, "RecordJTI", recordJTI(t.Context(), s, fmt.Sprintf("dpop:%d", i), expiresAt))
		}
		n, err := s.PurgeExpired(t.Context(), t0)
		must(t, "PurgeExpired", err)
		if n != expired {
			t.Errorf("PurgeExpired: got %d rows deleted, want %d (the expired jtis)", n, expired)
		}
		for i := range expired + live {
			want := error(nil) // purged: a first use again
			if i%11 == 0 && i/11 < live {
				want = errSeen
			}
			checkErr(t, fmt.Sprintf("RecordJTI(dpop:%d) after the purge", i), recordJTI(t.Context(), s, fmt.Sprintf("dpop:%d", i), at(time.Minute)), want)
		}
	}},
}

// RunShared checks what two Stores opened on one database (as two provider
// processes would) must agree on. openPair returns two Stores on one new,
// empty database, closed when the test ends.
func RunShared(t *testing.T, openPair func(t *testing.T) (store.Store, store.Store)) {
	t.Run("two stores on one database share one attempt budget", func(t *testing.T) { sharedAttemptTest(t, openPair) })
	t.Run("a jti recorded through one store is a replay through the other", func(t *testing.T) {
		a, b := openPair(t)
		checkErr(t, "RecordJTI(a)", recordJTI(t.Context(), a, "dpop:shared", at(time.Minute)), nil)
		checkErr(t, "RecordJTI(b)", recordJTI(t.Context(), b, "dpop:shared", at(time.Minute)), errSeen)
	})
	t.Run("concurrent RecordJTI through two stores: exactly one first use", func(t *testing.T) {
		a, b := openPair(t)
		errs := concurrently(contention, func(i int) error {
			s := a
			if i%2 == 1 {
				s = b
			}
			return recordJTI(t.Context(), s, "dpop:raced", at(time.Minute))
		})
		checkOneWinner(t, "RecordJTI", errs, errSeen)
	})
	t.Run("a login session ended through one store is ended through the other", func(t *testing.T) {
		a, b := openPair(t)
		checkEnded(t, b, "session-shared", false)
		must(t, "EndLoginSession(a)", a.EndLoginSession(t.Context(), "session-shared", at(time.Hour)))
		checkEnded(t, b, "session-shared", true)
	})
}

// childJTIEnv names the variables that make the test binary a child of
// JTIAcrossProcesses.
const (
	childJTIDatabase = "STORETEST_CHILD_JTI_DATABASE"
	childJTIKey      = "STORETEST_CHILD_JTI_KEY"
)

// ChildDatabase is, in the child process of JTIAcrossProcesses, the database
// the parent named, and "" in any other process. A test that creates its
// database (a PostgreSQL schema) uses it instead in the child.
func ChildDatabase() string { return os.Getenv(childJTIDatabase) }

// JTIAcrossProcesses checks the seen-set across operating-system processes:
// it runs the test binary again, as the test named testName, to record a key
// in database, and checks that each process sees the other's record. The test
// testName must call JTIAcrossProcesses first thing; open opens a Store on a
// database (closed when the test ends). In the child, JTIAcrossProcesses
// records the key, prints the outcome and returns true: the test must then
// return.
func JTIAcrossProcesses(t *testing.T, testName, database string, open func(t *testing.T, database string) store.Store) (child bool) {
	if key := os.Getenv(childJTIKey); key != "" {
		first, err := open(t, ChildDatabase()).RecordJTI(t.Context(), key, time.Now().Add(time.Minute))
		must(t, "child RecordJTI", err)
		fmt.Printf("firstUse=%t\n", first)
		return true
	}
	inChild := func(key string) bool {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+testName+"$", "-test.v")
		cmd.Env = append(os.Environ(), childJTIDatabase+"="+database, childJTIKey+"="+key)
		out, err := cmd.CombinedOutput()
		switch {
		case err != nil:
			t.Fatalf("child: %v\n%s", err, out)
		case strings.Contains(string(out), "firstUse=true"):
			return true
		case strings.Contains(string(out), "firstUse=false"):
			return false
		}
		t.Fatalf("child printed no outcome:\n%s", out)
		return false
	}
	s := open(t, database)
	if !inChild("dpop:from-child") {
		t.Errorf("child RecordJTI(new key): got firstUse false, want true")
	}
	checkErr(t, "parent RecordJTI(the child's key)", recordJTI(t.Context(), s, "dpop:from-child", time.Now().Add(time.Minute)), errSeen)
	must(t, "parent RecordJTI", recordJTI(t.Context(), s, "dpop:from-parent", time.Now().Add(time.Minute)))
	if inChild("dpop:from-parent") {
		t.Errorf("child RecordJTI(the parent's key): got firstUse true, want false (a replay)")
	}
	return false
}
