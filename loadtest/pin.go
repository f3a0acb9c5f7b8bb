package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// serverCPU is the CPU the servers are pinned to: the highest one this
// process may use (the load tool runs on the others).
func serverCPU() (int, error) {
	var own unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		return 0, fmt.Errorf("loadtest: sched_getaffinity: %w", err)
	}
	for cpu := 1023; cpu >= 0; cpu-- {
		if own.IsSet(cpu) {
			return cpu, nil
		}
	}
	return 0, fmt.Errorf("loadtest: no CPU in this process's affinity mask")
}

// startPinned starts cmd with its CPU affinity set to cpu alone. The child
// inherits the affinity of the thread that forks it, so that thread is
// pinned for the moment of the fork: every thread the child's runtime ever
// creates is then pinned too, and Go sees one CPU (GOMAXPROCS 1).
func startPinned(cmd *exec.Cmd, cpu int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	restore, err := pinThread(cpu)
	if err != nil {
		return err
	}
	defer restore()
	return cmd.Start()
}

// checkPinned verifies that every thread of process pid may run on cpu only.
func checkPinned(pid, cpu int) error {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		return fmt.Errorf("loadtest: cannot list the threads of process %d", pid)
	}
	want := []byte("Cpus_allowed_list:\t" + strconv.Itoa(cpu) + "\n")
	for _, task := range tasks {
		status, err := os.ReadFile(task)
		if err == nil && !bytes.Contains(status, want) {
			return fmt.Errorf("loadtest: %s: a thread is not pinned to CPU %d", task, cpu)
		}
	}
	return nil
}

// pinThread restricts the calling OS thread (locked by the caller) to cpu
// and returns the function that gives it back its former CPUs.
func pinThread(cpu int) (restore func(), err error) {
	var own, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		return nil, fmt.Errorf("loadtest: sched_getaffinity: %w", err)
	}
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		return nil, fmt.Errorf("loadtest: sched_setaffinity: %w", err)
	}
	return func() { _ = unix.SchedSetaffinity(0, &own) }, nil
}

// pinLoadTool moves every thread of the load tool off cpu, when it may
// use others, so that the servers' CPU runs the server alone. Threads the
// runtime creates later inherit the mask of the thread that creates them;
// a second sweep catches any created during the first.
func pinLoadTool(cpu int) error {
	var others unix.CPUSet
	if err := unix.SchedGetaffinity(0, &others); err != nil {
		return fmt.Errorf("loadtest: sched_getaffinity: %w", err)
	}
	others.Clear(cpu)
	if others.Count() == 0 {
		return nil // one CPU: the clients share it with the server
	}
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, task := range tasks {
			if tid, err := strconv.Atoi(task.Name()); err == nil {
				_ = unix.SchedSetaffinity(tid, &others) // a thread may have exited meanwhile
			}
		}
	}
	return nil
}
