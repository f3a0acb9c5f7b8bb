package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/specref"
)

// ruleRefForm is the one form of a rule's reference, as the traces show it
// and a reader greps for it: "RFC 6749 Section 4.1.3", "RFC 6749 Appendix
// B", "OIDC Core Section 3.1.2.1" (or another OpenID specification's short
// name), "CIMD Section 4.1", "RFC 7523bis Section 4" (a draft that
// updates an RFC), or "MCP Authorization, <heading>" (the MCP
// specification numbers no sections).
var ruleRefForm = regexp.MustCompile(`^((RFC \d{4}(bis)?|OIDC [A-Z][A-Za-z -]*|CIMD) Section \d+(\.\d+)*|RFC \d{4} Appendix [A-Z](\.\d+)*|MCP Authorization, [A-Z][A-Za-z ]*[a-z])$`)

// TestRuleRefsHaveOneFormAndALink finds every rule the provider checks
// (each oauth.Rule written in its source, whether or not a test's request
// reaches it) and fails on a reference in another form than ruleRefForm,
// or one the pages cannot link (specref.URL): a trace then shows a rule a
// reader cannot look up.
func TestRuleRefsHaveOneFormAndALink(t *testing.T) {
	refs := ruleRefs(t, "internal")
	if len(refs) < 150 {
		t.Fatalf("found %d rules with a written reference, want the provider's (more than 150)", len(refs))
	}
	for where, ref := range refs {
		if !ruleRefForm.MatchString(ref) {
			t.Errorf("%s: reference %q is not in the one form (\"RFC 6749 Section 4.1.3\", \"RFC 6749 Appendix B\", \"OIDC Core Section 3.1.2.1\", \"CIMD Section 4.1\", \"MCP Authorization, Heading\")", where, ref)
		} else if specref.URL(ref) == "" {
			t.Errorf("%s: reference %q has no link (specref.URL)", where, ref)
		}
	}
}

// ruleRefs returns the reference of each Rule composite literal in the
// non-test Go files under root whose reference is a string literal, by
// "file:line".
func ruleRefs(t *testing.T, root string) map[string]string {
	t.Helper()
	refs := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.CompositeLit); ok && isRuleType(lit.Type) {
				if ref, ok := ruleRef(lit); ok {
					refs[fset.Position(lit.Pos()).String()] = ref
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// isRuleType reports whether a composite literal's type is Rule or
// oauth.Rule.
func isRuleType(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "Rule"
	case *ast.SelectorExpr:
		return e.Sel.Name == "Rule"
	}
	return false
}

// ruleRef returns the Ref of a Rule literal, written Rule{text, ref} or
// Rule{Text: text, Ref: ref}, when it is a string literal.
func ruleRef(lit *ast.CompositeLit) (string, bool) {
	for i, elt := range lit.Elts {
		value := elt
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "Ref" {
				continue
			}
			value = kv.Value
		} else if i != 1 {
			continue
		}
		if s, ok := value.(*ast.BasicLit); ok && s.Kind == token.STRING {
			ref, err := strconv.Unquote(s.Value)
			return ref, err == nil
		}
	}
	return "", false
}
