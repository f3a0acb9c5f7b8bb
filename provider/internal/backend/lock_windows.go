package backend

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockExclusive locks f's first byte exclusively without waiting
// (LockFileEx): errLocked when another open file holds it.
func lockExclusive(f *os.File) error {
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY,
		0, 1, 0, new(windows.Overlapped))
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return errLocked
	}
	return err
}

// hardLinks is how many names the file fi describes has: taken as one on
// Windows, where os.FileInfo does not tell.
func hardLinks(os.FileInfo) uint64 { return 1 }
