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
// tests with and fails, naming file:line, on each end-to-end test the
// pattern misses, so that `make e2e` runs every end-to-end test of the
// provider, the client, deploytest and interop/mcpsdk (README, "Tests"). A test is
// end-to-end when its file says so (a name containing "e2e" or starting
// with "browser") or when it starts the real provider: it calls
// providertest.New, itself or through a function of its package.
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
	packages := map[string][]string{} // directory → its test files
	eachGoFile(t, func(path string) {
		if strings.HasSuffix(path, "_test.go") {
			packages[filepath.Dir(path)] = append(packages[filepath.Dir(path)], path)
		}
	})
	found := 0
	for _, files := range packages {
		for _, test := range testsOf(t, files) {
			if !test.endToEnd {
				continue
			}
			found++
			if !selected.MatchString(test.name) {
				t.Errorf("%s:%d: %s is an end-to-end test that make e2e's -run %q misses: name it TestE2E… (or TestBrowser… when Chromium drives it)",
					test.file, test.line, test.name, m[1])
			}
		}
	}
	if found < 100 {
		t.Fatalf("found %d end-to-end tests, want every one of the provider, client and deploytest", found)
	}
}

// isEndToEndFile reports whether a Go file holds end-to-end tests by its name.
func isEndToEndFile(path string) bool {
	name := filepath.Base(path)
	return strings.HasSuffix(name, "_test.go") && (strings.Contains(name, "e2e") || strings.HasPrefix(name, "browser"))
}

// namedTest is a top-level test function, where it starts, and whether it
// is end-to-end.
type namedTest struct {
	name, file string
	line       int
	endToEnd   bool
}

// startsProvider is the call that runs the real provider on HTTP.
const startsProvider = "providertest.New"

// testsOf returns the top-level Test functions of one package's test
// files, each marked end-to-end by its file's name or by a call that
// reaches startsProvider through the package's functions.
func testsOf(t *testing.T, files []string) []namedTest {
	t.Helper()
	calls := map[string][]string{} // function → what it calls
	var tests []namedTest
	for _, path := range files {
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil {
				continue
			}
			calls[fn.Name.Name] = append(calls[fn.Name.Name], calledNames(fn)...)
			if strings.HasPrefix(fn.Name.Name, "Test") && fn.Name.Name != "TestMain" {
				tests = append(tests, namedTest{name: fn.Name.Name, file: path, line: fset.Position(fn.Pos()).Line, endToEnd: isEndToEndFile(path)})
			}
		}
	}
	reaches := map[string]bool{}
	var startsServer func(name string) bool
	startsServer = func(name string) bool {
		if done, seen := reaches[name]; seen {
			return done
		}
		reaches[name] = false // a cycle reaches nothing new
		for _, callee := range calls[name] {
			if callee == startsProvider || startsServer(callee) {
				reaches[name] = true
				break
			}
		}
		return reaches[name]
	}
	for i := range tests {
		tests[i].endToEnd = tests[i].endToEnd || startsServer(tests[i].name)
	}
	return tests
}

// calledNames lists what a function calls by name: "f" or "pkg.F".
func calledNames(fn *ast.FuncDecl) []string {
	var names []string
	ast.Inspect(fn, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch f := call.Fun.(type) {
		case *ast.Ident:
			names = append(names, f.Name)
		case *ast.SelectorExpr:
			if x, ok := f.X.(*ast.Ident); ok {
				names = append(names, x.Name+"."+f.Sel.Name)
			}
		}
		return true
	})
	return names
}
