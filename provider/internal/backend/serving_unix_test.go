//go:build unix

package backend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/internal/backend"
)

// TestClaimServingRefusesAHardLinkedDatabase: a SQLite file with a second
// name (a hard link) cannot be claimed by either name, since the claim and
// SQLite's journal both go by the name; once the second name is gone it
// can.
func TestClaimServingRefusesAHardLinkedDatabase(t *testing.T) {
	dir := t.TempDir()
	db, link := filepath.Join(dir, "provider.db"), filepath.Join(dir, "other-name.db")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(db, link); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{db, link} {
		if release, err := backend.ClaimServing(name); err == nil || !strings.Contains(err.Error(), "hard links") {
			if err == nil {
				release()
			}
			t.Errorf("a claim on %s, one of two names of the file: got %v, want an error naming its hard links", name, err)
		}
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	release, err := backend.ClaimServing(db)
	if err != nil {
		t.Fatalf("a claim on the file once it has one name: %v", err)
	}
	release()
}
