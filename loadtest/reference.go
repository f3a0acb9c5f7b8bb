package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-reference/loadtest/internal/baresign"
)

// referenceGOGC is the garbage collector's setting of both references:
// the one the provider's service.KeepHeapFloor sets while its live heap is
// under 3.2 MB, as the references' is (bareop's between two Argon2id
// hashes). Go's heap goal is then 16 MB, its least at GOGC 400, so the
// references collect as seldom as the provider does, and a ratio to them
// does not count the provider's heap floor as less work per request.
const referenceGOGC = "GOGC=400"

// bareOp is a reference measured in the bareop process: its name in the
// table, and the operation bareop runs for it.
type bareOp struct{ Ref, Op string }

// bareOps are the references bareop measures, in the order of the table:
// the bare signature of each algorithm, then one Argon2id verification.
func bareOps() []bareOp {
	var ops []bareOp
	for _, alg := range baresign.Algorithms {
		ops = append(ops, bareOp{signRef(alg), alg})
	}
	return append(ops, bareOp{refArgon2id, "Argon2id"})
}

// opProcess is a running bareop (./loadtest/cmd/bareop), pinned to the
// providers' CPU: the load tool's ends of its pipes.
type opProcess struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	log string // the file its standard error goes to
}

// startBareOp starts bin in dir pinned to cpu, with the provider's
// Argon2id parameters and heap goal (referenceGOGC), and waits until its
// keys are made.
func startBareOp(bin, dir string, o options, cpu int) (*opProcess, error) {
	logFile, err := os.Create(filepath.Join(dir, "bareop.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin)
	cmd.Dir, cmd.Stderr = dir, logFile
	cmd.Env = []string{
		referenceGOGC,
		"PASSWORD_HASH_MEMORY_KIB=" + strconv.Itoa(o.PasswordMemoryKiB),
		"PASSWORD_HASH_TIME=" + strconv.Itoa(o.PasswordTime),
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := startPinned(cmd, cpu); err != nil {
		return nil, fmt.Errorf("loadtest: start bareop: %w", err)
	}
	p := &opProcess{cmd: cmd, in: in, out: bufio.NewScanner(out), log: logFile.Name()}
	if line, err := p.answer(); err != nil || line != "ready" {
		p.stop()
		return nil, fmt.Errorf("loadtest: bareop did not start (%q, %v):\n%s", line, err, logTail(p.log))
	}
	if err := checkPinned(cmd.Process.Pid, cpu); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// window runs op in bareop until it has spent about budget of CPU time,
// and returns the operations and the CPU time the process spent, read
// from outside as the servers' is. That is the whole process's: Argon2id
// hashes on a goroutine of its own, and the garbage collector's share is
// part of any operation's cost.
func (p *opProcess) window(op string, budget time.Duration) (measurement, error) {
	pid := p.cmd.Process.Pid
	before, err := cpuTime(pid)
	if err != nil {
		return measurement{}, err
	}
	if _, err := fmt.Fprintf(p.in, "%s %s\n", op, budget); err != nil {
		return measurement{}, fmt.Errorf("loadtest: bareop: %w", err)
	}
	line, err := p.answer()
	n, convErr := strconv.Atoi(line)
	if err != nil || convErr != nil {
		return measurement{}, fmt.Errorf("loadtest: bareop answered %q to %s (%v):\n%s", line, op, err, logTail(p.log))
	}
	after, settled, err := settledCPUTime(pid, maxSettle)
	if err != nil {
		return measurement{}, err
	}
	return measurement{Requests: n, CPU: after - before, Unsettled: !settled}, nil
}

// answer reads bareop's next line.
func (p *opProcess) answer() (string, error) {
	if !p.out.Scan() {
		return "", fmt.Errorf("loadtest: bareop ended (%v)", p.out.Err())
	}
	return strings.TrimSpace(p.out.Text()), nil
}

// stop closes bareop's input, at whose end it exits, and waits for it.
func (p *opProcess) stop() {
	_ = p.in.Close()
	_ = p.cmd.Wait()
}
