package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSummarize runs `go test -json` on the packages of testdata/fixture —
// one passes and skips, one fails, one exits in the middle of a test, one
// does not compile — and checks what make test shows: every failure with
// its output (the compile error, the last words of the test that never
// ended), the totals, each skip with its reason, and a failed result.
func TestSummarize(t *testing.T) {
	cmd := exec.Command("go", "test", "-json", "./...")
	cmd.Dir = "testdata/fixture"
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	events, _ := cmd.Output() // go test exits 1: the fixture fails on purpose
	var out bytes.Buffer
	if !summarize(bytes.NewReader(events), &out) {
		t.Error("summarize reports success for a run with failures")
	}
	for _, want := range []string{
		"got 41, want 42", "--- FAIL: TestFails",
		"notDefinedAnywhere", "FAIL\tfixture/broken [build failed]",
		"--- TestExits did not finish", "the last words of TestExits",
		"== test summary: 4 packages (3 failed); 1 tests passed, 2 failed, 1 skipped",
		"SKIP fixture/passes.TestSkips: passes_test.go:9: chromium is not installed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSummarizeAllPassed: a run with no failure is a success.
func TestSummarizeAllPassed(t *testing.T) {
	events := `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}
{"Action":"pass","Package":"p"}
`
	var out bytes.Buffer
	if summarize(strings.NewReader(events), &out) {
		t.Errorf("summarize reports a failure for a passing run:\n%s", out.String())
	}
	if want := "1 packages (0 failed); 1 tests passed, 0 failed, 0 skipped"; !strings.Contains(out.String(), want) {
		t.Errorf("the output lacks %q:\n%s", want, out.String())
	}
}
