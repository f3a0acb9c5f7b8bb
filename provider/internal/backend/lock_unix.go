//go:build unix

package backend

import (
	"errors"
	"os"
	"syscall"
)

// lockExclusive takes an exclusive flock(2) on f without waiting: errLocked
// when another open file holds one.
func lockExclusive(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

// hardLinks is how many names (hard links) the file fi describes has.
func hardLinks(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
