package sqlite_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauth-reference/provider/internal/store/storetest"
	"github.com/oauth-reference/provider/internal/token"
)

// TestSealingErasesCleartextKeys: the keys an older version stored in
// cleartext are sealed at the next start, and then no file of the database
// (the file, its write-ahead log) holds them any more, so a copy of those
// files cannot sign, while the provider runs or after it stopped. Before,
// the replaced bytes stayed in the log and in free pages.
func TestSealingErasesCleartextKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provider.db")
	old := openPath(t, path)
	secrets := storetest.StoreCleartextKeys(t, old)
	old.Close()

	s := openPath(t, path)
	kek, err := token.NewKEK(bytes.Repeat([]byte{'k'}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := token.LoadKeys(t.Context(), s, kek, token.RS256, time.Hour, time.Now()); err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	holdsNoSecret(t, path, secrets)
	s.Close() // which checkpoints the write-ahead log into the file
	holdsNoSecret(t, path, secrets)
}

// holdsNoSecret checks that none of the files of the database at path holds
// any of secrets.
func holdsNoSecret(t *testing.T, path string, secrets [][]byte) {
	t.Helper()
	files, err := filepath.Glob(path + "*")
	if err != nil || len(files) == 0 {
		t.Fatalf("the database's files: got %v, %v", files, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		storetest.HoldsNoSecret(t, filepath.Base(name), data, secrets)
	}
}
