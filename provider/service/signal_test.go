package service

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestACommandEndsWhenItsOutputIsGone: a program that only asked for
// ShutdownContext (a command such as `client device`, which prints while
// it polls) is ended by SIGPIPE at its first write after the reader of
// its standard output has gone, as a pipeline's command is ("client device
// | head" ends); a serving one (keepServingOnClosedLog, in Serve) gets
// EPIPE and goes on. Each runs in a child process writing a line every
// 10 ms to a pipe whose reader leaves after the first.
func TestACommandEndsWhenItsOutputIsGone(t *testing.T) {
	if role := os.Getenv("SIGPIPE_CHILD"); role != "" {
		ShutdownContext()
		if role == "server" {
			keepServingOnClosedLog()
		}
		for range 500 {
			if _, err := fmt.Println("a line"); errors.Is(err, syscall.EPIPE) {
				os.Exit(3) // what a server sees: the write failed, the process lives
			}
			time.Sleep(10 * time.Millisecond)
		}
		os.Exit(0)
	}
	for role, want := range map[string]string{"command": "signal: broken pipe", "server": "exit status 3"} {
		cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$")
		cmd.Env = append(os.Environ(), "SIGPIPE_CHILD="+role)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("%s: no first line: %v", role, err)
		}
		out.Close() // the reader goes away
		if err := cmd.Wait(); err == nil || err.Error() != want {
			t.Errorf("%s: the child ended with %v, want %q", role, err, want)
		}
	}
}
