package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// cpuTime is the CPU time process pid has spent so far: user and system
// time of every thread, live or exited, in nanoseconds. It reads the
// process's CPU-time clock (clock_gettime(2) on the clock id
// clock_getcpuclockid(3) computes), which counts the same time as
// utime+stime in /proc/PID/stat, but exactly: /proc counts in clock ticks
// of 10 ms, 2 % of a half-second window.
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
// /proc/PID/stat and returns it in bytes. Field 2, the command name in
// parentheses, may itself hold spaces and parentheses, so the fields are
// counted from the last ')'.
func parseProcStat(data []byte, pageSize int64) (int64, error) {
	if len(data) > maxStatSize {
		return 0, errors.New("loadtest: /proc stat line too long")
	}
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, errors.New("loadtest: /proc stat line has no command name")
	}
	fields := bytes.Fields(data[end+1:]) // fields[0] is field 3, the state
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
