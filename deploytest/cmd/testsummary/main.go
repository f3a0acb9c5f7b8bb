// Command testsummary reads `go test -json` on stdin, prints what a plain
// `go test` would (each package's result, and the output of failed tests),
// then a summary of what ran and what was skipped, with each skip's reason,
// so that a green run cannot hide a skipped half (no PostgreSQL, no
// Chromium). It exits 1 when a test or a package failed.
//
//	go test -json ./... | go run github.com/oauth-reference/deploytest/cmd/testsummary
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// run holds what the events said so far.
type run struct {
	out               io.Writer
	output            map[string][]string // "pkg test" → its output lines, until it ends
	passed, failed    int
	skipped           []string // "pkg.Test: reason"
	packages, pkgFail int
}

func main() {
	if summarize(os.Stdin, os.Stdout) {
		os.Exit(1)
	}
}

// summarize reads the events of `go test -json` from in, writes what a
// plain `go test` would and then the summary to out, and reports whether
// anything failed.
func summarize(in io.Reader, out io.Writer) bool {
	r := &run{out: out, output: map[string][]string{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Fprintln(r.out, sc.Text()) // other non-JSON lines
			continue
		}
		r.handle(e)
	}
	return r.summary()
}

// handle takes one event.
func (r *run) handle(e event) {
	key := e.Package + " " + e.Test
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.out, e.Output) // a compile error, before its package's "[build failed]"
	case "output":
		if e.Test == "" {
			if !strings.HasPrefix(e.Output, "=== ") && !strings.HasPrefix(e.Output, "PASS\n") {
				fmt.Fprint(r.out, e.Output) // "ok pkg 1.2s", "FAIL pkg", "? pkg [no test files]"
			}
			return
		}
		r.output[key] = append(r.output[key], e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			r.packageEnded(e)
			return
		}
		r.testEnded(e, key)
	}
}

// packageEnded counts a package. A test of it that never ended (its test
// binary exited or crashed during the test) failed: its output is printed,
// as it is the only clue to what happened.
func (r *run) packageEnded(e event) {
	r.packages++
	if e.Action == "fail" {
		r.pkgFail++
	}
	for _, key := range slices.Sorted(maps.Keys(r.output)) {
		if pkg, test, _ := strings.Cut(key, " "); pkg == e.Package {
			fmt.Fprintf(r.out, "--- %s did not finish: its test binary exited while it ran\n", test)
			r.testEnded(event{Action: "fail", Package: pkg, Test: test}, key)
		}
	}
}

// testEnded counts a test, prints a failure's output, keeps a skip's reason.
func (r *run) testEnded(e event, key string) {
	lines := r.output[key]
	delete(r.output, key)
	switch e.Action {
	case "pass":
		r.passed++
	case "fail":
		r.failed++
		for _, l := range lines {
			if !strings.HasPrefix(l, "=== ") {
				fmt.Fprint(r.out, l)
			}
		}
	case "skip":
		r.skipped = append(r.skipped, fmt.Sprintf("%s.%s: %s", shortPackage(e.Package), e.Test, skipReason(lines)))
	}
}

// summary prints the totals and the skips; it reports whether anything failed.
func (r *run) summary() bool {
	fmt.Fprintf(r.out, "\n== test summary: %d packages (%d failed); %d tests passed, %d failed, %d skipped\n",
		r.packages, r.pkgFail, r.passed, r.failed, len(r.skipped))
	slices.Sort(r.skipped)
	for _, s := range r.skipped {
		fmt.Fprintln(r.out, "   SKIP", s)
	}
	return r.failed > 0 || r.pkgFail > 0
}

// skipReason is the last message a skipped test logged before "--- SKIP".
func skipReason(lines []string) string {
	for _, l := range slices.Backward(lines) {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "--- SKIP") && !strings.HasPrefix(l, "=== ") {
			return l
		}
	}
	return "(no reason given)"
}

// shortPackage drops the module prefix every package here shares.
func shortPackage(p string) string {
	return strings.TrimPrefix(p, "github.com/oauth-reference/")
}
