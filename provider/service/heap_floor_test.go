package service

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"
)

// goalOf is the heap goal Go's collector sets for a live heap at a GOGC
// (stacks and globals aside): live plus percent of it, and at least
// 4 MB × percent/100.
func goalOf(live uint64, percent int) uint64 {
	return max(live+live*uint64(percent)/100, 4<<20*uint64(percent)/100)
}

// TestGCPercentFor: the GOGC gcPercentFor picks gives the goal
// max(16 MB, twice the live heap), within the 1 % a whole percent can
// miss by, for live heaps from nothing to 64 MB.
func TestGCPercentFor(t *testing.T) {
	for live := uint64(0); live <= 64<<20; live += 256 << 10 {
		percent := gcPercentFor(live)
		got, want := goalOf(live, percent), max(heapFloor, 2*live)
		if percent < defaultGCPercent || percent > maxGCPercent || got < want-want/100 || got > want+want/100 {
			t.Errorf("live heap %d B: GOGC %d gives a goal of %d B, want %d B", live, percent, got, want)
		}
	}
	for live, want := range map[uint64]int{1 << 20: 400, 4 << 20: 300, 8 << 20: 100, 1 << 30: 100} {
		if got := gcPercentFor(live); got != want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", live, got, want)
		}
	}
}

// TestKeepHeapFloorFollowsTheLiveHeap: GOGC is 400 while the heap is
// small, 100 once a cycle finds 32 MB live, and 400 again once that is
// gone. It runs in a child process, as the tuner, once started, tunes
// its process for good.
func TestKeepHeapFloorFollowsTheLiveHeap(t *testing.T) {
	if !inChild(t) {
		return
	}
	KeepHeapFloor()
	waitForGCPercent(t, maxGCPercent)
	holdWhile(32<<20, func() { waitForGCPercent(t, defaultGCPercent) })
	waitForGCPercent(t, maxGCPercent)
}

// holdWhile keeps size bytes live while f runs, and nothing once it has
// returned.
func holdWhile(size int, f func()) {
	held := make([]byte, size)
	f()
	runtime.KeepAlive(held)
}

// TestKeepHeapFloorLeavesAnOperatorsGOGC: with GOGC in the environment,
// KeepHeapFloor changes nothing, then or after a cycle.
func TestKeepHeapFloorLeavesAnOperatorsGOGC(t *testing.T) {
	if !inChild(t, "GOGC=150") {
		return
	}
	KeepHeapFloor()
	for cycles := range 3 {
		if got := gcPercent(); got != 150 {
			t.Fatalf("GOGC after %d cycles: %d, want the environment's 150", cycles, got)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // for a finalizer the cycle queued
	}
}

// waitForGCPercent collects until GOGC is want, as the tuner sets it after
// a cycle, for up to ten seconds.
func waitForGCPercent(t *testing.T, want int) {
	t.Helper()
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		if gcPercent() == want {
			return
		}
	}
	t.Fatalf("GOGC is %d, want %d", gcPercent(), want)
}

// gcPercent returns the process's GOGC.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// inChild reports whether the test runs in the child process it starts:
// in the parent it runs the test again in a child, whose environment has
// no GOGC but what env sets, fails if the child fails, and returns false.
func inChild(t *testing.T, env ...string) bool {
	t.Helper()
	if os.Getenv("HEAP_FLOOR_CHILD") == "1" {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GOGC=") })
	cmd.Env = append(cmd.Env, append(env, "HEAP_FLOOR_CHILD=1")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return false
}
