package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// citationRoots are the modules whose comments the citation rule covers,
// relative to this package's directory (the provider module's root).
var citationRoots = []string{".", "../client", "../deploytest"}

// strayCitations are the forms a comment must not use. The one form is
// "[RFC 6749 Section 4.1.3]" with its Go doc link, "OIDC Core Section 3.1.2.1"
// for OpenID Connect Core, and the README or the RFCs as what a comment
// points to (see the README's "Tests" section).
var strayCitations = []struct {
	pattern *regexp.Regexp
	want    string
}{
	{regexp.MustCompile(`§`), `"Section N" after the spec's name, not the section sign`},
	{regexp.MustCompile(`\[Section\s+[0-9]`), `the spec's name in the brackets: [RFC 6749 Section N]`},
	{regexp.MustCompile(`OpenID\s+Connect\s+Core\s+(1\.0|Section|Appendix|[0-9])`), `"OIDC Core Section N"`},
	{regexp.MustCompile(`OpenID\s+Connect\s+[A-Za-z-]+\s+(1\.0\s+)?Section`), `the short name: "OIDC Discovery Section N", "OIDC Registration Section N"`},
	{regexp.MustCompile(`\b1\.0\s+Section`), `no version before "Section": "OIDC RP-Initiated Logout Section N"`},
	{regexp.MustCompile(`SPEC\.md`), `the README section or the RFC (SPEC.md is not in this repository)`},
	{regexp.MustCompile(`(?i)\bthe\s+(issue|brief)\s+(asks|wants|says|quoted)`), `the reason itself, not the request that asked for it`},
}

// TestCitationsHaveOneForm walks every Go file of the provider, the client
// and deploytest and fails, naming file:line, on each comment that cites a
// section in another form, so that one grep finds every place a rule lives.
func TestCitationsHaveOneForm(t *testing.T) {
	eachGoFile(t, func(path string) {
		for _, problem := range strayCitationsIn(t, path) {
			t.Error(problem)
		}
	})
}

// eachGoFile calls visit with the path of every Go file of the provider,
// the client and deploytest, and fails if the walk finds too few files to
// be the whole of them.
func eachGoFile(t *testing.T, visit func(path string)) {
	t.Helper()
	files := 0
	for _, root := range citationRoots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != root && skippedDir(d.Name()) {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			files++
			visit(path)
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", root, err)
		}
	}
	if files < 100 {
		t.Fatalf("walked %d Go files, want the whole provider, client and deploytest", files)
	}
}

// skippedDir reports whether a directory holds no code of this project.
func skippedDir(name string) bool {
	return name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".")
}

// strayCitationsIn parses one file and returns "file:line: ..." for each
// stray citation form in its comments. A comment group is scanned as one
// text, so a citation broken across two lines is found too.
func strayCitationsIn(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var problems []string
	for _, group := range file.Comments {
		text := commentText(group)
		first := fset.Position(group.Pos()).Line
		for _, stray := range strayCitations {
			reported := map[int]bool{}
			for _, loc := range stray.pattern.FindAllStringIndex(text, -1) {
				line := first + strings.Count(text[:loc[0]], "\n")
				if !reported[line] {
					reported[line] = true
					problems = append(problems, fmt.Sprintf("%s:%d: %q in a comment: want %s",
						path, line, text[loc[0]:loc[1]], stray.want))
				}
			}
		}
	}
	return problems
}

// commentText is a comment group's text without its "//" markers, one
// source line per line, so that a citation broken across lines still
// matches and counting newlines gives the line of a match.
func commentText(group *ast.CommentGroup) string {
	lines := make([]string, len(group.List))
	for i, c := range group.List {
		lines[i] = strings.TrimPrefix(c.Text, "//")
	}
	return strings.Join(lines, "\n")
}
