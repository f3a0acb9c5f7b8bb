package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// statLine is a /proc/PID/stat line whose command name holds spaces and
// parentheses, with rss as field 24.
func statLine(rss string) string {
	fields := make([]string, 52)
	for i := range fields {
		fields[i] = "0"
	}
	fields[0], fields[1], fields[2] = "4242", "(a (b) c)", "S"
	fields[13], fields[14], fields[23] = "150", "50", rss
	return strings.Join(fields, " ") + "\n"
}

func TestParseProcStat(t *testing.T) {
	got, err := parseProcStat([]byte(statLine("1000")), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(4096000); got != want {
		t.Errorf("RSS: got %d, want %d", got, want)
	}
}

func TestParseProcStatRefusesMalformedLines(t *testing.T) {
	for name, line := range map[string]string{
		"no command name": "4242 a S 1 2 3",
		"too few fields":  "4242 (a) S 1 2 3",
		"rss not numeric": statLine("x"),
		"negative rss":    statLine("-5"),
		"too long":        strings.Repeat("1 ", maxStatSize),
	} {
		if _, err := parseProcStat([]byte(line), 4096); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

func TestResidentSizeOfThisProcess(t *testing.T) {
	got, err := residentSize(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got <= 0 {
		t.Errorf("got %d, want a positive RSS", got)
	}
}

// TestCPUTimeOfAnotherProcess reads a child's CPU clock while it spins
// and while it sleeps. On a busy machine the spinning child may get little
// of a CPU, so the test waits (up to 20 s) until it has spent 50 ms.
func TestCPUTimeOfAnotherProcess(t *testing.T) {
	busy := startChild(t, (*exec.Cmd).Start, "sh", "-c", "while :; do :; done")
	idle := startChild(t, (*exec.Cmd).Start, "sleep", "60")
	busyBefore, err := cpuTime(busy)
	if err != nil {
		t.Fatal(err)
	}
	idleBefore, err := cpuTime(idle)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		busyNow, err := cpuTime(busy)
		if err != nil {
			t.Fatal(err)
		}
		if busyNow-busyBefore >= 50*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a spinning child: got %v of CPU in 20 s, want 50 ms", busyNow-busyBefore)
		}
	}
	idleAfter, err := cpuTime(idle)
	if err != nil {
		t.Fatal(err)
	}
	if got := idleAfter - idleBefore; got > 5*time.Millisecond {
		t.Errorf("a sleeping child: got %v of CPU while the other spent 50 ms, want next to none", got)
	}
}

func TestCPUTimeOfNoProcess(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := cpuTime(cmd.Process.Pid); err == nil {
		t.Error("the CPU time of a process that has exited and been reaped: got no error")
	}
}

func TestProcState(t *testing.T) {
	for line, want := range map[string]byte{
		"42 (provider) S 1 42":    'S',
		"42 (a) (b) R 1 42":       'R',
		"42 (no state)":           0,
		"42 no command name R 1 ": 0,
	} {
		if got := procState([]byte(line)); got != want {
			t.Errorf("procState(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestSettledCPUTimeWaitsForIdle: a process that keeps spending CPU for a
// while after the call is read once it has stopped, so its clock does not
// move after the reading.
func TestSettledCPUTimeWaitsForIdle(t *testing.T) {
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done; exec sleep 30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	settled, ok, err := settledCPUTime(cmd.Process.Pid, 20*time.Second)
	if err != nil || !ok {
		t.Fatalf("got settled %v, %v; want the process to go idle within 20 s", ok, err)
	}
	time.Sleep(50 * time.Millisecond)
	later, err := cpuTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if settled < 5*time.Millisecond || later-settled > time.Millisecond {
		t.Errorf("settled at %v, then %v: want the loop's CPU (milliseconds of it) and no more after", settled, later)
	}
}

// pausingChildEnv makes this test binary, run as a child, the process of
// TestSettledCPUTimeWaitsThroughAPause (runPausingChild).
const pausingChildEnv = "LOADTEST_PAUSING_CHILD"

// TestSettledCPUTimeWaitsThroughAPause: a process that works in bursts of
// 3 ms with pauses of 1.5 ms between them (state S, not runnable) is not
// taken as idle during a pause, which one idle tick of 1 ms would do; it
// is read once its last burst is done.
func TestSettledCPUTimeWaitsThroughAPause(t *testing.T) {
	if os.Getenv(pausingChildEnv) != "" {
		runPausingChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSettledCPUTimeWaitsThroughAPause$")
	cmd.Env = append(os.Environ(), pausingChildEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "working" {
		t.Fatalf("the child said %q, want working", lines.Text())
	}
	settled, ok, err := settledCPUTime(cmd.Process.Pid, 20*time.Second)
	if err != nil || !ok {
		t.Fatalf("got settled %v, %v; want the child to go idle within 20 s", ok, err)
	}
	if !lines.Scan() || lines.Text() != "done" {
		t.Fatalf("the child said %q, want done", lines.Text())
	}
	later, err := cpuTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if later-settled > time.Millisecond {
		t.Errorf("settled at %v, but the child went on to %v: a pause was taken for idle", settled, later)
	}
}

// runPausingChild works 3 ms, pauses 1.5 ms, twenty times, then says so
// and sleeps until it is killed.
func runPausingChild() {
	fmt.Println("working")
	for range 20 {
		for start := time.Now(); time.Since(start) < 3*time.Millisecond; {
		}
		time.Sleep(1500 * time.Microsecond)
	}
	fmt.Println("done")
	time.Sleep(time.Minute)
}
