package backend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/sqlite"
)

// ClaimServing makes this process the one provider that serves the SQLite
// database at databaseURL, until release is called or the process ends
// (even by kill -9: the operating system drops the lock with the process).
// A serving provider answers a token it has found live from memory and
// forgets that memory only on its own revocations (README, "Revocation
// without a query per request"), so a second provider on the same file
// would keep accepting a token the first had revoked: ClaimServing fails
// while another process serves the file. Commands that do not serve
// ("provider keys rotate") need no claim. PostgreSQL, whose processes hear
// each other's revocations, and a private in-memory database need none
// either.
func ClaimServing(databaseURL string) (release func(), err error) {
	if config.IsPostgres(databaseURL) || databaseURL == sqlite.Memory {
		return func() {}, nil
	}
	if err := refuseHardLinked(databaseURL); err != nil {
		return nil, err
	}
	path := lockPath(databaseURL)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil { // as sqlite.Open makes the database's
		return nil, fmt.Errorf("claim the SQLite database: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("claim the SQLite database: %w", err)
	}
	if err := lockExclusive(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("another provider process serves the SQLite database %s (it holds %s): "+
				"a SQLite file serves one provider process, which alone sees its revocations; "+
				"stop the other one, or use PostgreSQL for several", databaseURL, path)
		}
		return nil, fmt.Errorf("claim the SQLite database: %w", err)
	}
	return func() { f.Close() }, nil // closing the file drops its lock
}

// refuseHardLinked refuses a SQLite database file that has more than one
// name (hard links). SQLite names a database's journal after the name it
// was opened by, so two names make two journals of one database, which
// corrupts it ("Multiple links to the same file",
// https://www.sqlite.org/howtocorrupt.html); and the claim, named after
// the file's name too (lockPath), would not hold off a provider opening
// the other name. A database not created yet has no name to share.
func refuseHardLinked(dbPath string) error {
	fi, err := os.Stat(dbPath)
	if err != nil {
		return nil
	}
	if n := hardLinks(fi); n > 1 {
		return fmt.Errorf("the SQLite database %s has %d names (hard links): SQLite keeps a journal per name, "+
			"and two journals corrupt one database; give the file one name", dbPath, n)
	}
	return nil
}

// lockPath is the lock file beside the SQLite database at dbPath, named
// after the file the path leads to: two spellings of one database (a
// symbolic link, "./" or "..") take one lock, as SQLite itself names its
// journal files after the file it resolves to. A database not created yet
// is named in its directory, resolved as far as it exists.
func lockPath(dbPath string) string {
	if file, err := filepath.EvalSymlinks(dbPath); err == nil {
		return file + ".lock"
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(dbPath)); err == nil {
		return filepath.Join(dir, filepath.Base(dbPath)) + ".lock"
	}
	return filepath.Clean(dbPath) + ".lock"
}

// errLocked is lockExclusive's error when another process holds the lock.
var errLocked = errors.New("locked by another process")
