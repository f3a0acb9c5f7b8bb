package service

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

const (
	// heapFloor is the smallest heap goal KeepHeapFloor keeps: four times
	// Go's own minimum.
	heapFloor = 16 << 20
	// defaultGCPercent is Go's GOGC when the environment sets none.
	defaultGCPercent = 100
	// maxGCPercent is the GOGC whose own minimum goal is heapFloor
	// (4 MB × 400/100): a higher one would raise the floor itself.
	maxGCPercent = 400
)

// KeepHeapFloor keeps the garbage collector's heap goal at max(16 MB,
// twice the live heap) instead of Go's max(4 MB, twice the live heap),
// unless the environment sets GOGC: then the operator has chosen, and it
// does nothing.
//
// Go starts a collection when the heap reaches its goal: what the last
// cycle found live plus GOGC percent of it, and never less than
// 4 MB × GOGC/100. The provider's live heap under load is about 1 MB, so
// at Go's default (GOGC=100) a cycle ran every 3 MB allocated, every few
// hundred requests: about 100 a second under an introspection load
// (GODEBUG=gctrace=1), most of each the fixed cost of a cycle. GOGC=400
// for good would make them about a fifth as many, but would also let a heap
// that is large for a moment (an Argon2id verification holds 7 MiB) grow
// to five times what is live. So after each cycle KeepHeapFloor sets GOGC
// from the heap that cycle found live (gcPercentFor): 400 while it is
// small, Go's 100 once twice the live heap is above 16 MB. The heap then
// holds at most 12 MB more than at Go's default, and never more than
// twice what is live beyond that.
func KeepHeapFloor() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	(&heapFloorTuner{live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}).afterCycle()
}

// heapFloorTuner sets GOGC after each collection. Each tuner is also the
// object whose finalizer runs the next: afterCycle hands the work on to a
// fresh one that nothing references, and the runtime runs an object's
// finalizer once a cycle has found it unreachable.
type heapFloorTuner struct {
	live []metrics.Sample // the live heap, as the last cycle marked it
}

// afterCycle sets GOGC for the live heap, then arranges to run again after
// the next cycle.
func (t *heapFloorTuner) afterCycle() {
	metrics.Read(t.live)
	debug.SetGCPercent(gcPercentFor(t.live[0].Value.Uint64()))
	runtime.SetFinalizer(&heapFloorTuner{live: t.live}, (*heapFloorTuner).afterCycle)
}

// gcPercentFor returns the GOGC whose goal for a live heap of live bytes
// is heapFloor, within [defaultGCPercent, maxGCPercent]: 400 for a heap
// under 3.2 MB (goal 16 MB, Go's minimum at that GOGC), Go's default 100
// from 8 MB up (goal twice the live heap, above 16 MB), and in between the
// percent that brings live up to 16 MB.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	percent := int(heapFloor*100/live) - 100
	return min(max(percent, defaultGCPercent), maxGCPercent)
}
