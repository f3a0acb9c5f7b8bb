package backend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/backend"
)

// TestClaimServingOnePerSQLiteFile: while one claim on a SQLite file
// holds, a second fails and says why; once released, the file can be
// claimed again. Another file is claimed independently.
func TestClaimServingOnePerSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "provider.db")
	release, err := backend.ClaimServing(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.ClaimServing(db); err == nil || !strings.Contains(err.Error(), "another provider process serves") {
		t.Fatalf("a second claim on %s: got %v, want an error naming another provider process", db, err)
	}
	other, err := backend.ClaimServing(filepath.Join(dir, "other.db"))
	if err != nil {
		t.Fatalf("a claim on another file: %v", err)
	}
	other()
	release()
	again, err := backend.ClaimServing(db)
	if err != nil {
		t.Fatalf("a claim after the release: %v", err)
	}
	again()
}

// TestClaimServingOneLockPerFile: a database reached through a symbolic
// link, or through a directory that is one, is the same file: its claim
// fails while the claim on the file's own path holds.
func TestClaimServingOneLockPerFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "provider.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fileLink, dirLink := filepath.Join(dir, "link.db"), filepath.Join(dir, "linked-data")
	if err := os.Symlink(db, fileLink); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(db), dirLink); err != nil {
		t.Fatal(err)
	}
	release, err := backend.ClaimServing(db)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for _, other := range []string{fileLink, filepath.Join(dirLink, "provider.db"), filepath.Join(dir, "data", ".", "provider.db")} {
		if again, err := backend.ClaimServing(other); err == nil || !strings.Contains(err.Error(), "another provider process serves") {
			if err == nil {
				again()
			}
			t.Errorf("a claim on %s, the same file as %s: got %v, want an error naming another provider process", other, db, err)
		}
	}
}

// TestClaimServingMakesTheDirectory: a claim on a file in a directory that
// does not exist yet makes it, as opening the database would.
func TestClaimServingMakesTheDirectory(t *testing.T) {
	release, err := backend.ClaimServing(filepath.Join(t.TempDir(), "data", "provider.db"))
	if err != nil {
		t.Fatal(err)
	}
	release()
}

// TestClaimServingNeedsNoneWithoutAFile: PostgreSQL and a private
// in-memory database take no claim, so any number of claims succeed.
func TestClaimServingNeedsNoneWithoutAFile(t *testing.T) {
	for _, url := range []string{"postgres://u@127.0.0.1:5432/db", "postgresql://u@127.0.0.1/db", ":memory:"} {
		for range 2 {
			release, err := backend.ClaimServing(url)
			if err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			defer release()
		}
	}
}
