package main

import (
	"os/exec"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// startSleep starts a child that waits, started by start, and stops it
// when the test ends.
func startSleep(t *testing.T, start func(*exec.Cmd) error) int {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd.Process.Pid
}

func TestStartPinnedPinsTheChildAlone(t *testing.T) {
	cpu, err := serverCPU()
	if err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread() // so the mask compared is the one startPinned changed and restored
	defer runtime.UnlockOSThread()
	var before, after unix.CPUSet
	if err := unix.SchedGetaffinity(0, &before); err != nil {
		t.Fatal(err)
	}
	pinned := startSleep(t, func(cmd *exec.Cmd) error { return startPinned(cmd, cpu) })
	if err := checkPinned(pinned, cpu); err != nil {
		t.Errorf("the child: %v", err)
	}
	if err := unix.SchedGetaffinity(0, &after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("this thread's CPUs: got %v after the start, want %v as before", after, before)
	}
	if before.Count() > 1 {
		free := startSleep(t, (*exec.Cmd).Start)
		if err := checkPinned(free, cpu); err == nil {
			t.Error("a child started without pinning: checkPinned found it pinned")
		}
	}
}
