package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// cpuTime is the CPU time process pid has spent so far: user and system
// time of every thread, live or exited, in nanoseconds. It reads the
// process's CPU-time clock (clock_gettime(2) on the clock id
// clock_getcpuclockid(3) computes), which counts the same time as
// utime+stime in /proc/PID/stat, but exactly: /proc counts in clock ticks
// of 10 ms, a tenth of a 100 ms window.
func cpuTime(pid int) (time.Duration, error) {
	// Linux's encoding of a process's CPU-time clock (include/linux/posix-timers.h):
	// the bitwise complement of the pid shifted left by 3, then CPUCLOCK_SCHED (2).
	clock := int32(^uint32(pid)<<3 | 2)
	var ts unix.Timespec
	if err := unix.ClockGettime(clock, &ts); err != nil {
		return 0, fmt.Errorf("loadtest: the CPU time of process %d: %w", pid, err)
	}
	return time.Duration(ts.Nano()), nil
}

// The wait for a process to go idle after a window: how often its clock
// and its threads are read, and for how long at most.
const (
	settleTick = time.Millisecond
	maxSettle  = 50 * time.Millisecond
)

// settledCPUTime is process pid's CPU time once it has gone idle, waiting
// at most limit; settled is false when limit ran out first (the time is
// then the last reading, and the table notes the window). Read at the end of a window it charges the window with
// the work a process defers until it has nothing else to do (Go's garbage
// collector finishes a cycle on an idle CPU), which would otherwise run
// uncounted beside the next window, another process's. Idle is two ticks
// in a row in which the clock moved by at most 1 % of one, after each of
// which no thread is runnable: a process waiting for the CPU spends none
// meanwhile, and one tick alone can fall in a moment a busy thread waits
// for something else than the CPU (a page from the disk: state D).
func settledCPUTime(pid int, limit time.Duration) (cpu time.Duration, settled bool, err error) {
	last, err := cpuTime(pid)
	if err != nil {
		return 0, false, err
	}
	idleTicks := 0
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		time.Sleep(settleTick)
		now, err := cpuTime(pid)
		if err != nil {
			return 0, false, err
		}
		if now-last <= settleTick/100 && !runnable(pid) {
			idleTicks++
		} else {
			idleTicks = 0
		}
		if idleTicks == 2 {
			return now, true, nil
		}
		last = now
	}
	return last, false, nil
}

// runnable reports whether a thread of process pid is running or waiting
// for a CPU (state R in /proc/PID/task/TID/stat).
func runnable(pid int) bool {
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid)) // the pattern is well formed
	for _, path := range stats {
		if data, err := os.ReadFile(path); err == nil && procState(data) == 'R' {
			return true
		}
	}
	return false
}

// procState is field 3 of a /proc stat line, the state ('R', 'S', …); 0
// if there is none.
func procState(data []byte) byte {
	rest, ok := afterCommand(data)
	if !ok || len(rest) < 2 {
		return 0
	}
	return rest[1]
}

// afterCommand is what follows field 2 of a /proc stat line, the command
// name in parentheses, which may itself hold spaces and parentheses: the
// line after its last ')', which starts " " then field 3. ok is false when
// the line has no ')'.
func afterCommand(data []byte) (rest []byte, ok bool) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return nil, false
	}
	return data[end+1:], true
}

// maxStatSize bounds the /proc/PID/stat line read; the real one is a few
// hundred bytes.
const maxStatSize = 4096

// residentSize is process pid's resident set size in bytes.
func residentSize(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStat(data, int64(os.Getpagesize()))
}

// parseProcStat reads rss (field 24, in pages) from the one line of
// /proc/PID/stat and returns it in bytes, the fields counted from the end
// of the command name (afterCommand).
func parseProcStat(data []byte, pageSize int64) (int64, error) {
	if len(data) > maxStatSize {
		return 0, errors.New("loadtest: /proc stat line too long")
	}
	rest, ok := afterCommand(data)
	if !ok {
		return 0, errors.New("loadtest: /proc stat line has no command name")
	}
	fields := bytes.Fields(rest) // fields[0] is field 3, the state
	const first, rss = 3, 24
	if len(fields) < rss-first+1 {
		return 0, fmt.Errorf("loadtest: /proc stat line has %d fields, want at least %d", len(fields)+first-1, rss)
	}
	pages, err := strconv.ParseInt(string(fields[rss-first]), 10, 64)
	if err != nil || pages < 0 {
		return 0, fmt.Errorf("loadtest: /proc stat field %d is %q", rss, fields[rss-first])
	}
	return pages * pageSize, nil
}
