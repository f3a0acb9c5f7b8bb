package main

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// startChild starts the program name with args by start, and stops it
// when the test ends; it returns its pid.
func startChild(t *testing.T, start func(*exec.Cmd) error, name string, args ...string) int {
	t.Helper()
	cmd := exec.Command(name, args...)
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
	pinned := startChild(t, func(cmd *exec.Cmd) error { return startPinned(cmd, cpu) }, "sleep", "30")
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
		free := startChild(t, (*exec.Cmd).Start, "sleep", "30")
		if err := checkPinned(free, cpu); err == nil {
			t.Error("a child started without pinning: checkPinned found it pinned")
		}
	}
}

// TestPinLoadToolFreesTheServersCPU: after pinLoadTool, no thread of this
// process may run on the servers' CPU (when there is another CPU to run on).
func TestPinLoadToolFreesTheServersCPU(t *testing.T) {
	cpu, err := serverCPU()
	if err != nil {
		t.Fatal(err)
	}
	var own unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		t.Fatal(err)
	}
	if own.Count() < 2 {
		t.Skip("one CPU: the load tool shares it with the server")
	}
	t.Cleanup(func() { setEveryThread(t, &own) })
	if err := pinLoadTool(cpu); err != nil {
		t.Fatal(err)
	}
	for _, tid := range threads(t) {
		var mask unix.CPUSet
		if err := unix.SchedGetaffinity(tid, &mask); err == nil && mask.IsSet(cpu) {
			t.Errorf("thread %d may still run on CPU %d", tid, cpu)
		}
	}
}

// threads are the ids of this process's threads.
func threads(t *testing.T) []int {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var tids []int
	for _, task := range tasks {
		if tid, err := strconv.Atoi(task.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids
}

// setEveryThread gives every thread of this process the CPUs of mask.
func setEveryThread(t *testing.T, mask *unix.CPUSet) {
	for _, tid := range threads(t) {
		_ = unix.SchedSetaffinity(tid, mask) // a thread may have exited meanwhile
	}
}
