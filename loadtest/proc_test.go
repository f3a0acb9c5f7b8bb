package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// statLine is a /proc/PID/stat line whose command name holds spaces and
// parentheses, with utime 150, stime 50 and rss 1000 pages.
func statLine(utime, stime, rss string) string {
	fields := make([]string, 52)
	for i := range fields {
		fields[i] = "0"
	}
	fields[0], fields[1], fields[2] = "4242", "(a (b) c)", "S"
	fields[13], fields[14], fields[23] = utime, stime, rss
	return strings.Join(fields, " ") + "\n"
}

func TestParseProcStat(t *testing.T) {
	got, err := parseProcStat([]byte(statLine("150", "50", "1000")), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * time.Second; got.CPU != want {
		t.Errorf("CPU: got %v, want %v (200 ticks of 10 ms)", got.CPU, want)
	}
	if want := int64(4096000); got.RSS != want {
		t.Errorf("RSS: got %d, want %d", got.RSS, want)
	}
}

func TestParseProcStatRefusesMalformedLines(t *testing.T) {
	for name, line := range map[string]string{
		"no command name":   "4242 a S 1 2 3",
		"too few fields":    "4242 (a) S 1 2 3",
		"utime not numeric": statLine("x", "50", "1000"),
		"negative stime":    statLine("150", "-5", "1000"),
		"too long":          strings.Repeat("1 ", maxStatSize),
	} {
		if _, err := parseProcStat([]byte(line), 4096); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

func TestReadProcOfThisProcess(t *testing.T) {
	got, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got.RSS <= 0 || got.CPU < 0 {
		t.Errorf("got %+v, want a positive RSS and a CPU time", got)
	}
}
