package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// e2eTarget finds the -run pattern of the Makefile's e2e target.
var e2eTarget = regexp.MustCompile(`(?m)^e2e:\n\t.*-run '([^']+)'`)

// TestEndToEndTestsAreNamedForMakeE2E reads the pattern `make e2e` selects
// tests with and fails, naming file:line, on each test of an end-to-end
// file (a name containing "e2e" or starting with "browser") that the
// pattern misses, so that `make e2e` runs every end-to-end test of the
// provider, the client and deploytest (README, "Tests").
func TestEndToEndTestsAreNamedForMakeE2E(t *testing.T) {
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := e2eTarget.FindSubmatch(makefile)
	if m == nil {
		t.Fatal("Makefile: no e2e target with a -run pattern")
	}
	selected := regexp.MustCompile(string(m[1]))
	found := 0
	eachGoFile(t, func(path string) {
		if !isEndToEndFile(path) {
			return
		}
		for _, test := range testsIn(t, path) {
			found++
			if !selected.MatchString(test.name) {
				t.Errorf("%s:%d: %s is not selected by make e2e's -run %q: name it TestE2E… (or TestBrowser… when Chromium drives it)",
					path, test.line, test.name, m[1])
			}
		}
	})
	if found < 100 {
		t.Fatalf("found %d end-to-end tests, want every one of the provider, client and deploytest", found)
	}
}

// isEndToEndFile reports whether a Go file holds end-to-end tests by its name.
func isEndToEndFile(path string) bool {
	name := filepath.Base(path)
	return strings.HasSuffix(name, "_test.go") && (strings.Contains(name, "e2e") || strings.HasPrefix(name, "browser"))
}

// namedTest is a top-level test function and the line it starts on.
type namedTest struct {
	name string
	line int
}

// testsIn returns the top-level Test functions of a Go test file.
func testsIn(t *testing.T, path string) []namedTest {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var tests []namedTest
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") && fn.Name.Name != "TestMain" {
			tests = append(tests, namedTest{fn.Name.Name, fset.Position(fn.Pos()).Line})
		}
	}
	return tests
}
