package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// citationRoots are the modules whose comments the citation rule covers,
// relative to this package's directory (the provider module's root).
var citationRoots = []string{".", "../client", "../deploytest", "../loadtest", "../interop/mcpsdk"}

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
	{regexp.MustCompile(`\bSPEC\b`), `the README section or the RFC (SPEC.md is not in this repository)`},
	{regexp.MustCompile(`(?i)\bthe\s+(issue|brief)('s|\s+(asks|wants|says|quoted))`), `the reason itself, not the request that asked for it`},
	{regexp.MustCompile(`(?i)\bissues?\s+[0-9]`), `the README section, not the issue that asked for it`},
	{numberAfterSpec, `"Section" between the spec's name and the number`},
	{regexp.MustCompile(`\bSections?\s+[0-9][0-9.]*\s*(–|-|to)\s*[0-9]`), `each section in full, "RFC 7636 Section 4.1, RFC 7636 Section 4.2": grep for one misses a range`},
	{regexp.MustCompile(`第\s*[0-9][0-9.、，, ]*\s*節`), `"Section N" after the spec's name, as the Chinese pages and traces cite ("RFC 6749 Section 4.4"), not 第 … 節`},
}

// numberAfterSpec is a section number right after a spec's name, without
// "Section" between them, in a comment or a string (a test's name cites
// too).
var numberAfterSpec = regexp.MustCompile(`\b(RFC \d{4}(bis)?|OIDC Core|CIMD),? [0-9]`)

// Outside a quotation of an RFC (which cites in its own way), a citation
// is on one line and each section number follows its spec's name ("RFC 9449
// Section 5, RFC 9449 Section 6.1", not "RFC 9449 Section 5, Section 6.1"):
// else grep for it misses it.
var (
	splitCitation = regexp.MustCompile(`(\bRFC|\bRFC \d{4}(bis)?|\bOIDC|\bOIDC [A-Z][A-Za-z-]*|\bCIMD|\bSection)[ \t]*\n[ \t]*(\d|Section|Core|Discovery|Registration|RP-)`)
	bareSection   = regexp.MustCompile(`\bSection\s+[0-9]+(\.[0-9]+)*`)
)

// specName ends the text before a section number that is cited in full.
// CIMD is the client ID metadata document draft, under its own short name
// (draft-ietf-oauth-client-id-metadata-document-01); RFC 6265bis is the
// draft that revises an RFC (draft-ietf-httpbis-rfc6265bis), under the
// name it goes by.
var specName = regexp.MustCompile(`(RFC \d{4}(bis)?|OIDC( [A-Z][A-Za-z-]*)+|CIMD)\s+$`)

// inlineCode is a code span (`[Section 6]`): an example of a form, not a
// citation.
var inlineCode = regexp.MustCompile("`[^`]*`")

// blankOut replaces s by as many spaces, keeping its line breaks, so that
// what follows keeps its place.
func blankOut(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return ' '
	}, s)
}

// citationDocs are the Markdown files the citation rule covers, relative
// to this package's directory; the READMEs may cite in plain text
// ("RFC 6749 Section 4.1.3"), but in the same one form, the Chinese one
// too.
var citationDocs = []string{"../README.md", "../README.zh-TW.md", "../docs/SECURITY.md"}

// TestCitationsHaveOneForm walks every Go file of citationRoots and the
// Markdown of citationDocs and fails, naming file:line, on each comment
// that cites a section in another form, so that one grep finds every place
// a rule lives.
func TestCitationsHaveOneForm(t *testing.T) {
	eachGoFile(t, func(path string) {
		for _, problem := range strayCitationsIn(t, path) {
			t.Error(problem)
		}
	})
	for _, path := range citationDocs {
		for _, problem := range strayCitationsInMarkdown(t, path) {
			t.Error(problem)
		}
	}
}

// eachGoFile calls visit with the path of every Go file of citationRoots,
// and fails if the walk finds too few files to be the whole of them.
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
		t.Fatalf("walked %d Go files, want the whole of %v", files, citationRoots)
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
		problems = append(problems, strayCitationsInText(path, fset.Position(group.Pos()).Line, commentText(group))...)
	}
	ast.Inspect(file, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			for _, loc := range numberAfterSpec.FindAllStringIndex(lit.Value, -1) {
				problems = append(problems, fmt.Sprintf("%s:%d: %q in a string: want \"Section\" between the spec's name and the number",
					path, fset.Position(lit.Pos()).Line, lit.Value[loc[0]:loc[1]]))
			}
		}
		return true
	})
	return problems
}

// strayCitationsInMarkdown returns "file:line: ..." for each stray citation
// form in the paragraphs of a Markdown file, code blocks included (their
// comments cite too).
func strayCitationsInMarkdown(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var problems []string
	var paragraph []string
	first := 0
	flush := func() {
		problems = append(problems, strayCitationsInText(path, first, strings.Join(paragraph, "\n"))...)
		paragraph = nil
	}
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "```"), strings.TrimSpace(line) == "":
			flush()
		default:
			if len(paragraph) == 0 {
				first = i + 1
			}
			paragraph = append(paragraph, line)
		}
	}
	flush()
	return problems
}

// strayCitationsInText returns "file:line: ..." for each stray citation
// form in text, which starts at line first of the file.
func strayCitationsInText(path string, first int, text string) []string {
	text = inlineCode.ReplaceAllStringFunc(text, blankOut)
	var problems []string
	reported := map[string]bool{}
	report := func(loc []int, want string) {
		problem := fmt.Sprintf("%s:%d: %q: want %s", path, first+strings.Count(text[:loc[0]], "\n"), text[loc[0]:loc[1]], want)
		if !reported[problem] {
			reported[problem] = true
			problems = append(problems, problem)
		}
	}
	for _, stray := range strayCitations {
		for _, loc := range stray.pattern.FindAllStringIndex(text, -1) {
			report(loc, stray.want)
		}
	}
	quoted := func(loc []int) bool { return strings.Count(text[:loc[0]], `"`)%2 == 1 }
	for _, loc := range splitCitation.FindAllStringIndex(text, -1) {
		if !quoted(loc) {
			report(loc, `the citation on one line`)
		}
	}
	for _, loc := range bareSection.FindAllStringIndex(text, -1) {
		if !quoted(loc) && !specName.MatchString(text[:loc[0]]) {
			report(loc, `the spec's name before each section number: "RFC 9449 Section 6.1", not "Section 6.1"`)
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

// TestStrayCitationFormsAreCaught holds strayCitations to the forms they
// exist for, so the walk above can fail: each stray form is caught, and
// the one form is not.
func TestStrayCitationFormsAreCaught(t *testing.T) {
	caught := func(text string) bool {
		for _, stray := range strayCitations {
			if stray.pattern.MatchString(text) {
				return true
			}
		}
		return false
	}
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"[RFC 6749 Section 4.1.3]", false},
		{"RFC 7636 Section 4.1, RFC 7636 Section 4.2", false},
		{"OIDC Core Section 3.1.2.1", false},
		{"RFC 6749 §4.1.3", true},
		{"[Section 4.1.3]", true},
		{"OpenID Connect Core 1.0 Section 3", true},
		{"RFC 6749" + " 4.1.3", true}, // split, or the walk above would flag this file
		{"RFC 7636 Section 4.1–4.6", true},
		{"RFC 7636 Sections 4.1-4.6", true},
		{"RFC 7636 Section 4.1 to 4.6", true},
		{"RFC 6749 第 4.4 節", true},
		{"RFC 6749 第 3.2、4.1.3 節", true},
	} {
		if got := caught(tt.text); got != tt.want {
			t.Errorf("%q: caught %t, want %t", tt.text, got, tt.want)
		}
	}
}
