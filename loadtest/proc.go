package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicksPerSecond is the unit of utime and stime in /proc/PID/stat:
// USER_HZ, which Linux fixes at 100 for every architecture's user ABI
// (proc(5): "measured in clock ticks (divide by sysconf(_SC_CLK_TCK))").
const clockTicksPerSecond = 100

// procSample is what /proc/PID/stat says about a process at one moment.
type procSample struct {
	CPU time.Duration // utime + stime: user and system time of every thread, live or exited
	RSS int64         // resident set size in bytes
}

// maxStatSize bounds the /proc/PID/stat line read; the real one is a few
// hundred bytes.
const maxStatSize = 4096

// readProc samples process pid.
func readProc(pid int) (procSample, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	return parseProcStat(data, int64(os.Getpagesize()))
}

// parseProcStat reads utime (field 14), stime (field 15) and rss (field
// 24, in pages) from the one line of /proc/PID/stat. Field 2, the command
// name in parentheses, may itself hold spaces and parentheses, so the
// fields are counted from the last ')'.
func parseProcStat(data []byte, pageSize int64) (procSample, error) {
	if len(data) > maxStatSize {
		return procSample{}, errors.New("loadtest: /proc stat line too long")
	}
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return procSample{}, errors.New("loadtest: /proc stat line has no command name")
	}
	fields := bytes.Fields(data[end+1:]) // fields[0] is field 3, the state
	const first = 3
	if len(fields) < 24-first+1 {
		return procSample{}, fmt.Errorf("loadtest: /proc stat line has %d fields, want at least 24", len(fields)+first-1)
	}
	var n [3]int64
	for i, field := range []int{14, 15, 24} {
		v, err := strconv.ParseInt(string(fields[field-first]), 10, 64)
		if err != nil || v < 0 {
			return procSample{}, fmt.Errorf("loadtest: /proc stat field %d is %q", field, fields[field-first])
		}
		n[i] = v
	}
	ticks := n[0] + n[1]
	return procSample{CPU: time.Duration(ticks) * time.Second / clockTicksPerSecond, RSS: n[2] * pageSize}, nil
}
