package oauth

import (
	"testing"
	"time"
)

// A hash waits while every Argon2id slot is taken, so a burst of sign-ins
// cannot hold more than len(argon2Slots) × m of memory at once.
func TestArgon2idConcurrencyBounded(t *testing.T) {
	for range cap(argon2Slots) {
		argon2Slots <- struct{}{} // every slot busy
	}
	done := make(chan []byte)
	go func() {
		done <- argon2Key("pw", make([]byte, argon2SaltLen), argon2Params{memoryKiB: 8, time: 1, threads: 1}, argon2KeyLen)
	}()
	select {
	case <-done:
		t.Fatal("argon2Key ran while every slot was taken")
	case <-time.After(50 * time.Millisecond):
	}
	<-argon2Slots // one slot frees
	if key := <-done; len(key) != argon2KeyLen {
		t.Errorf("got a %d-byte key, want %d", len(key), argon2KeyLen)
	}
	for range cap(argon2Slots) - 1 {
		<-argon2Slots
	}
}
